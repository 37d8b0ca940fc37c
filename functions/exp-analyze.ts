import {
  type AnalyzeExperimentInput,
  analyzeExperiments,
  type Clock,
  type EventPublisher,
  type ExperimentQueries,
  type QueryEngine,
  type TableDefinition,
} from '@lakeops/core';
import { onScheduleLambda, scheduleFunction } from './lib/schedule-function.ts';
import { routeById } from './routes.ts';

/** What the daily experiment analysis needs: the engine, the bus, the definitions and the lake's SQL. */
export interface ExpAnalyzeDeps {
  readonly engine: QueryEngine;
  readonly events: EventPublisher;
  readonly clock: Clock;
  /** The experiment definitions (the AppConfig feature-flag document; locally its JSON file). */
  readonly experiments: () => Promise<readonly AnalyzeExperimentInput['experiment'][]>;
  /** `loadExperimentQueries()` and `expResults` of @lakeops/lake. */
  readonly experimentSql: () => Promise<{ queries: ExperimentQueries; resultsTable: TableDefinition }>;
}

const DAY_MS = 86_400_000;

/** exp-analyze: every day, each running experiment as of the previous UTC day (a complete day of data). */
export const make = scheduleFunction(routeById('exp-analyze'), async (deps: ExpAnalyzeDeps, run) => {
  const { queries, resultsTable } = await deps.experimentSql();
  return analyzeExperiments(deps, {
    experiments: await deps.experiments(),
    queries,
    resultsTable,
    runId: `exp-${run.id}`,
    day: new Date(Date.parse(run.time) - DAY_MS).toISOString().slice(0, 10),
  });
});

export const handler = onScheduleLambda(make, () =>
  import('./lib/aws-exp-deps.ts').then((m) => m.expAnalyzeDeps()),
);
