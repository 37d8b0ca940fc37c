import type { Clock, EventPublisher, QualifiedTableName, QueryEngine, StateStore } from '@lakeops/core';
import type { Expectation } from '@lakeops/lake/data-tests';
import { runQualityChecks } from '@lakeops/lake/lake-checks';
import { tables } from '@lakeops/lake/tables';
import { onScheduleLambda, scheduleFunction } from './lib/schedule-function.ts';
import { routeById } from './routes.ts';

/** What the daily quality run needs: the engine, the state port (run records), the bus, the suites. */
export interface QualityCheckDeps {
  readonly engine: QueryEngine;
  readonly state: StateStore;
  readonly events: EventPublisher;
  readonly clock: Clock;
  /** The suite files of packages/lake/expectations (`loadExpectationSuites()`). */
  readonly expectationSuites: () => Promise<ReadonlyMap<QualifiedTableName, readonly Expectation[]>>;
}

const DAY_MS = 86_400_000;

/**
 * quality-check: every day, each Silver/Gold table's suite on the previous UTC day's partition
 * (`runQualityChecks`): `expectation.failed` per failure and `quality.run.completed` onto the bus.
 */
export const make = scheduleFunction(routeById('quality-check'), async (deps: QualityCheckDeps, run) =>
  runQualityChecks(deps, {
    runId: `quality-${run.id}`,
    dt: new Date(Date.parse(run.time) - DAY_MS).toISOString().slice(0, 10),
    tables,
    suites: await deps.expectationSuites(),
  }),
);

export const handler = onScheduleLambda(make, () =>
  import('./lib/aws-lake-checks-deps.ts').then((m) => m.qualityCheckDeps()),
);
