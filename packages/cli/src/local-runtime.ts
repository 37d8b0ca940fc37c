import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LakeFormationClient } from '@aws-sdk/client-lakeformation';
import {
  EventBridgeEventPublisher,
  LakeFormationPermissions,
  PagerDutyEventsNotifier,
  SlackWebhookNotifier,
} from '@lakeops/adapters-aws';
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
import type {
  AlertingConfig,
  AnalyzeExperimentInput,
  EventPublisher,
  ExperimentQueries,
  LakePermissions,
  NrtView,
  OpsMetrics,
  PurgeDeps,
  QualifiedTableName,
  QueryEngine,
  ReceiverNotifiers,
  TableDefinition,
} from '@lakeops/core';
import { LakeopsError, parseAlertmanagerConfig, systemClock } from '@lakeops/core';
import type { Route } from '@lakeops/functions/lib/route';
import type { Expectation } from '@lakeops/lake';
import { type BusEvent, localEndpointClientConfig } from '@lakeops/local-cloud';
import { invokeWithRunEvents } from './job-lineage.ts';
import { type LocalConfig, nrtRetentionDaysOf } from './local-config.ts';
import { localMembershipKey } from './membership-key.ts';
import { openLineageSinks } from './openlineage-sinks.ts';
import { DEFAULT_POLICY_FILE, lakeStage, loadDesiredPermissions } from './permissions-policy.ts';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
interface FunctionModule {
  make(deps: object): Handler;
}

/** The repository's routing config, bundled with the alerting functions on AWS (functions/routes.ts). */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Where the local alert routing config is: `LAKEOPS_ALERTING_CONFIG` when set (relative to the
 * working directory), else `LAKEOPS_HOME/alertmanager.yml` when it exists, else the repository's
 * `examples/alerting/alertmanager.yml` — the file the AWS functions bundle.
 */
export function alertingConfigPath(
  config: Pick<LocalConfig, 'home'>,
  env: Readonly<Record<string, string | undefined>>,
  cwd = process.cwd(),
): string {
  if (env.LAKEOPS_ALERTING_CONFIG) return resolve(cwd, env.LAKEOPS_ALERTING_CONFIG);
  const home = join(config.home, 'alertmanager.yml');
  return existsSync(home) ? home : join(repoRoot, 'examples', 'alerting', 'alertmanager.yml');
}

/**
 * The notifiers of the embedded default, from the environment: Slack when `SLACK_WEBHOOK_URL` is
 * set, PagerDuty when `PAGERDUTY_ROUTING_KEY` is (`PAGERDUTY_EVENTS_URL` to point it elsewhere),
 * and the outbox (`LAKEOPS_HOME/outbox/notifications.jsonl` + console) for everything else.
 */
export function localNotifiers(
  config: Pick<LocalConfig, 'home'>,
  env: Readonly<Record<string, string | undefined>>,
  print: (line: string) => void,
): ReceiverNotifiers & { readonly outbox: FileOutboxNotifier } {
  const outbox = new FileOutboxNotifier({ file: join(config.home, 'outbox', 'notifications.jsonl'), print });
  return {
    ...(env.SLACK_WEBHOOK_URL ? { slack: new SlackWebhookNotifier({ url: env.SLACK_WEBHOOK_URL }) } : {}),
    ...(env.PAGERDUTY_ROUTING_KEY
      ? {
          pagerduty: new PagerDutyEventsNotifier({
            routingKey: env.PAGERDUTY_ROUTING_KEY,
            ...(env.PAGERDUTY_EVENTS_URL ? { eventsUrl: env.PAGERDUTY_EVENTS_URL } : {}),
          }),
        }
      : {}),
    fallback: outbox,
    outbox,
  };
}

/** The ports every local function gets: the local adapters, built once. */
export interface LocalDeps {
  /** Slack / PagerDuty when configured, the outbox otherwise. */
  readonly notifiers: ReceiverNotifiers;
  /** Deploy and WAF metrics: Powertools EMF lines (on stdout when POWERTOOLS_METRICS_DISABLED=false). */
  readonly metrics: OpsMetrics;
  /** The routing config, read and checked on first use (see {@link alertingConfigPath}). */
  readonly alertingConfig: () => Promise<AlertingConfig>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
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
  /** `LAKEOPS_NRT_RETENTION_DAYS` when set: days of NRT partitions the refresh keeps. */
  readonly nrtRetentionDays?: number;
  /**
   * The local Lake Formation endpoint through the unmodified SDK client and the AWS adapter (the
   * sync code is the one that runs against AWS), on the port of the running `lakeops start` (it
   * shares the EventBridge endpoint's port), else `http://127.0.0.1:<LAKEOPS_PORT>`.
   */
  readonly lakePermissions: LakePermissions;
  /** `permissions/policy.ts` of the working directory, resolved for LAKEOPS_STAGE (default dev). */
  readonly repoPolicy: () => Promise<{
    desired: Awaited<ReturnType<typeof loadDesiredPermissions>>['desired'];
    stage: string;
  }>;
  /** The experiments of `LAKEOPS_EXPERIMENTS_FILE` (read at each run, so edits apply the next day). */
  readonly experiments: () => Promise<readonly AnalyzeExperimentInput['experiment'][]>;
  /** The analysis SQL and `gold.exp_results`. */
  readonly experimentSql: () => Promise<{ queries: ExperimentQueries; resultsTable: TableDefinition }>;
  /** The DSAR purge's ports over the local lake (the dsar-purge schedules). */
  readonly purge: () => Promise<PurgeDeps>;
  /** The expectation suites of packages/lake/expectations (the quality-check schedule). */
  readonly expectationSuites: () => Promise<ReadonlyMap<QualifiedTableName, readonly Expectation[]>>;
}

/** The catalog id of the local Lake Formation endpoint (any 12 digits would do). */
export const LOCAL_CATALOG_ID = '000000000000';

/** {@link LakePermissions} on the local endpoint at whatever URL `endpoint()` says at call time. */
function localLakePermissions(endpoint: () => string, region: string): LakePermissions {
  let current: { url: string; lf: LakeFormationPermissions } | undefined;
  const lf = () => {
    const url = endpoint();
    if (current?.url !== url) {
      const client = new LakeFormationClient(localEndpointClientConfig(url, region));
      current = { url, lf: new LakeFormationPermissions(client, { catalogId: LOCAL_CATALOG_ID }) };
    }
    return current.lf;
  };
  return {
    listPermissions: () => lf().listPermissions(),
    listDataCellsFilters: () => lf().listDataCellsFilters(),
    getDataLakeSettings: () => lf().getDataLakeSettings(),
    batchGrant: (entries) => lf().batchGrant(entries),
    batchRevoke: (entries) => lf().batchRevoke(entries),
    createDataCellsFilter: (filter) => lf().createDataCellsFilter(filter),
    deleteDataCellsFilter: (filter) => lf().deleteDataCellsFilter(filter),
  };
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
export function lazyLakeEngine(root: string, membershipKey?: () => Promise<Uint8Array>): QueryEngine {
  let opened: Promise<QueryEngine> | undefined;
  const engine = async () => {
    opened ??= import('@lakeops/lake').then(async ({ tables, dsarPurgeIds }) =>
      DuckDbQueryEngine.open({
        root,
        tables: [...tables, dsarPurgeIds],
        ...(membershipKey ? { membershipKey: await membershipKey() } : {}),
      }),
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
    // The purge's find step reads only the partitions the membership sidecars cannot rule out.
    partitionsMayHold: async (table, ids) => (await engine()).partitionsMayHold?.(table, ids),
    // One look at Bronze per NRT refresh (see DuckDbQueryEngine.withPinnedSources).
    withPinnedSources: async (work) => {
      const e = await engine();
      return e.withPinnedSources ? e.withPinnedSources(work) : work(e);
    },
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
  const { powertoolsOpsMetrics } = await import('@lakeops/functions/lib/observability');
  const configFile = alertingConfigPath(config, env);
  let alerting: Promise<AlertingConfig> | undefined;
  const stage = lakeStage(env);
  const nrtRetentionDays = nrtRetentionDaysOf(env.LAKEOPS_NRT_RETENTION_DAYS);
  const deps: LocalDeps = {
    notifiers: localNotifiers(config, env, print),
    metrics: powertoolsOpsMetrics(),
    alertingConfig: () => {
      alerting ??= readFile(configFile, 'utf8').then(parseAlertmanagerConfig);
      // A file that could not be read or was refused is read again next time (it may be fixed).
      alerting.catch(() => {
        alerting = undefined;
      });
      return alerting;
    },
    sleep: (ms) => new Promise<void>((r) => setTimeout(r, ms)),
    random: Math.random,
    deadLetter: new JsonlDeadLetter({ dir: join(config.home, 'dead-letter') }),
    clock: systemClock,
    state: new SqliteStateStore({ file: join(config.home, 'state.sqlite') }),
    salt: new FileSaltSource({ file: join(config.home, 'secrets', 'dsar-salt') }),
    engine: lazyLakeEngine(join(config.home, 'lake'), () => localMembershipKey(config.home)),
    events: localEventPublisher(config.home, options.eventsEndpoint),
    nrtViews: () => import('@lakeops/lake').then((m) => m.loadNrtViews()),
    ...(nrtRetentionDays === undefined ? {} : { nrtRetentionDays }),
    lakePermissions: localLakePermissions(
      () => options.eventsEndpoint?.() ?? `http://127.0.0.1:${config.port}`,
      config.region,
    ),
    repoPolicy: async () => ({
      desired: (await loadDesiredPermissions(DEFAULT_POLICY_FILE, config.cwd ?? process.cwd(), stage))
        .desired,
      stage,
    }),
    experiments: async () => {
      const { ExperimentCatalog } = await import('@lakeops/experiments');
      return ExperimentCatalog.fromJson(await readFile(config.experimentsFile, 'utf8')).list();
    },
    experimentSql: async () => {
      const lake = await import('@lakeops/lake');
      return { queries: await lake.loadExperimentQueries(), resultsTable: lake.expResults };
    },
    purge: () => import('@lakeops/lake').then((m) => localPurgeDeps(config.home, deps, m)),
    expectationSuites: () => import('@lakeops/lake').then((m) => m.loadExpectationSuites()),
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
        const client = new EventBridgeClient(localEndpointClientConfig(url));
        bus = { url, publisher: new EventBridgeEventPublisher({ client, eventBusName: 'default' }) };
      }
      return bus.publisher.publish(events);
    },
  };
}
