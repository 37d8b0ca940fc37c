import {
  BatchCreatePartitionCommand,
  type BatchCreatePartitionCommandInput,
  BatchDeletePartitionCommand,
  BatchGetPartitionCommand,
  type BatchGetPartitionCommandInput,
  BatchUpdatePartitionCommand,
  CreatePartitionCommand,
  type CreatePartitionCommandInput,
  DeletePartitionCommand,
  type DeletePartitionCommandInput,
  GetPartitionCommand,
  type GetPartitionCommandInput,
  GetPartitionsCommand,
  type GetPartitionsCommandInput,
  GetTableCommand,
  GlueClient,
  UpdatePartitionCommand,
  type UpdatePartitionCommandInput,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { tables } from '@lakeops/lake';
import { catalogBehaviour } from '@lakeops/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GlueCatalog } from '../src/index.ts';

const glue = mockClient(GlueClient);
const storage = {
  Location: 's3://lake/gold/kpi_gmv_daily/',
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
};
const notFound = () => Object.assign(new Error('not found'), { name: 'EntityNotFoundException' });

/** Glue partitions in a Map behind the mocked client, one partition per page. */
function emulateGlue(): Map<string, { values: string[]; location: string }> {
  const partitions = new Map<string, { values: string[]; location: string }>();
  const key = (db?: string, table?: string, values?: string[]) =>
    `${db}.${table}/${(values ?? []).join('/')}`;
  glue.reset();
  glue.on(GetTableCommand).resolves({
    Table: {
      Name: 'kpi_gmv_daily',
      StorageDescriptor: storage,
      PartitionKeys: [{ Name: 'dt', Type: 'string' }],
    },
  });
  glue.on(GetPartitionsCommand).callsFake((input: GetPartitionsCommandInput) => {
    const mine = [...partitions.entries()].filter(([k]) =>
      k.startsWith(`${input.DatabaseName}.${input.TableName}/`),
    );
    const start = Number(input.NextToken ?? 0);
    const page = mine.slice(start, start + 1);
    return {
      Partitions: page.map(([, p]) => ({ Values: p.values, StorageDescriptor: { Location: p.location } })),
      ...(start + 1 < mine.length ? { NextToken: String(start + 1) } : {}),
    };
  });
  glue.on(GetPartitionCommand).callsFake((input: GetPartitionCommandInput) => {
    const p = partitions.get(key(input.DatabaseName, input.TableName, input.PartitionValues));
    if (!p) throw notFound();
    return { Partition: { Values: p.values, StorageDescriptor: { Location: p.location } } };
  });
  glue.on(CreatePartitionCommand).callsFake((input: CreatePartitionCommandInput) => {
    const k = key(input.DatabaseName, input.TableName, input.PartitionInput?.Values);
    if (partitions.has(k)) throw Object.assign(new Error('exists'), { name: 'AlreadyExistsException' });
    partitions.set(k, {
      values: input.PartitionInput?.Values ?? [],
      location: input.PartitionInput?.StorageDescriptor?.Location ?? '',
    });
    return {};
  });
  glue.on(UpdatePartitionCommand).callsFake((input: UpdatePartitionCommandInput) => {
    const k = key(input.DatabaseName, input.TableName, input.PartitionValueList);
    if (!partitions.has(k)) throw notFound();
    partitions.set(k, {
      values: input.PartitionValueList ?? [],
      location: input.PartitionInput?.StorageDescriptor?.Location ?? '',
    });
    return {};
  });
  glue.on(DeletePartitionCommand).callsFake((input: DeletePartitionCommandInput) => {
    if (!partitions.delete(key(input.DatabaseName, input.TableName, input.PartitionValues))) throw notFound();
    return {};
  });
  return partitions;
}

catalogBehaviour('GlueCatalog (mocked Glue)', async () => {
  emulateGlue();
  let n = 0;
  return {
    catalog: new GlueCatalog({ client: new GlueClient({}), tables }),
    table: 'gold.kpi_gmv_daily',
    stage: async (p) => `s3://lake/_staging/gold/kpi_gmv_daily/run${++n}/dt=${p.dt}/`,
  };
});

describe('GlueCatalog', () => {
  beforeEach(() => glue.reset());

  it('switches an existing partition by updating its location, keeping the table storage format', async () => {
    // Prepare
    emulateGlue();
    const catalog = new GlueCatalog({
      client: new GlueClient({}),
      tables,
      database: (zone) => `lakeops_${zone}`,
    });
    await catalog.setPartitionLocation(
      'gold.kpi_gmv_daily',
      { dt: '2026-11-20' },
      's3://lake/_staging/a/dt=2026-11-20/',
    );
    // Act
    await catalog.setPartitionLocation(
      'gold.kpi_gmv_daily',
      { dt: '2026-11-20' },
      's3://lake/_staging/b/dt=2026-11-20/',
    );
    // Assess
    expect(glue).toReceiveCommandWith(UpdatePartitionCommand, {
      DatabaseName: 'lakeops_gold',
      TableName: 'kpi_gmv_daily',
      PartitionValueList: ['2026-11-20'],
      PartitionInput: {
        Values: ['2026-11-20'],
        StorageDescriptor: { ...storage, Location: 's3://lake/_staging/b/dt=2026-11-20/' },
      },
    });
    expect(await catalog.partitionLocation('gold.kpi_gmv_daily', { dt: '2026-11-20' })).toBe(
      's3://lake/_staging/b/dt=2026-11-20/',
    );
  });

  it('points an unpartitioned table at new files with UpdateTable carrying the whole TableInput', async () => {
    // Prepare
    emulateGlue();
    const created = new Date('2026-11-01T00:00:00Z');
    const table = {
      Name: 'dim_city',
      DatabaseName: 'lakeops_ci_silver',
      Description: 'Cities served.',
      Owner: 'lakeops',
      CreateTime: created,
      UpdateTime: created,
      LastAccessTime: created,
      Retention: 0,
      StorageDescriptor: {
        ...storage,
        Columns: [{ Name: 'city_id', Type: 'string' }],
        Location: 's3://lake/silver/dim_city/',
      },
      PartitionKeys: [],
      TableType: 'EXTERNAL_TABLE',
      Parameters: { classification: 'parquet', 'parquet.compression': 'ZSTD', EXTERNAL: 'TRUE' },
      CreatedBy: 'arn:aws:sts::123456789012:assumed-role/deploy/x',
      IsRegisteredWithLakeFormation: false,
      CatalogId: '123456789012',
      VersionId: '7',
    };
    glue
      .on(GetTableCommand, { DatabaseName: 'lakeops_ci_silver', Name: 'dim_city' })
      .resolves({ Table: table });
    glue.on(UpdateTableCommand).resolves({});
    const catalog = new GlueCatalog({
      client: new GlueClient({}),
      tables,
      database: (zone) => `lakeops_ci_${zone}`,
    });
    // Act
    const before = await catalog.partitionLocation('silver.dim_city', {});
    await catalog.setPartitionLocation('silver.dim_city', {}, 's3://lake/_staging/silver/dim_city/r1/');
    // Assess
    expect(before).toBe('s3://lake/silver/dim_city/');
    expect(glue).toHaveReceivedCommandTimes(GetPartitionCommand, 0);
    expect(glue.commandCalls(UpdateTableCommand).map((c) => c.args[0].input)).toEqual([
      {
        DatabaseName: 'lakeops_ci_silver',
        TableInput: {
          Name: 'dim_city',
          Description: 'Cities served.',
          Owner: 'lakeops',
          LastAccessTime: created,
          Retention: 0,
          StorageDescriptor: {
            ...table.StorageDescriptor,
            Location: 's3://lake/_staging/silver/dim_city/r1/',
          },
          PartitionKeys: [],
          TableType: 'EXTERNAL_TABLE',
          Parameters: { classification: 'parquet', 'parquet.compression': 'ZSTD', EXTERNAL: 'TRUE' },
        },
      },
    ]);
  });

  it.each([
    ['AccessDeniedException', 400, { code: 'AwsRequestRejected', retryable: false }],
    ['EntityNotFoundException', 400, { code: 'AwsRequestRejected', retryable: false }],
    ['InvalidInputException', 400, { code: 'AwsRequestRejected', retryable: false }],
    ['ValidationException', 400, { code: 'AwsRequestRejected', retryable: false }],
    ['InternalServiceException', 500, { code: 'DependencyUnavailable', retryable: true }],
    ['OperationTimeoutException', 400, { code: 'DependencyUnavailable', retryable: true }],
    ['ConcurrentModificationException', 400, { code: 'DependencyUnavailable', retryable: true }],
  ])('maps %s from UpdatePartition to a lake error', async (name, status, expected) => {
    // Prepare
    emulateGlue();
    glue
      .on(CreatePartitionCommand)
      .rejects(Object.assign(new Error('exists'), { name: 'AlreadyExistsException' }));
    glue
      .on(UpdatePartitionCommand)
      .rejects(Object.assign(new Error('no'), { name, $metadata: { httpStatusCode: status } }));
    const catalog = new GlueCatalog({ client: new GlueClient({}), tables });
    // Act
    const switching = catalog.setPartitionLocation(
      'gold.kpi_gmv_daily',
      { dt: '2026-11-20', city_id: 'lis' },
      's3://lake/x/',
    );
    // Assess
    await expect(switching).rejects.toMatchObject(expected);
  });

  it('fails retryably when Glue is unavailable', async () => {
    // Prepare
    glue
      .on(GetPartitionsCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const catalog = new GlueCatalog({ client: new GlueClient({}), tables });
    // Act
    const listing = catalog.partitions('gold.kpi_gmv_daily');
    // Assess
    await expect(listing).rejects.toMatchObject({ code: 'DependencyUnavailable', retryable: true });
  });

  describe('partition batches', () => {
    const days = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
      );
    const catalog = () =>
      new GlueCatalog({ client: new GlueClient({}), tables, databasePrefix: 'lakeops_ci' });

    it('creates 250 partitions in BatchCreatePartition calls of 100, 100 and 50 with the table storage format', async () => {
      // Prepare
      emulateGlue();
      glue.on(BatchCreatePartitionCommand).resolves({});
      const entries = days(250).map((dt) => ({
        partition: { dt },
        location: `s3://lake/_staging/r1/dt=${dt}/`,
      }));
      // Act
      await catalog().setPartitionLocations('gold.kpi_gmv_daily', entries);
      // Assess
      const calls = glue.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input);
      expect(calls.map((c) => c.PartitionInputList?.length)).toEqual([100, 100, 50]);
      expect(calls[0]).toMatchObject({ DatabaseName: 'lakeops_ci_gold', TableName: 'kpi_gmv_daily' });
      expect(calls[2]?.PartitionInputList?.[49]).toEqual({
        Values: ['2026-09-07'],
        StorageDescriptor: { ...storage, Location: 's3://lake/_staging/r1/dt=2026-09-07/' },
      });
      expect(glue).toHaveReceivedCommandTimes(BatchUpdatePartitionCommand, 0);
    });

    it('switches the partitions that exist with BatchUpdatePartition and reports the ones Glue refused', async () => {
      // Prepare
      emulateGlue();
      glue.on(BatchCreatePartitionCommand).callsFake((input: BatchCreatePartitionCommandInput) => ({
        Errors: (input.PartitionInputList ?? [])
          .filter((p) => p.Values?.[0] !== '2026-01-03')
          .map((p) => ({
            PartitionValues: p.Values,
            ErrorDetail:
              p.Values?.[0] === '2026-01-02'
                ? { ErrorCode: 'AccessDeniedException', ErrorMessage: 'no glue:BatchCreatePartition' }
                : { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'exists' },
          })),
      }));
      glue.on(BatchUpdatePartitionCommand).resolves({});
      const entries = days(3).map((dt) => ({
        partition: { dt },
        location: `s3://lake/_staging/r2/dt=${dt}/`,
      }));
      // Act
      const switching = catalog().setPartitionLocations('gold.kpi_gmv_daily', entries);
      // Assess
      await expect(switching).rejects.toMatchObject({
        name: 'PartitionBatchFailedError',
        code: 'PartitionBatchFailed',
        retryable: false,
        failures: [
          { values: ['2026-01-02'], code: 'AccessDeniedException', message: 'no glue:BatchCreatePartition' },
        ],
      });
      expect(glue.commandCalls(BatchUpdatePartitionCommand).map((c) => c.args[0].input)).toEqual([
        {
          DatabaseName: 'lakeops_ci_gold',
          TableName: 'kpi_gmv_daily',
          Entries: [
            {
              PartitionValueList: ['2026-01-01'],
              PartitionInput: {
                Values: ['2026-01-01'],
                StorageDescriptor: { ...storage, Location: 's3://lake/_staging/r2/dt=2026-01-01/' },
              },
            },
          ],
        },
      ]);
    });

    it('drops partitions in BatchDeletePartition calls of at most 25, a missing one being no failure', async () => {
      // Prepare
      emulateGlue();
      glue
        .on(BatchDeletePartitionCommand)
        .resolvesOnce({
          Errors: [
            { PartitionValues: ['2026-01-01'], ErrorDetail: { ErrorCode: 'EntityNotFoundException' } },
          ],
        })
        .resolvesOnce({})
        .resolves({
          Errors: [
            { PartitionValues: ['2026-02-20'], ErrorDetail: { ErrorCode: 'InternalServiceException' } },
          ],
        });
      // Act
      const dropping = catalog().dropPartitions(
        'gold.kpi_gmv_daily',
        days(60).map((dt) => ({ dt })),
      );
      // Assess
      await expect(dropping).rejects.toMatchObject({ code: 'PartitionBatchFailed', retryable: true });
      const calls = glue.commandCalls(BatchDeletePartitionCommand).map((c) => c.args[0].input);
      expect(calls.map((c) => c.PartitionsToDelete?.length)).toEqual([25, 25, 10]);
      expect(calls[0]?.PartitionsToDelete?.[0]).toEqual({ Values: ['2026-01-01'] });
    });

    it('reads the locations of the partitions asked for with BatchGetPartition, 1,000 a call, asking again for unprocessed ones', async () => {
      // Prepare: 1,400 of the 1,500 asked for exist; the first call leaves 100 unprocessed (throttled).
      const partitions = emulateGlue();
      const asked = days(1500);
      for (const dt of asked.slice(0, 1400)) {
        partitions.set(`lakeops_ci_gold.kpi_gmv_daily/${dt}`, {
          values: [dt],
          location: `s3://lake/gold/kpi_gmv_daily/dt=${dt}/`,
        });
      }
      let calls = 0;
      glue.on(BatchGetPartitionCommand).callsFake((input: BatchGetPartitionCommandInput) => {
        const wanted = input.PartitionsToGet ?? [];
        const later = calls++ === 0 ? wanted.slice(900) : [];
        const now = wanted.slice(0, wanted.length - later.length);
        const found = now
          .map((k) =>
            partitions.get(`${input.DatabaseName}.${input.TableName}/${(k.Values ?? []).join('/')}`),
          )
          .filter((p) => p !== undefined);
        return {
          Partitions: found.map((p) => ({ Values: p.values, StorageDescriptor: { Location: p.location } })),
          UnprocessedKeys: later,
        };
      });
      // Act
      const locations = await catalog().partitionLocationsOf(
        'gold.kpi_gmv_daily',
        asked.map((dt) => ({ dt })),
      );
      // Assess
      const sent = glue.commandCalls(BatchGetPartitionCommand).map((c) => c.args[0].input);
      expect(sent.map((c) => [c.DatabaseName, c.TableName, c.PartitionsToGet?.length])).toEqual([
        ['lakeops_ci_gold', 'kpi_gmv_daily', 1000],
        ['lakeops_ci_gold', 'kpi_gmv_daily', 100],
        ['lakeops_ci_gold', 'kpi_gmv_daily', 500],
      ]);
      expect(sent[0]?.PartitionsToGet?.[0]).toEqual({ Values: ['2026-01-01'] });
      expect(sent[1]?.PartitionsToGet?.[0]).toEqual({ Values: [asked[900]] });
      expect(locations.size).toBe(1400);
      expect(locations.get(`dt=${asked[1399]}`)).toBe(`s3://lake/gold/kpi_gmv_daily/dt=${asked[1399]}/`);
      expect(locations.has(`dt=${asked[1400]}`)).toBe(false);
      expect(glue).toHaveReceivedCommandTimes(GetPartitionsCommand, 0);
    });

    it('reads every partition location over GetPartitions pages', async () => {
      // Prepare
      const partitions = emulateGlue();
      for (const dt of days(3)) {
        partitions.set(`lakeops_ci_gold.kpi_gmv_daily/${dt}`, {
          values: [dt],
          location: `s3://lake/gold/kpi_gmv_daily/dt=${dt}/`,
        });
      }
      // Act
      const locations = await catalog().partitionLocations('gold.kpi_gmv_daily');
      // Assess
      expect([...locations]).toEqual(
        days(3).map((dt) => [`dt=${dt}`, `s3://lake/gold/kpi_gmv_daily/dt=${dt}/`]),
      );
      expect(glue).toHaveReceivedCommandTimes(GetPartitionsCommand, 3);
    });
  });
});
