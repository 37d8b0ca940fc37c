import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { AthenaQueryEngine } from '@lakeops/adapters-aws/athena-query-engine';
import { GlueCatalog } from '@lakeops/adapters-aws/glue-catalog';
import { S3ObjectStore } from '@lakeops/adapters-aws/s3-object-store';
import { tables } from '@lakeops/lake/tables';
import { type AwsEnv, requiredEnv } from './aws-env.ts';

/**
 * The stage's lake on AWS for the functions that read and write it (the DSAR purge, the NRT
 * refresh, the experiment analysis): `AthenaQueryEngine` with its reads and writes workgroups, the
 * Glue catalog of the stage's databases (partition switch) and the lake bucket (CTAS staging under
 * `_staging/`). `deleteVersions: 'all'` makes deletes remove every version (the purge). Imported
 * only by their composition roots, so Athena, Glue and S3 stay out of every other bundle.
 */
export function athenaLake(env: AwsEnv, options: { readonly deleteVersions?: 'all' } = {}) {
  const databasePrefix = requiredEnv(env.glueDatabasePrefix, 'LAKEOPS_GLUE_DATABASE_PREFIX');
  const objects = new S3ObjectStore({
    client: new S3Client({}),
    bucket: requiredEnv(env.lakeBucket, 'LAKEOPS_LAKE_BUCKET'),
    ...options,
  });
  const catalog = new GlueCatalog({ client: new GlueClient({}), tables, databasePrefix });
  const engine = new AthenaQueryEngine({
    client: new AthenaClient({}),
    readWorkgroup: requiredEnv(env.athenaReadWorkgroup, 'LAKEOPS_ATHENA_READ_WORKGROUP'),
    writeWorkgroup: requiredEnv(env.athenaWriteWorkgroup, 'LAKEOPS_ATHENA_WRITE_WORKGROUP'),
    databasePrefix,
    stagingLocation: objects.locationOf('_staging/'),
    catalog,
    objects,
  });
  return { engine, catalog, objects };
}
