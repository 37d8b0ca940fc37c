import type { Clock, EventPublisher, QueryEngine, StateStore } from '@lakeops/core';
import { runKpiCheck } from '@lakeops/lake/lake-checks';
import { onScheduleLambda, scheduleFunction } from './lib/schedule-function.ts';
import { routeById } from './routes.ts';

/** What the daily KPI check needs: the engine, the state port (open anomalies), the bus. */
export interface KpiCheckDeps {
  readonly engine: QueryEngine;
  readonly state: StateStore;
  readonly events: EventPublisher;
  readonly clock: Clock;
}

/**
 * kpi-check: every day after the build, GMV per city and in total and CTR judged by the robust
 * detector (`runKpiCheck`): `kpi.anomaly.detected` / `kpi.anomaly.resolved` onto the bus.
 */
export const make = scheduleFunction(routeById('kpi-check'), async (deps: KpiCheckDeps) => runKpiCheck(deps));

export const handler = onScheduleLambda(make, () =>
  import('./lib/aws-lake-checks-deps.ts').then((m) => m.kpiCheckDeps()),
);
