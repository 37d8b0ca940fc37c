import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { AthenaQueryEngine, GlueCatalog, S3ObjectStore } from '@lakeops/adapters-aws';
import { DynamoDbStateStore } from '@lakeops/adapters-aws/dynamodb-state-store';
import { type PurgeDeps, systemClock } from '@lakeops/core';
import { dsarPurgeIds, purgeSql, tables } from '@lakeops/lake';
import { chainDeps, eventPublisher } from './aws-deps.ts';
import { type AwsEnv, EnvironmentMissingError, readAwsEnv } from './aws-env.ts';
import type { ChainDeps } from './event-function.ts';

function need(value: string | undefined, name: string): string {
  if (!value) throw new EnvironmentMissingError(name);
  return value;
}

/**
 * The DSAR purge on AWS: Athena (reads and CTAS in their workgroups), the Glue catalog of the
 * stage's databases (partition switch), the lake bucket with every-version deletes (old files and
 * the ids file leave no noncurrent version behind), DynamoDB state.
 */
export function awsPurgeDeps(env: AwsEnv, events?: PurgeDeps['events']): PurgeDeps {
  const databasePrefix = need(env.glueDatabasePrefix, 'LAKEOPS_GLUE_DATABASE_PREFIX');
  const objects = new S3ObjectStore({
    client: new S3Client({}),
    bucket: need(env.lakeBucket, 'LAKEOPS_LAKE_BUCKET'),
    deleteVersions: 'all',
  });
  const catalog = new GlueCatalog({ client: new GlueClient({}), tables, databasePrefix });
  return {
    engine: new AthenaQueryEngine({
      client: new AthenaClient({}),
      readWorkgroup: need(env.athenaReadWorkgroup, 'LAKEOPS_ATHENA_READ_WORKGROUP'),
      writeWorkgroup: need(env.athenaWriteWorkgroup, 'LAKEOPS_ATHENA_WRITE_WORKGROUP'),
      databasePrefix,
      stagingLocation: objects.locationOf('_staging/'),
      catalog,
      objects,
    }),
    catalog,
    store: objects,
    state: new DynamoDbStateStore({
      client: new DynamoDBClient({}),
      tableName: need(env.stateTableName, 'LAKEOPS_STATE_TABLE'),
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
