import { systemClock } from '@lakeops/core';
import { readOnlyAthenaEngine } from './athena-reads.ts';
import { chainDeps, dynamoDbState, eventPublisher } from './aws-deps.ts';
import { readAwsEnv, requiredEnv } from './aws-env.ts';

/**
 * The AWS composition roots of the quality and KPI checks, beside aws-deps.ts (Athena and the lake's
 * check code stay out of the other bundles): Athena in the reads workgroup only (the checks write
 * no table), the `State` table, the bus; for the quality run, the suite files copied into the bundle
 * (`LAKEOPS_EXPECTATIONS_DIR`), loaded once per cold start.
 */
async function checkDeps(what: string) {
  const env = readAwsEnv();
  return {
    env,
    engine: await readOnlyAthenaEngine({
      workgroup: requiredEnv(env.athenaReadWorkgroup, 'LAKEOPS_ATHENA_READ_WORKGROUP'),
      databasePrefix: requiredEnv(env.glueDatabasePrefix, 'LAKEOPS_GLUE_DATABASE_PREFIX'),
      what,
    }),
    state: await dynamoDbState(env),
    events: await eventPublisher(),
    clock: systemClock,
  };
}

export async function qualityCheckDeps() {
  const { env, ...deps } = await checkDeps('the quality check');
  const dir = requiredEnv(env.expectationsDir, 'LAKEOPS_EXPECTATIONS_DIR');
  const { loadExpectationSuites } = await import('@lakeops/lake/expectation-suites');
  let suites: ReturnType<typeof loadExpectationSuites> | undefined;
  return {
    ...(await chainDeps()),
    ...deps,
    expectationSuites: () => {
      suites ??= loadExpectationSuites(dir);
      suites.catch(() => {
        suites = undefined;
      });
      return suites;
    },
  };
}

export async function kpiCheckDeps() {
  const { env: _env, ...deps } = await checkDeps('the KPI check');
  return { ...(await chainDeps()), ...deps };
}
