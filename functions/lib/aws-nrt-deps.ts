import { type NrtView, systemClock } from '@lakeops/core';
import { chainDeps, dynamoDbState, eventPublisher } from './aws-deps.ts';
import { EnvironmentMissingError, readAwsEnv } from './aws-env.ts';
/**
 * The AWS composition root of the NRT functions (nrt-refresh, nrt-rebuild, nrt-complete), beside
 * aws-deps.ts: `AthenaQueryEngine` (reads and started writes) over the stage's Glue databases and
 * the lake bucket, the `State` table, the bus, and the NRT models copied into the bundle
 * (`LAKEOPS_MODELS_DIR`), loaded once per cold start. A module of its own because esbuild inlines
 * dynamic imports into the one bundle: in aws-deps.ts, Athena, Glue, S3 and the models' loader
 * would land in every function's bundle (functions/test/bundle.test.ts).
 */
export async function nrtAthenaDeps() {
  const env = readAwsEnv();
  const bucket = need(env.lakeBucket, 'LAKEOPS_LAKE_BUCKET');
  const readWorkgroup = need(env.athenaReadWorkgroup, 'LAKEOPS_ATHENA_READ_WORKGROUP');
  const writeWorkgroup = need(env.athenaWriteWorkgroup, 'LAKEOPS_ATHENA_WRITE_WORKGROUP');
  const databasePrefix = need(env.glueDatabasePrefix, 'LAKEOPS_GLUE_DATABASE_PREFIX');
  const modelsDir = need(env.modelsDir, 'LAKEOPS_MODELS_DIR');
  const [
    { AthenaClient },
    { GlueClient },
    { S3Client },
    { AthenaQueryEngine },
    { GlueCatalog },
    { S3ObjectStore },
    { tables },
    { loadNrtViews },
  ] = await Promise.all([
    import('@aws-sdk/client-athena'),
    import('@aws-sdk/client-glue'),
    import('@aws-sdk/client-s3'),
    import('@lakeops/adapters-aws/athena-query-engine'),
    import('@lakeops/adapters-aws/glue-catalog'),
    import('@lakeops/adapters-aws/s3-object-store'),
    import('@lakeops/lake/tables'),
    import('@lakeops/lake/nrt-views'),
  ]);
  const engine = new AthenaQueryEngine({
    client: new AthenaClient({}),
    readWorkgroup,
    writeWorkgroup,
    databasePrefix,
    stagingLocation: `s3://${bucket}/_staging/`,
    catalog: new GlueCatalog({ client: new GlueClient({}), tables, databasePrefix }),
    objects: new S3ObjectStore({ client: new S3Client({}), bucket }),
  });
  let views: Promise<readonly NrtView[]> | undefined;
  return {
    ...(await chainDeps()),
    engine,
    writer: engine,
    writeWorkgroup,
    state: await dynamoDbState(env),
    events: await eventPublisher(),
    clock: systemClock,
    nrtViews: () => {
      views ??= loadNrtViews(undefined, { modelsDir });
      views.catch(() => {
        views = undefined;
      });
      return views;
    },
  };
}

function need(value: string | undefined, name: string): string {
  if (!value) throw new EnvironmentMissingError(name);
  return value;
}
