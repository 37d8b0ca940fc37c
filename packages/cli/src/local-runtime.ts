import { join } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeEventPublisher, SlackWebhookNotifier } from '@lakeops/adapters-aws';
import {
  DuckDbQueryEngine,
  FileOutboxNotifier,
  FileSaltSource,
  FsCatalog,
  FsObjectStore,
  JsonlDeadLetter,
  JsonlEventPublisher,
  SqliteStateStore,
} from '@lakeops/adapters-local';
import type { EventPublisher, Notifier, NrtView, PurgeDeps, QueryEngine } from '@lakeops/core';
import { LakeopsError, systemClock } from '@lakeops/core';
import type { Route } from '@lakeops/functions/lib/route';
import type { BusEvent } from '@lakeops/local-cloud';
import { invokeWithRunEvents } from './job-lineage.ts';
import type { LocalConfig } from './local-config.ts';
import { openLineageSinks } from './openlineage-sinks.ts';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
interface FunctionModule {
  make(deps: object): Handler;
}

/** The ports every local function gets: the local adapters, built once. */
export interface LocalDeps {
  readonly notifier: Notifier;
  readonly deadLetter: JsonlDeadLetter;
  readonly clock: typeof systemClock;
  /** `LAKEOPS_HOME/state.sqlite`: the local `State` table (deletion queue, leases, dedup). */
  readonly state: SqliteStateStore;
  /** `LAKEOPS_HOME/secrets/dsar-salt`: the salt of user-id hashes. */
  readonly salt: FileSaltSource;
  /** DuckDB over `LAKEOPS_HOME/lake`, opened on first use (the NRT refresh). */
  readonly engine: QueryEngine;
  /**
   * lakeops' own events (`nrt.refreshed`, `alarm.triggered`, …): under `lakeops start`, PutEvents
   * to its own endpoint with the AWS SDK (checked, archived and routed like any event, as on
   * AWS); without a running bus, `LAKEOPS_HOME/events/published.jsonl`.
   */
  readonly events: EventPublisher;
  /** The NRT views of packages/lake/models/nrt. */
  readonly nrtViews: () => Promise<readonly NrtView[]>;
  /** The DSAR purge's ports over the local lake (the dsar-purge schedules). */
  readonly purge: () => Promise<PurgeDeps>;
}

/** The purge's ports: the shared engine, state and events, the lake folder as catalog and store. */
function localPurgeDeps(
  home: string,
  deps: Pick<LocalDeps, 'engine' | 'state' | 'events'>,
  lake: Pick<typeof import('@lakeops/lake'), 'tables' | 'purgeSql' | 'dsarPurgeIds'>,
): PurgeDeps {
  const root = join(home, 'lake');
  return {
    engine: deps.engine,
    catalog: new FsCatalog({ root, tables: lake.tables }),
    store: new FsObjectStore({ root }),
    state: deps.state,
    clock: systemClock,
    sql: lake.purgeSql('duckdb'),
    idsTable: lake.dsarPurgeIds,
    events: deps.events,
  };
}

/** A DuckDB engine over the local lake, opened on its first query (start-up does not pay for it). */
export function lazyLakeEngine(root: string): QueryEngine {
  let opened: Promise<QueryEngine> | undefined;
  const engine = async () => {
    opened ??= import('@lakeops/lake').then(({ tables, dsarPurgeIds }) =>
      DuckDbQueryEngine.open({ root, tables: [...tables, dsarPurgeIds] }),
    );
    return opened;
  };
  return {
    query: async (sql, options) => (await engine()).query(sql, options),
    async *stream(sql, options) {
      yield* (await engine()).stream(sql, options);
    },
    writePartitions: async (input, options) => (await engine()).writePartitions(input, options),
    rewritePartitions: async (input, options) => (await engine()).rewritePartitions(input, options),
    restorePartitions: async (table, rewritten) => (await engine()).restorePartitions(table, rewritten),
    close: async () => {
      if (opened) await (await opened).close();
    },
  };
}

export interface LocalRuntime {
  readonly routes: readonly Route[];
  readonly deps: LocalDeps;
  /** Invokes a route's function through the same middy chain as on Lambda. */
  invoke(routeId: string, event: BusEvent | Record<string, unknown>): Promise<unknown>;
}

/**
 * The local composition root: the embedded default's adapters (outbox, JSONL dead-letter, or the
 * real Slack client when SLACK_WEBHOOK_URL is set) wired into the same function modules Lambda
 * runs. Powertools is kept quiet unless the user asked for logs.
 */
export async function localRuntime(
  config: LocalConfig,
  env: Readonly<Record<string, string | undefined>>,
  print: (line: string) => void,
  options: {
    /** The running endpoint's URL (`lakeops start`), once it listens: events are put there. */
    readonly eventsEndpoint?: () => string | undefined;
  } = {},
): Promise<LocalRuntime> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
  process.env.POWERTOOLS_SERVICE_NAME ??= 'lakeops';
  process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'lakeops';

  const { routes } = await import('@lakeops/functions/routes');
  const { lambdaContext } = await import('@lakeops/functions/lib/lambda-context');
  const notifier: Notifier = env.SLACK_WEBHOOK_URL
    ? new SlackWebhookNotifier({ url: env.SLACK_WEBHOOK_URL })
    : new FileOutboxNotifier({ file: join(config.home, 'outbox', 'notifications.jsonl'), print });
  const deps: LocalDeps = {
    notifier,
    deadLetter: new JsonlDeadLetter({ dir: join(config.home, 'dead-letter') }),
    clock: systemClock,
    state: new SqliteStateStore({ file: join(config.home, 'state.sqlite') }),
    salt: new FileSaltSource({ file: join(config.home, 'secrets', 'dsar-salt') }),
    engine: lazyLakeEngine(join(config.home, 'lake')),
    events: localEventPublisher(config.home, options.eventsEndpoint),
    nrtViews: () => import('@lakeops/lake').then((m) => m.loadNrtViews()),
    purge: () => import('@lakeops/lake').then((m) => localPurgeDeps(config.home, deps, m)),
  };
  const lineage = {
    namespace: 'lakeops-local',
    emit: openLineageSinks({ home: config.home, url: env.OPENLINEAGE_URL, warn: print }),
  };
  const handlers = new Map<string, Promise<Handler>>();
  const handlerFor = (route: Route) => {
    let h = handlers.get(route.function);
    if (!h) {
      h = (import(`@lakeops/functions/${route.function}`) as Promise<FunctionModule>).then((m) =>
        m.make(deps),
      );
      handlers.set(route.function, h);
    }
    return h;
  };
  const all: readonly Route[] = routes;
  return {
    routes: all,
    deps,
    async invoke(routeId, event) {
      const route = all.find((r) => r.id === routeId);
      // Not retryable: the bus parks it at once instead of retrying a delivery that cannot work.
      if (!route)
        throw new LakeopsError('RouteUnknown', `no route '${routeId}' in functions/routes.ts`, {
          retryable: false,
        });
      const id = typeof event.id === 'string' ? event.id : routeId;
      const handler = await handlerFor(route);
      // A route that reads or writes the lake is an OpenLineage job (lineage/, OPENLINEAGE_URL).
      return invokeWithRunEvents(lineage, route.id, deps.nrtViews, () =>
        handler(event, lambdaContext(route, id)),
      );
    },
  };
}

/**
 * Where the local functions' own events go: PutEvents to the running endpoint when there is one
 * (the unmodified SDK client, as `aws events put-events --endpoint-url` would), else the JSONL file.
 */
export function localEventPublisher(
  home: string,
  endpoint: (() => string | undefined) | undefined,
): EventPublisher {
  const file = new JsonlEventPublisher({ file: join(home, 'events', 'published.jsonl') });
  let bus: { url: string; publisher: EventBridgeEventPublisher } | undefined;
  return {
    async publish(events) {
      const url = endpoint?.();
      if (!url) return file.publish(events);
      if (bus?.url !== url) {
        const client = new EventBridgeClient({
          endpoint: url,
          region: 'us-east-1',
          // The local endpoint accepts any credentials.
          credentials: { accessKeyId: 'lakeops-local', secretAccessKey: 'lakeops-local' },
        });
        bus = { url, publisher: new EventBridgeEventPublisher({ client, eventBusName: 'default' }) };
      }
      return bus.publisher.publish(events);
    },
  };
}
