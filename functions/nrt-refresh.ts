import {
  type Clock,
  type EventPublisher,
  type NrtView,
  type QueryEngine,
  refreshNrtViews,
  type StagedPartitionWriter,
  type StateStore,
  startNrtRefresh,
} from '@lakeops/core';
import { onScheduleLambda, scheduleFunction } from './lib/schedule-function.ts';
import { routeById } from './routes.ts';

/** What the NRT refresh needs: the engine, the state port (lease, records), the bus, the views. */
export interface NrtRefreshDeps {
  readonly engine: QueryEngine;
  readonly state: StateStore;
  readonly events: EventPublisher;
  readonly clock: Clock;
  /** The NRT views (`loadNrtViews()` of @lakeops/lake). */
  readonly nrtViews: () => Promise<readonly NrtView[]>;
  /** Days of NRT partitions the local refresh keeps (`LAKEOPS_NRT_RETENTION_DAYS`; default 35). */
  readonly nrtRetentionDays?: number;
}

/**
 * The NRT refresh on AWS: the same ports, plus the engine's started writes (a CTAS started and not
 * waited for; nrt-complete carries it on when Athena reports it done).
 */
export interface NrtAthenaDeps extends Omit<NrtRefreshDeps, 'engine'> {
  readonly engine: Pick<QueryEngine, 'query'>;
  readonly writer: StagedPartitionWriter;
}

/**
 * nrt-refresh, locally (`lakeops start`): every 5 minutes, the hours of today touched since each
 * view's watermark, written through DuckDB and waited for.
 */
export const make = scheduleFunction(routeById('nrt-refresh'), async (deps: NrtRefreshDeps, run) =>
  refreshNrtViews(deps, {
    views: await deps.nrtViews(),
    runId: `nrt-${run.id}`,
    ...(deps.nrtRetentionDays === undefined ? {} : { retentionDays: deps.nrtRetentionDays }),
  }),
);

/**
 * nrt-refresh on AWS: every 5 minutes, per view, plan the touched hours and START its CTAS
 * (`startNrtRefresh`); a view whose write is still in flight is skipped, one whose write ended
 * without its completion event reaching nrt-complete (Athena's events are best effort) is completed.
 */
export const makeOnAthena = scheduleFunction(routeById('nrt-refresh'), async (deps: NrtAthenaDeps, run) =>
  startNrtRefresh(deps, { views: await deps.nrtViews(), runId: `nrt-${run.id}` }),
);

export const handler = onScheduleLambda(makeOnAthena, () =>
  import('./lib/aws-nrt-deps.ts').then((m) => m.nrtAthenaDeps()),
);
