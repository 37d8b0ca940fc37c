import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { kpiGmvDaily, tables } from '@lakeops/lake';
import { InMemoryCatalog } from '@lakeops/testing';
import { mockClient } from 'aws-sdk-client-mock';
import nodeSqlParser from 'node-sql-parser';
import { beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryEngine } from '../src/index.ts';

const athena = mockClient(AthenaClient);
const header = (...names: string[]) => ({ Data: names.map((VarCharValue) => ({ VarCharValue })) });
const row = (...values: (string | undefined)[]) => ({
  Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })),
});
const succeeded = { QueryExecution: { Status: { State: 'SUCCEEDED' as const } } };

function engine(options: { sleeps?: number[]; catalog?: InMemoryCatalog } = {}) {
  return new AthenaQueryEngine({
    client: new AthenaClient({}),
    workgroup: 'lakeops',
    stagingLocation: 's3://lake/_staging',
    stagingDatabase: 'lakeops_staging',
    catalog: options.catalog ?? new InMemoryCatalog(tables),
    pollDelayMs: 10,
    maxPollDelayMs: 40,
    sleep: async (ms) => {
      options.sleeps?.push(ms);
    },
  });
}

describe('AthenaQueryEngine', () => {
  beforeEach(() => athena.reset());

  it('starts the query in the workgroup and polls with exponential backoff until it succeeds', async () => {
    // Prepare
    const sleeps: number[] = [];
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves(succeeded);
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [{ Name: 'one', Type: 'integer' }] },
        Rows: [header('one'), row('1')],
      },
    });
    // Act
    const rows = await engine({ sleeps }).query('SELECT 1 AS one');
    // Assess
    expect(rows).toEqual([{ one: 1 }]);
    expect(sleeps).toEqual([10, 20, 40, 40]);
    expect(athena).toReceiveCommandWith(StartQueryExecutionCommand, {
      QueryString: 'SELECT 1 AS one',
      WorkGroup: 'lakeops',
    });
  });

  it('pages through the results, skips the header row and converts the types', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena.on(GetQueryExecutionCommand).resolves(succeeded);
    const columns = [
      { Name: 'dt', Type: 'varchar' },
      { Name: 'n', Type: 'bigint' },
      { Name: 'gmv', Type: 'decimal' },
      { Name: 'ok', Type: 'boolean' },
      { Name: 'at', Type: 'timestamp' },
      { Name: 'day', Type: 'date' },
    ];
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q1', NextToken: undefined })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns },
          Rows: [
            header('dt', 'n', 'gmv', 'ok', 'at', 'day'),
            row('2026-11-19', '3', '10.50', 'true', '2026-11-19 10:00:00.000', '2026-11-19'),
          ],
        },
        NextToken: 'page2',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q1', NextToken: 'page2' })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns },
          Rows: [row('2026-11-20', '12345678901234567', undefined, 'false', undefined, undefined)],
        },
      });
    // Act
    const rows = await engine().query('SELECT …');
    // Assess
    expect(rows).toEqual([
      { dt: '2026-11-19', n: 3, gmv: 10.5, ok: true, at: '2026-11-19T10:00:00.000Z', day: '2026-11-19' },
      { dt: '2026-11-20', n: '12345678901234567', gmv: null, ok: false, at: null, day: null },
    ]);
  });

  it.each([
    [
      "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.gold.nope' does not exist",
      2,
      { code: 'TableUnknown', retryable: false },
    ],
    [
      'HIVE_BAD_DATA: not a Parquet file: s3://lake/silver/t/dt=2026-11-19/data_0.parquet',
      2,
      { code: 'PartitionCorrupt', retryable: false, file: 's3://lake/silver/t/dt=2026-11-19/data_0.parquet' },
    ],
    ["SYNTAX_ERROR: line 1:1: mismatched input 'SELEC'", 2, { code: 'QueryFailed', retryable: false }],
    ['Query exhausted resources at this scale factor', 1, { code: 'DependencyUnavailable', retryable: true }],
  ])('maps a failed query (%s) to a lake error', async (reason, category, expected) => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: { State: 'FAILED', StateChangeReason: reason, AthenaError: { ErrorCategory: category } },
      },
    });
    // Act
    const querying = engine().query('SELECT …');
    // Assess
    await expect(querying).rejects.toMatchObject(expected);
  });

  it('fails retryably when Athena throttles the start', async () => {
    // Prepare
    athena
      .on(StartQueryExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    // Act
    const querying = engine().query('SELECT 1');
    // Assess
    await expect(querying).rejects.toMatchObject({ code: 'DependencyUnavailable', retryable: true });
  });

  it('stops the query when the signal aborts', async () => {
    // Prepare
    const controller = new AbortController();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q9' });
    athena.on(GetQueryExecutionCommand).callsFake(() => {
      controller.abort();
      return { QueryExecution: { Status: { State: 'RUNNING' } } };
    });
    athena.on(StopQueryExecutionCommand).resolves({});
    // Act
    const querying = engine().query('SELECT 1', { signal: controller.signal });
    // Assess
    await expect(querying).rejects.toMatchObject({ code: 'QueryCancelled' });
    expect(athena).toReceiveCommandWith(StopQueryExecutionCommand, { QueryExecutionId: 'q9' });
  });

  describe('writePartitions', () => {
    const sqls: string[] = [];
    function emulate(options: { ctasFails?: boolean } = {}) {
      sqls.length = 0;
      athena.on(StartQueryExecutionCommand).callsFake((input: StartQueryExecutionCommandInput) => {
        sqls.push(input.QueryString ?? '');
        return { QueryExecutionId: `q${sqls.length}` };
      });
      athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId?: string }) =>
        options.ctasFails && input.QueryExecutionId === 'q1'
          ? {
              QueryExecution: {
                Status: {
                  State: 'FAILED',
                  StateChangeReason:
                    'HIVE_BAD_DATA: bad file s3://lake/silver/x/dt=2026-11-19/data_0.parquet',
                },
              },
            }
          : succeeded,
      );
      athena.on(GetQueryResultsCommand).resolves({
        ResultSet: {
          ResultSetMetadata: {
            ColumnInfo: [
              { Name: 'dt', Type: 'varchar' },
              { Name: 'n', Type: 'bigint' },
            ],
          },
          Rows: [header('dt', 'n'), row('2026-11-20', '8')],
        },
      });
    }

    it('writes with a CTAS into staging, switches the owned partitions and drops the temporary table', async () => {
      // Prepare
      emulate();
      const catalog = new InMemoryCatalog(tables);
      await catalog.setPartitionLocation(
        'gold.kpi_gmv_daily',
        { dt: '2026-11-19' },
        's3://lake/gold/kpi_gmv_daily/dt=2026-11-19/',
      );
      await catalog.setPartitionLocation(
        'gold.kpi_gmv_daily',
        { dt: '2026-11-18' },
        's3://lake/gold/kpi_gmv_daily/dt=2026-11-18/',
      );
      // Act
      const result = await engine({ catalog }).writePartitions({
        table: kpiGmvDaily,
        sql: "SELECT city_id, gmv, confirmed_legs, bookings, currency, dt FROM x WHERE dt BETWEEN '2026-11-19' AND '2026-11-20'",
        partitions: [{ dt: '2026-11-19' }, { dt: '2026-11-20' }],
      });
      // Assess
      expect(result).toEqual({ rows: 8, written: [{ dt: '2026-11-20' }], removed: [{ dt: '2026-11-19' }] });
      expect(sqls[0]).toMatch(
        /^CREATE TABLE "lakeops_staging"\."kpi_gmv_daily_[0-9a-f]{32}"\nWITH \(format = 'PARQUET', write_compression = 'ZSTD', external_location = 's3:\/\/lake\/_staging\/gold\/kpi_gmv_daily\/[0-9a-f]{32}\/', partitioned_by = ARRAY\['dt'\]\)\nAS\nSELECT /,
      );
      expect(() => new nodeSqlParser.Parser().astify(sqls[1] ?? '', { database: 'trino' })).not.toThrow();
      expect(sqls.at(-1)).toMatch(/^DROP TABLE IF EXISTS "lakeops_staging"\."kpi_gmv_daily_[0-9a-f]{32}"$/);
      expect(await catalog.partitionLocation('gold.kpi_gmv_daily', { dt: '2026-11-20' })).toMatch(
        /^s3:\/\/lake\/_staging\/gold\/kpi_gmv_daily\/[0-9a-f]{32}\/dt=2026-11-20\/$/,
      );
      expect(await catalog.partitions('gold.kpi_gmv_daily')).toEqual([
        { dt: '2026-11-18' },
        { dt: '2026-11-20' },
      ]);
    });

    it('owns every partition below a prefix', async () => {
      // Prepare
      emulate();
      const byCity = {
        ...kpiGmvDaily,
        name: 'gmv_by_city',
        columns: kpiGmvDaily.columns.filter((c) => c.name !== 'city_id'),
        partitionKeys: ['dt', 'city_id'],
      };
      const catalog = new InMemoryCatalog([byCity]);
      for (const [dt, city_id] of [
        ['2026-11-19', 'lis'],
        ['2026-11-20', 'lis'],
        ['2026-11-20', 'mad'],
      ] as const) {
        await catalog.setPartitionLocation(
          'gold.gmv_by_city',
          { dt, city_id },
          `s3://lake/gold/gmv_by_city/dt=${dt}/city_id=${city_id}/`,
        );
      }
      athena.on(GetQueryResultsCommand).resolves({
        ResultSet: {
          ResultSetMetadata: {
            ColumnInfo: [
              { Name: 'dt', Type: 'varchar' },
              { Name: 'city_id', Type: 'varchar' },
              { Name: 'n', Type: 'bigint' },
            ],
          },
          Rows: [header('dt', 'city_id', 'n'), row('2026-11-20', 'lis', '4')],
        },
      });
      // Act
      const result = await engine({ catalog }).writePartitions({
        table: byCity,
        sql: 'SELECT …',
        partitions: [{ dt: '2026-11-20' }],
      });
      // Assess
      expect(result).toEqual({
        rows: 4,
        written: [{ dt: '2026-11-20', city_id: 'lis' }],
        removed: [{ dt: '2026-11-20', city_id: 'mad' }],
      });
      expect(await catalog.partitions('gold.gmv_by_city')).toEqual([
        { dt: '2026-11-19', city_id: 'lis' },
        { dt: '2026-11-20', city_id: 'lis' },
      ]);
      expect(sqls[0]).toContain("partitioned_by = ARRAY['dt', 'city_id']");
    });

    it('leaves every partition on its old data when the CTAS fails', async () => {
      // Prepare
      emulate({ ctasFails: true });
      const catalog = new InMemoryCatalog(tables);
      await catalog.setPartitionLocation(
        'gold.kpi_gmv_daily',
        { dt: '2026-11-19' },
        's3://lake/gold/kpi_gmv_daily/dt=2026-11-19/',
      );
      // Act
      const writing = engine({ catalog }).writePartitions({
        table: kpiGmvDaily,
        sql: 'SELECT …',
        partitions: [{ dt: '2026-11-19' }],
      });
      // Assess
      await expect(writing).rejects.toMatchObject({ code: 'PartitionCorrupt' });
      expect(await catalog.partitionLocation('gold.kpi_gmv_daily', { dt: '2026-11-19' })).toBe(
        's3://lake/gold/kpi_gmv_daily/dt=2026-11-19/',
      );
    });
  });
});
