import { AthenaClient, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { AthenaQueryEngine } from '@lakeops/adapters-aws';
import { dsarPurgeIds, factPayments } from '@lakeops/lake';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { readAwsEnv } from '../lib/aws-env.ts';
import { awsPurgeDeps } from '../lib/aws-purge-deps.ts';

const s3 = mockClient(S3Client);
const dynamo = mockClient(DynamoDBClient);
const athena = mockClient(AthenaClient);

const env = readAwsEnv({
  LAKEOPS_DEAD_LETTER_QUEUE_URL: 'https://sqs/q',
  LAKEOPS_STATE_TABLE: 'lakeops-prod-State',
  LAKEOPS_LAKE_BUCKET: 'lakeops-prod-lake',
  LAKEOPS_ATHENA_READ_WORKGROUP: 'lakeops-prod-reads',
  LAKEOPS_ATHENA_WRITE_WORKGROUP: 'lakeops-prod-writes',
  LAKEOPS_GLUE_DATABASE_PREFIX: 'lakeops_prod',
});

describe('the DSAR purge composition root on AWS', () => {
  beforeEach(() => {
    s3.reset();
    dynamo.reset();
    athena.reset();
  });

  it('wires Athena in the stage workgroups, the lake bucket with every-version deletes, the State table', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false });
    dynamo.on(GetItemCommand).resolves({});
    athena.on(StartQueryExecutionCommand).rejects(Object.assign(new Error('stop here'), { name: 'Stop' }));
    const deps = awsPurgeDeps(env);
    // Act
    await deps.store.deletePrefix('_dsar/backup/purge-20261201-020000/');
    await deps.state.get({ pk: 'dsar#manifest', sk: 'current' });
    await deps.engine.query('SELECT 1 FROM silver.fact_payments').catch(() => undefined);
    // Assess
    expect(deps.engine).toBeInstanceOf(AthenaQueryEngine);
    expect(deps.idsTable).toBe(dsarPurgeIds);
    // Athena's statements (the checksum is Trino's xxhash64, not DuckDB's hash).
    const ids = { table: 'silver_private.dsar_purge_ids', run: 'r' };
    expect(deps.sql.partitionStats(factPayments, ids, [{ dt: '2026-11-20' }])).toContain('xxhash64');
    expect(s3).toHaveReceivedCommandWith(ListObjectVersionsCommand, {
      Bucket: 'lakeops-prod-lake',
      Prefix: '_dsar/backup/purge-20261201-020000/',
    });
    expect(dynamo).toHaveReceivedCommandWith(GetItemCommand, { TableName: 'lakeops-prod-State' });
    expect(athena).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryString: 'SELECT 1 FROM "lakeops_prod_silver"."fact_payments"',
      WorkGroup: 'lakeops-prod-reads',
    });
  });

  it('refuses to start without a variable the stacks set, naming it', () => {
    // Act
    const missing = () => awsPurgeDeps({ ...env, athenaWriteWorkgroup: undefined });
    // Assess
    expect(missing).toThrow('environment variable LAKEOPS_ATHENA_WRITE_WORKGROUP is not set');
  });
});
