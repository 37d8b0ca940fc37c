import { systemClock } from '@lakeops/core';
import { appConfigExperiments } from './appconfig-experiments.ts';
import { chainDeps, eventPublisher } from './aws-deps.ts';
import { EnvironmentMissingError, readAwsEnv } from './aws-env.ts';

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
  const bucket = need(env.lakeBucket, 'LAKEOPS_LAKE_BUCKET');
  const readWorkgroup = need(env.athenaReadWorkgroup, 'LAKEOPS_ATHENA_READ_WORKGROUP');
  const writeWorkgroup = need(env.athenaWriteWorkgroup, 'LAKEOPS_ATHENA_WRITE_WORKGROUP');
  const databasePrefix = need(env.glueDatabasePrefix, 'LAKEOPS_GLUE_DATABASE_PREFIX');
  const queriesDir = need(env.queriesDir, 'LAKEOPS_QUERIES_DIR');
  if (!env.appConfig) throw new EnvironmentMissingError('LAKEOPS_APPCONFIG_APPLICATION/ENVIRONMENT/PROFILE');
  const [
    { AppConfigDataClient },
    { AthenaClient },
    { GlueClient },
    { S3Client },
    { AthenaQueryEngine },
    { GlueCatalog },
    { S3ObjectStore },
    { tables },
    { loadExperimentQueries },
  ] = await Promise.all([
    import('@aws-sdk/client-appconfigdata'),
    import('@aws-sdk/client-athena'),
    import('@aws-sdk/client-glue'),
    import('@aws-sdk/client-s3'),
    import('@lakeops/adapters-aws/athena-query-engine'),
    import('@lakeops/adapters-aws/glue-catalog'),
    import('@lakeops/adapters-aws/s3-object-store'),
    import('@lakeops/lake/tables'),
    import('@lakeops/lake/experiment-queries'),
  ]);
  const resultsTable = tables.find((t) => t.zone === 'gold' && t.name === 'exp_results');
  if (!resultsTable) throw new Error('the table catalog has no gold.exp_results');
  const engine = new AthenaQueryEngine({
    client: new AthenaClient({}),
    readWorkgroup,
    writeWorkgroup,
    databasePrefix,
    stagingLocation: `s3://${bucket}/_staging/`,
    catalog: new GlueCatalog({ client: new GlueClient({}), tables, databasePrefix }),
    objects: new S3ObjectStore({ client: new S3Client({}), bucket }),
  });
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

function need(value: string | undefined, name: string): string {
  if (!value) throw new EnvironmentMissingError(name);
  return value;
}
