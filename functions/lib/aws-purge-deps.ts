import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '@lakeops/adapters-aws/dynamodb-state-store';
import { type PurgeDeps, systemClock } from '@lakeops/core';
import { dsarPurgeIds, purgeSql } from '@lakeops/lake';
import { athenaLake } from './athena-lake.ts';
import { chainDeps, eventPublisher } from './aws-deps.ts';
import { type AwsEnv, readAwsEnv, requiredEnv } from './aws-env.ts';
import type { ChainDeps } from './event-function.ts';

/**
 * The DSAR purge on AWS: Athena (reads and CTAS in their workgroups), the Glue catalog of the
 * stage's databases (partition switch), the lake bucket with every-version deletes (old files and
 * the ids file leave no noncurrent version behind), DynamoDB state.
 */
export function awsPurgeDeps(env: AwsEnv, events?: PurgeDeps['events']): PurgeDeps {
  const { engine, catalog, objects } = athenaLake(env, { deleteVersions: 'all' });
  return {
    engine,
    catalog,
    store: objects,
    state: new DynamoDbStateStore({
      client: new DynamoDBClient({}),
      tableName: requiredEnv(env.stateTableName, 'LAKEOPS_STATE_TABLE'),
    }),
    clock: systemClock,
    sql: purgeSql('athena'),
    idsTable: dsarPurgeIds,
    ...(events ? { events } : {}),
  };
}

/**
 * The composition root of the DSAR purge functions (its own module: Athena, Glue, S3 and
 * @lakeops/lake stay out of every other function's bundle). The ports are built on first use.
 */
export async function dsarPurgeDeps(): Promise<ChainDeps & { purge: () => Promise<PurgeDeps> }> {
  const env = readAwsEnv();
  let built: Promise<PurgeDeps> | undefined;
  // `dsar.purge.completed` per verified request goes to the bus (EventBridgeEventPublisher).
  const purge = () => (built ??= eventPublisher().then((events) => awsPurgeDeps(env, events)));
  return { ...(await chainDeps()), purge };
}
