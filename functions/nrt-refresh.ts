import {
  type Clock,
  type EventPublisher,
  type NrtView,
  type QueryEngine,
  refreshNrtViews,
  type StateStore,
} from '@lakeops/core';
import { scheduleFunction } from './lib/schedule-function.ts';
import { routeById } from './routes.ts';

/** What the NRT refresh needs: the engine, the state port (lease, records), the bus, the views. */
export interface NrtRefreshDeps {
  readonly engine: QueryEngine;
  readonly state: StateStore;
  readonly events: EventPublisher;
  readonly clock: Clock;
  /** The NRT views (`loadNrtViews()` of @lakeops/lake). */
  readonly nrtViews: () => Promise<readonly NrtView[]>;
}

/** nrt-refresh: every 5 minutes, the hours of today touched since each view's watermark. */
export const make = scheduleFunction(routeById('nrt-refresh'), async (deps: NrtRefreshDeps, run) =>
  refreshNrtViews(deps, { views: await deps.nrtViews(), runId: `nrt-${run.id}` }),
);

export const handler = async (): Promise<never> => {
  // Not wired on AWS yet: the Athena path (CTAS per partition, completion from "Athena Query
  // State Change" events) and an EventBridge publisher are open items of issue 12.
  throw new Error(
    'nrt-refresh runs locally only (lakeops start); its AWS composition root is not written yet',
  );
};
