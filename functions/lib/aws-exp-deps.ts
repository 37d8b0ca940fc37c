import { systemClock } from '@lakeops/core';
import { appConfigExperiments } from './appconfig-experiments.ts';
import { chainDeps, eventPublisher } from './aws-deps.ts';
import { EnvironmentMissingError, readAwsEnv, requiredEnv } from './aws-env.ts';

/**
 * The AWS composition root of exp-analyze, beside aws-deps.ts (a module of its own so that Athena,
 * Glue, S3 and AppConfig land in this function's bundle only): `AthenaQueryEngine` over the stage's
 * Glue databases and the lake bucket (reads in the reads workgroup; `gold.exp_results` written by
 * CTAS in the writes workgroup and switched in Glue), the experiment definitions from the stage's
 * AppConfig feature-flag profile (cached 5 minutes, as Powertools parameters do), the analysis'
 * SQL copied into the bundle (`LAKEOPS_QUERIES_DIR`), and the bus for the SRM/guardrail alerts.
 */
export async function expAnalyzeDeps() {
  const env = readAwsEnv();
  const queriesDir = requiredEnv(env.queriesDir, 'LAKEOPS_QUERIES_DIR');
  if (!env.appConfig) throw new EnvironmentMissingError('LAKEOPS_APPCONFIG_APPLICATION/ENVIRONMENT/PROFILE');
  const [{ AppConfigDataClient }, { athenaLake }, { tables }, { loadExperimentQueries }] = await Promise.all([
    import('@aws-sdk/client-appconfigdata'),
    import('./athena-lake.ts'),
    import('@lakeops/lake/tables'),
    import('@lakeops/lake/experiment-queries'),
  ]);
  const resultsTable = tables.find((t) => t.zone === 'gold' && t.name === 'exp_results');
  if (!resultsTable) throw new Error('the table catalog has no gold.exp_results');
  const { engine } = athenaLake(env);
  const experiments = await appConfigExperiments({ client: new AppConfigDataClient({}), ...env.appConfig });
  let queries: ReturnType<typeof loadExperimentQueries> | undefined;
  return {
    ...(await chainDeps()),
    engine,
    events: await eventPublisher(),
    clock: systemClock,
    experiments,
    experimentSql: async () => {
      queries ??= loadExperimentQueries({ queriesDir });
      queries.catch(() => {
        queries = undefined;
      });
      return { queries: await queries, resultsTable };
    },
  };
}
