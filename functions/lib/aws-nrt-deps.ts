import { type NrtView, systemClock } from '@lakeops/core';
import { chainDeps, dynamoDbState, eventPublisher } from './aws-deps.ts';
import { readAwsEnv, requiredEnv } from './aws-env.ts';
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
  const modelsDir = requiredEnv(env.modelsDir, 'LAKEOPS_MODELS_DIR');
  const [{ athenaLake }, { loadNrtViews }] = await Promise.all([
    import('./athena-lake.ts'),
    import('@lakeops/lake/nrt-views'),
  ]);
  const { engine } = athenaLake(env);
  let views: Promise<readonly NrtView[]> | undefined;
  return {
    ...(await chainDeps()),
    engine,
    writer: engine,
    writeWorkgroup: requiredEnv(env.athenaWriteWorkgroup, 'LAKEOPS_ATHENA_WRITE_WORKGROUP'),
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
