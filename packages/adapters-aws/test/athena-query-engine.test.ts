import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandInput,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  CreatePartitionCommand,
  GetPartitionCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import type { StartedWrite, TableDefinition } from '@lakeops/core';
import {
  athenaCtas,
  athenaTableNames,
  dimCity,
  kpiGmvDaily,
  loadNrtViews,
  nrtReconGates,
} from '@lakeops/lake';
import { InMemoryCatalog } from '@lakeops/testing';
import { mockClient } from 'aws-sdk-client-mock';
import nodeSqlParser from 'node-sql-parser';
import { beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryEngine, GlueCatalog, S3ObjectStore } from '../src/index.ts';

const athena = mockClient(AthenaClient);
const s3 = mockClient(S3Client);
const glue = mockClient(GlueClient);
const header = (...names: string[]) => ({ Data: names.map((VarCharValue) => ({ VarCharValue })) });
const row = (...values: (string | undefined)[]) => ({
  Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })),
});
const succeeded = {
  QueryExecution: { Status: { State: 'SUCCEEDED' as const }, StatementType: 'DML' as const },
};
const parseTrino = (sql: string) => new nodeSqlParser.Parser().astify(sql, { database: 'trino' });

/** A table partitioned by `dt` only. */
const daily: TableDefinition = {
  zone: 'gold',
  name: 'daily_counts',
  description: 'test table',
  format: 'parquet',
  columns: [
    { name: 'city_id', type: 'string', sensitivity: 'public' },
    { name: 'n', type: 'bigint', sensitivity: 'internal' },
  ],
  partitionKeys: ['dt'],
  primaryKey: ['dt', 'city_id'],
  userColumns: [],
};
const modelSql =
  "SELECT city_id, count(*) AS n, dt FROM silver.fact_booking_legs WHERE dt >= '2026-11-01' GROUP BY 1, 3";

function engine(options: { sleeps?: number[]; catalog?: InMemoryCatalog | GlueCatalog } = {}) {
  return new AthenaQueryEngine({
    client: new AthenaClient({}),
    readWorkgroup: 'lakeops-ci',
    writeWorkgroup: 'lakeops-ci-writes',
    databasePrefix: 'lakeops_ci',
    stagingLocation: 's3://lake/_staging',
    catalog: options.catalog ?? new InMemoryCatalog([daily, kpiGmvDaily, dimCity]),
    objects: new S3ObjectStore({ client: new S3Client({}), bucket: 'lake' }),
    pollDelayMs: 10,
    maxPollDelayMs: 40,
    newRunId: () => 'r1',
    sleep: async (ms) => {
      options.sleeps?.push(ms);
    },
  });
}

/** The StartQueryExecution inputs in the order they were sent. */
function started(): { sql: string; workgroup: string | undefined }[] {
  return athena
    .commandCalls(StartQueryExecutionCommand)
    .map((c) => ({ sql: c.args[0].input.QueryString ?? '', workgroup: c.args[0].input.WorkGroup }));
}

describe('AthenaQueryEngine', () => {
  beforeEach(() => {
    athena.reset();
    s3.reset();
    glue.reset();
  });

  it('reads in the read workgroup by Glue zone database, polls with backoff and pages 1000 rows at a time', async () => {
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
        ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'bigint' }] },
        Rows: [header('n'), row('1')],
      },
    });
    // Act
    const rows = await engine({ sleeps }).query('SELECT count(*) AS n FROM gold.kpi_gmv_daily');
    // Assess
    expect(rows).toEqual([{ n: 1 }]);
    expect(sleeps).toEqual([10, 20, 40, 40]);
    expect(athena).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryString: 'SELECT count(*) AS n FROM "lakeops_ci_gold"."kpi_gmv_daily"',
      WorkGroup: 'lakeops-ci',
    });
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input)).toEqual([
      { QueryExecutionId: 'q1', MaxResults: 1000 },
    ]);
  });

  it('pages through the results with NextToken, skips only the first header row and keeps decimals exact', async () => {
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
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q1', MaxResults: 1000, NextToken: undefined })
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
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q1', MaxResults: 1000, NextToken: 'page2' })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns },
          // A later page starts with data: its first row is not a header.
          Rows: [
            row('2026-11-20', '12345678901234567', '12345678901234567.89', 'false', undefined, undefined),
          ],
        },
      });
    // Act
    const rows = await engine().query('SELECT …');
    // Assess
    expect(rows).toEqual([
      { dt: '2026-11-19', n: 3, gmv: 10.5, ok: true, at: '2026-11-19T10:00:00.000Z', day: '2026-11-19' },
      {
        dt: '2026-11-20',
        n: '12345678901234567',
        gmv: '12345678901234567.89',
        ok: false,
        at: null,
        day: null,
      },
    ]);
    expect(athena).toHaveReceivedCommandTimes(GetQueryResultsCommand, 2);
  });

  it('keeps the first row of a DDL or utility result (no header there)', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DDL' } });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [{ Name: 'partition', Type: 'string' }] },
        Rows: [row('dt=2026-11-19'), row('dt=2026-11-20')],
      },
    });
    // Act
    const rows = await engine().query('SHOW PARTITIONS gold.daily_counts');
    // Assess
    expect(rows).toEqual([{ partition: 'dt=2026-11-19' }, { partition: 'dt=2026-11-20' }]);
    expect(athena).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryString: 'SHOW PARTITIONS "lakeops_ci_gold"."daily_counts"',
    });
  });

  it.each([
    [
      "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.lakeops_ci_gold.nope' does not exist",
      { ErrorCategory: 2, Retryable: false },
      { code: 'TableUnknown', retryable: false, table: 'gold.nope' },
    ],
    [
      'HIVE_BAD_DATA: not a Parquet file: s3://lake/silver/t/dt=2026-11-19/data_0.parquet',
      { ErrorCategory: 2 },
      { code: 'PartitionCorrupt', retryable: false, file: 's3://lake/silver/t/dt=2026-11-19/data_0.parquet' },
    ],
    [
      "SYNTAX_ERROR: line 1:1: mismatched input 'SELEC'",
      { ErrorCategory: 2 },
      { code: 'QueryFailed', retryable: false },
    ],
    [
      'Query exhausted resources at this scale factor',
      { ErrorCategory: 1 },
      { code: 'DependencyUnavailable', retryable: true },
    ],
    [
      'system error, not worth a retry',
      { ErrorCategory: 1, Retryable: false },
      { code: 'QueryFailed', retryable: false },
    ],
    [
      'user error Athena says may pass',
      { ErrorCategory: 2, Retryable: true },
      { code: 'DependencyUnavailable', retryable: true },
    ],
    ['other error', { ErrorCategory: 3 }, { code: 'QueryFailed', retryable: false }],
  ])('maps a FAILED query (%s, %o) to a lake error', async (reason, athenaError, expected) => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'FAILED', StateChangeReason: reason, AthenaError: athenaError } },
    });
    // Act
    const querying = engine().query('SELECT …');
    // Assess
    await expect(querying).rejects.toMatchObject(expected);
  });

  it.each([
    ['TooManyRequestsException', 400, { code: 'DependencyUnavailable', retryable: true }],
    ['ThrottlingException', 400, { code: 'DependencyUnavailable', retryable: true }],
    ['InternalServerException', 500, { code: 'DependencyUnavailable', retryable: true }],
    ['SomethingNew', 503, { code: 'DependencyUnavailable', retryable: true }],
    [
      'AccessDeniedException',
      400,
      { code: 'AwsRequestRejected', retryable: false, awsError: 'AccessDeniedException' },
    ],
    ['ValidationException', 400, { code: 'AwsRequestRejected', retryable: false }],
    ['InvalidRequestException', 400, { code: 'QueryFailed', retryable: false }],
    ['SomethingElse', 403, { code: 'AwsRequestRejected', retryable: false }],
  ])('maps a rejected StartQueryExecution (%s, HTTP %i) to a lake error', async (name, status, expected) => {
    // Prepare
    athena
      .on(StartQueryExecutionCommand)
      .rejects(Object.assign(new Error('no'), { name, $metadata: { httpStatusCode: status } }));
    // Act
    const querying = engine().query('SELECT 1');
    // Assess
    await expect(querying).rejects.toMatchObject(expected);
  });

  it.each([
    ['Error', { code: 'DependencyUnavailable', retryable: true }],
    ['ThrottlingException', { code: 'DependencyUnavailable', retryable: true }],
    ['AccessDeniedException', { code: 'AwsRequestRejected', retryable: false }],
  ])(
    'classifies %s without an HTTP answer (network, client middleware) by its name',
    async (name, expected) => {
      // Prepare
      athena.on(StartQueryExecutionCommand).rejects(Object.assign(new Error('socket hang up'), { name }));
      // Act
      const querying = engine().query('SELECT 1');
      // Assess
      await expect(querying).rejects.toMatchObject(expected);
    },
  );

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
    /**
     * Athena behind the mock: every statement succeeds except those `fails` picks; the count
     * over the staging table answers one row per partition the CTAS / INSERT INTO statements
     * kept (`"dt" IN (…)`), with `rowsPer` rows each; other SELECTs answer `distinct`.
     */
    function emulate(
      options: {
        fails?: (sql: string) => { reason: string; category: number } | undefined;
        distinct?: { columns: string[]; rows: string[][] };
        rowsPer?: number;
        empty?: readonly string[];
      } = {},
    ) {
      const statements: string[] = [];
      athena.on(StartQueryExecutionCommand).callsFake((input: StartQueryExecutionCommandInput) => {
        statements.push(input.QueryString ?? '');
        return { QueryExecutionId: `q${statements.length}` };
      });
      athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId?: string }) => {
        const sql = statements[Number(input.QueryExecutionId?.slice(1)) - 1] ?? '';
        const failed = options.fails?.(sql);
        return failed
          ? {
              QueryExecution: {
                Status: {
                  State: 'FAILED',
                  StateChangeReason: failed.reason,
                  AthenaError: { ErrorCategory: failed.category },
                },
              },
            }
          : {
              QueryExecution: {
                Status: { State: 'SUCCEEDED' },
                StatementType: /^(CREATE|DROP)/.test(sql) ? 'DDL' : 'DML',
              },
            };
      });
      athena.on(GetQueryResultsCommand).callsFake((input: GetQueryResultsCommandInput) => {
        const sql = statements[Number(input.QueryExecutionId?.slice(1)) - 1] ?? '';
        if (/^SELECT "dt", count\(\*\) AS n FROM /.test(sql)) {
          const written = statements
            .filter((s) => /^(CREATE TABLE|INSERT INTO) /.test(s))
            .flatMap((s) =>
              [...(/WHERE "dt" IN \(([^)]*)\)$/.exec(s)?.[1] ?? '').matchAll(/'([^']+)'/g)].map(
                (m) => m[1] ?? '',
              ),
            )
            .filter((dt) => !options.empty?.includes(dt));
          return {
            ResultSet: {
              ResultSetMetadata: {
                ColumnInfo: [
                  { Name: 'dt', Type: 'varchar' },
                  { Name: 'n', Type: 'bigint' },
                ],
              },
              Rows: [header('dt', 'n'), ...written.map((dt) => row(dt, String(options.rowsPer ?? 2)))],
            },
          };
        }
        if (/^SELECT count\(\*\) AS n FROM /.test(sql)) {
          return {
            ResultSet: {
              ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'bigint' }] },
              Rows: [header('n'), row(String(options.rowsPer ?? 2))],
            },
          };
        }
        const d = options.distinct ?? { columns: [], rows: [] };
        return {
          ResultSet: {
            ResultSetMetadata: { ColumnInfo: d.columns.map((Name) => ({ Name, Type: 'varchar' })) },
            Rows: [header(...d.columns), ...d.rows.map((r) => row(...r))],
          },
        };
      });
      // The lake bucket: every listed prefix holds one file.
      s3.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => ({
        Contents: [{ Key: `${input.Prefix}data_0.parquet`, Size: 10 }],
        IsTruncated: false,
      }));
      s3.on(DeleteObjectsCommand).resolves({});
      return statements;
    }

    it('stages with a CTAS in the write workgroup, counts in the read workgroup, switches, drops with backticks', async () => {
      // Prepare
      emulate();
      const catalog = new InMemoryCatalog([daily]);
      await catalog.setPartitionLocation(
        'gold.daily_counts',
        { dt: '2026-11-18' },
        's3://lake/gold/daily_counts/dt=2026-11-18/',
      );
      // Act
      const result = await engine({ catalog }).writePartitions({
        table: daily,
        sql: modelSql,
        partitions: [{ dt: '2026-11-19' }, { dt: '2026-11-20' }],
      });
      // Assess
      const sent = started();
      expect(sent.map((s) => s.workgroup)).toEqual(['lakeops-ci-writes', 'lakeops-ci', 'lakeops-ci-writes']);
      const ctas = sent[0]?.sql ?? '';
      expect(ctas.split('\n').slice(0, 3)).toEqual([
        'CREATE TABLE "lakeops_ci_staging"."daily_counts_r1"',
        "WITH (format = 'PARQUET', write_compression = 'ZSTD', external_location = 's3://lake/_staging/gold/daily_counts/r1/', partitioned_by = ARRAY['dt'])",
        'AS',
      ]);
      expect(ctas).toContain('FROM "lakeops_ci_silver"."fact_booking_legs" WHERE');
      expect(ctas.split('\n').at(-1)).toBe(`WHERE "dt" IN ('2026-11-19', '2026-11-20')`);
      expect(() => parseTrino(ctas.slice(ctas.indexOf('\nAS\n') + 4))).not.toThrow();
      expect(sent[1]?.sql).toBe(
        'SELECT "dt", count(*) AS n FROM "lakeops_ci_staging"."daily_counts_r1" GROUP BY "dt"',
      );
      expect(sent[2]?.sql).toBe('DROP TABLE IF EXISTS `lakeops_ci_staging`.`daily_counts_r1`');
      expect(result).toEqual({ rows: 4, written: [{ dt: '2026-11-19' }, { dt: '2026-11-20' }], removed: [] });
      expect(await catalog.partitionLocation('gold.daily_counts', { dt: '2026-11-20' })).toBe(
        's3://lake/_staging/gold/daily_counts/r1/dt=2026-11-20/',
      );
      expect(await catalog.partitionLocation('gold.daily_counts', { dt: '2026-11-18' })).toBe(
        's3://lake/gold/daily_counts/dt=2026-11-18/',
      );
    });

    it('writes 250 partitions as one CTAS of 100 and INSERT INTOs of 100 and 50', async () => {
      // Prepare
      emulate({ rowsPer: 1 });
      const days = Array.from({ length: 250 }, (_, i) =>
        new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
      );
      const inList = (from: number, to: number) =>
        `WHERE "dt" IN (${days
          .slice(from, to)
          .map((d) => `'${d}'`)
          .join(', ')})`;
      // Act
      const result = await engine().writePartitions({
        table: daily,
        sql: modelSql,
        partitions: days.map((dt) => ({ dt })),
      });
      // Assess
      const sent = started();
      expect(sent.map((s) => `${s.workgroup} ${s.sql.split('\n')[0]}`)).toEqual([
        'lakeops-ci-writes CREATE TABLE "lakeops_ci_staging"."daily_counts_r1"',
        'lakeops-ci-writes INSERT INTO "lakeops_ci_staging"."daily_counts_r1"',
        'lakeops-ci-writes INSERT INTO "lakeops_ci_staging"."daily_counts_r1"',
        'lakeops-ci SELECT "dt", count(*) AS n FROM "lakeops_ci_staging"."daily_counts_r1" GROUP BY "dt"',
        'lakeops-ci-writes DROP TABLE IF EXISTS `lakeops_ci_staging`.`daily_counts_r1`',
      ]);
      expect(sent.slice(0, 3).map((s) => s.sql.split('\n').at(-1))).toEqual([
        inList(0, 100),
        inList(100, 200),
        inList(200, 250),
      ]);
      expect(() => parseTrino(sent[1]?.sql ?? '')).not.toThrow();
      expect(result.rows).toBe(250);
      expect(result.written).toHaveLength(250);
    });

    it('switches 250 partitions through Glue batch calls when the catalog is Glue', async () => {
      // Prepare
      emulate({ empty: ['2026-01-01'] });
      const days = Array.from({ length: 250 }, (_, i) =>
        new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
      );
      glue.on(GetTableCommand).resolves({
        Table: { Name: 'daily_counts', StorageDescriptor: { Location: 's3://lake/gold/daily_counts/' } },
      });
      glue.on(GetPartitionsCommand).resolves({
        Partitions: [
          {
            Values: ['2026-01-01'],
            StorageDescriptor: { Location: 's3://lake/gold/daily_counts/dt=2026-01-01/' },
          },
        ],
      });
      glue.on(BatchCreatePartitionCommand).resolves({});
      glue.on(BatchDeletePartitionCommand).resolves({});
      const catalog = new GlueCatalog({
        client: new GlueClient({}),
        tables: [daily],
        databasePrefix: 'lakeops_ci',
      });
      // Act
      const result = await engine({ catalog }).writePartitions({
        table: daily,
        sql: modelSql,
        partitions: days.map((dt) => ({ dt })),
      });
      // Assess
      expect(result.written).toHaveLength(249);
      expect(result.removed).toEqual([{ dt: '2026-01-01' }]);
      expect(
        glue.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input.PartitionInputList?.length),
      ).toEqual([100, 100, 49]);
      expect(glue).toHaveReceivedCommandWith(BatchDeletePartitionCommand, {
        DatabaseName: 'lakeops_ci_gold',
        TableName: 'daily_counts',
        PartitionsToDelete: [{ Values: ['2026-01-01'] }],
      });
      expect(glue).toHaveReceivedCommandTimes(CreatePartitionCommand, 0);
      expect(glue).toHaveReceivedCommandTimes(GetPartitionCommand, 0);
      expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix)).toEqual([
        'gold/daily_counts/dt=2026-01-01/',
      ]);
    });

    it('finds the partitions below a prefix with a SELECT DISTINCT in the read workgroup first', async () => {
      // Prepare
      const byCity: TableDefinition = {
        ...daily,
        name: 'by_city',
        columns: [{ name: 'n', type: 'bigint', sensitivity: 'internal' }],
        partitionKeys: ['dt', 'city_id'],
      };
      emulate({
        distinct: {
          columns: ['dt', 'city_id'],
          rows: [
            ['2026-11-20', 'lis'],
            ['2026-11-20', 'mad'],
          ],
        },
      });
      athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q3' }).resolves({
        ResultSet: {
          ResultSetMetadata: {
            ColumnInfo: ['dt', 'city_id', 'n'].map((Name) => ({ Name, Type: 'varchar' })),
          },
          Rows: [header('dt', 'city_id', 'n'), row('2026-11-20', 'lis', '4')],
        },
      });
      const catalog = new InMemoryCatalog([byCity]);
      for (const [dt, city_id] of [
        ['2026-11-19', 'lis'],
        ['2026-11-20', 'lis'],
        ['2026-11-20', 'mad'],
      ] as const) {
        await catalog.setPartitionLocation(
          'gold.by_city',
          { dt, city_id },
          `s3://lake/gold/by_city/dt=${dt}/city_id=${city_id}/`,
        );
      }
      // Act
      const result = await engine({ catalog }).writePartitions({
        table: byCity,
        sql: 'SELECT 1',
        partitions: [{ dt: '2026-11-20' }],
      });
      // Assess
      const sent = started();
      expect(sent[0]?.workgroup).toBe('lakeops-ci');
      expect(sent[0]?.sql).toMatch(/^SELECT DISTINCT "dt", "city_id" FROM \(\nSELECT /);
      expect(sent[0]?.sql).toMatch(/\n\) AS typed ORDER BY "dt", "city_id"$/);
      expect(sent[1]?.sql.split('\n').at(-1)).toBe(
        `WHERE ("dt" = '2026-11-20' AND "city_id" = 'lis') OR ("dt" = '2026-11-20' AND "city_id" = 'mad')`,
      );
      expect(result).toEqual({
        rows: 4,
        written: [{ dt: '2026-11-20', city_id: 'lis' }],
        removed: [{ dt: '2026-11-20', city_id: 'mad' }],
      });
      expect(await catalog.partitions('gold.by_city')).toEqual([
        { dt: '2026-11-19', city_id: 'lis' },
        { dt: '2026-11-20', city_id: 'lis' },
      ]);
    });

    it("names where each partition's files are now: its Glue location, under staging after a rewrite", async () => {
      // Prepare
      const catalog = new InMemoryCatalog([daily]);
      const at = (dt: string, location: string) =>
        catalog.setPartitionLocation('gold.daily_counts', { dt }, location);
      await at('2026-11-19', 's3://lake/_staging/gold/daily_counts/r1/dt=2026-11-19/');
      await at('2026-11-18', 's3://lake/gold/daily_counts/dt=2026-11-18');
      await at('2026-11-17', 's3://another-bucket/daily_counts/dt=2026-11-17/');
      const e = engine({ catalog });
      // Act
      const prefixes = await e.partitionPrefixes(daily, [
        { dt: '2026-11-19' },
        { dt: '2026-11-18' },
        { dt: '2026-11-17' },
        { dt: '2026-11-16' },
      ]);
      // Assess: outside the lake bucket or unknown to Glue: left out (the caller reads the folder).
      expect([...prefixes]).toEqual([
        ['dt=2026-11-19', '_staging/gold/daily_counts/r1/dt=2026-11-19/'],
        ['dt=2026-11-18', 'gold/daily_counts/dt=2026-11-18/'],
      ]);
    });

    it('rewrites without the dropped rows: profiles before and after, keeps the old files for the caller, restores them on demand', async () => {
      // Prepare
      emulate({
        distinct: {
          columns: ['dt', 'rows_total', 'rows_dropped', 'kept_checksum'],
          rows: [['2026-11-19', '5', '2', '12345']],
        },
      });
      const catalog = new InMemoryCatalog([daily]);
      const old = 's3://lake/gold/daily_counts/dt=2026-11-19/';
      await catalog.setPartitionLocation('gold.daily_counts', { dt: '2026-11-19' }, old);
      const e = engine({ catalog });
      const drop = `"city_id" IN (SELECT "user_id" FROM silver_private.dsar_purge_ids WHERE "run" = 'r-9')`;
      // Act
      const rewritten = await e.rewritePartitions({
        table: daily,
        partitions: [{ dt: '2026-11-19' }],
        drop,
        keepReplacedUnder: '_dsar/backup/r-9/',
      });
      const switched = await catalog.partitionLocation('gold.daily_counts', { dt: '2026-11-19' });
      const deletesBeforeRestore = s3.commandCalls(DeleteObjectsCommand).length;
      await e.restorePartitions(daily, rewritten);
      // Assess
      const sent = started();
      const ids = `"lakeops_ci_silver_private"."dsar_purge_ids" WHERE "run" = 'r-9'`;
      const profile = `SELECT "dt", count(*) AS rows_total, count(*) FILTER (WHERE coalesce(("city_id" IN (SELECT "user_id" FROM ${ids})), false)) AS rows_dropped, CAST(coalesce(sum(CAST(from_big_endian_64(xxhash64(to_utf8(json_format(CAST(ROW("city_id", "n") AS JSON))))) AS DECIMAL(38,0))) FILTER (WHERE NOT coalesce(("city_id" IN (SELECT "user_id" FROM ${ids})), false)), 0) AS VARCHAR) AS kept_checksum FROM (SELECT * FROM "lakeops_ci_gold"."daily_counts" WHERE "dt" IN ('2026-11-19')) AS s GROUP BY "dt"`;
      expect(sent.map((x) => `${x.workgroup} ${x.sql.split('\n')[0]}`)).toEqual([
        `lakeops-ci ${profile}`,
        'lakeops-ci-writes CREATE TABLE "lakeops_ci_staging"."daily_counts_r1"',
        'lakeops-ci SELECT "dt", count(*) AS n FROM "lakeops_ci_staging"."daily_counts_r1" GROUP BY "dt"',
        'lakeops-ci-writes DROP TABLE IF EXISTS `lakeops_ci_staging`.`daily_counts_r1`',
        `lakeops-ci ${profile}`,
      ]);
      const ctas = sent[1]?.sql ?? '';
      expect(ctas).toContain(
        `FROM "lakeops_ci_gold"."daily_counts" WHERE "dt" IN ('2026-11-19') AND NOT coalesce(("city_id" IN (SELECT "user_id" FROM ${ids})), false)`,
      );
      expect(() => parseTrino(profile)).not.toThrow();
      expect(() => parseTrino(ctas.slice(ctas.indexOf('\nAS\n') + 4))).not.toThrow();
      expect(rewritten).toEqual([
        {
          partition: { dt: '2026-11-19' },
          before: { rows: 5, dropped: 2, checksum: '12345' },
          after: { rows: 5, dropped: 2, checksum: '12345' },
          replacedKey: 'gold/daily_counts/dt=2026-11-19/',
        },
      ]);
      expect(switched).toBe('s3://lake/_staging/gold/daily_counts/r1/dt=2026-11-19/');
      expect(deletesBeforeRestore).toBe(0);
      expect(await catalog.partitionLocation('gold.daily_counts', { dt: '2026-11-19' })).toBe(
        's3://lake/gold/daily_counts/dt=2026-11-19/',
      );
      expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, {
        Bucket: 'lake',
        Prefix: '_staging/gold/daily_counts/r1/dt=2026-11-19/',
      });
      expect(s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input)).toEqual([
        {
          Bucket: 'lake',
          Delete: {
            Objects: [{ Key: '_staging/gold/daily_counts/r1/dt=2026-11-19/data_0.parquet' }],
            Quiet: true,
          },
        },
      ]);
    });

    it('deletes the superseded partition folders after the switch, never the live ones', async () => {
      // Prepare
      emulate();
      const catalog = new InMemoryCatalog([daily]);
      const old = 's3://lake/_staging/gold/daily_counts/r0/';
      await catalog.setPartitionLocation('gold.daily_counts', { dt: '2026-11-18' }, `${old}dt=2026-11-18/`);
      await catalog.setPartitionLocation('gold.daily_counts', { dt: '2026-11-19' }, `${old}dt=2026-11-19/`);
      await catalog.setPartitionLocation(
        'gold.daily_counts',
        { dt: '2026-11-20' },
        's3://lake/gold/daily_counts/dt=2026-11-20',
      );
      // Act
      await engine({ catalog }).writePartitions({
        table: daily,
        sql: modelSql,
        partitions: [{ dt: '2026-11-19' }, { dt: '2026-11-20' }],
      });
      // Assess
      expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix)).toEqual([
        '_staging/gold/daily_counts/r0/dt=2026-11-19/',
        'gold/daily_counts/dt=2026-11-20/',
      ]);
      expect(s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input)).toEqual([
        {
          Bucket: 'lake',
          Delete: {
            Objects: [{ Key: '_staging/gold/daily_counts/r0/dt=2026-11-19/data_0.parquet' }],
            Quiet: true,
          },
        },
        {
          Bucket: 'lake',
          Delete: { Objects: [{ Key: 'gold/daily_counts/dt=2026-11-20/data_0.parquet' }], Quiet: true },
        },
      ]);
      expect(await catalog.partitionLocation('gold.daily_counts', { dt: '2026-11-18' })).toBe(
        `${old}dt=2026-11-18/`,
      );
    });

    it('never deletes a superseded location that is the new one', async () => {
      // Prepare
      emulate();
      const catalog = new InMemoryCatalog([daily]);
      const live = 's3://lake/_staging/gold/daily_counts/r1/dt=2026-11-19/';
      await catalog.setPartitionLocation('gold.daily_counts', { dt: '2026-11-19' }, live);
      // Act
      await engine({ catalog }).writePartitions({
        table: daily,
        sql: modelSql,
        partitions: [{ dt: '2026-11-19' }],
      });
      // Assess
      expect(await catalog.partitionLocation('gold.daily_counts', { dt: '2026-11-19' })).toBe(live);
      expect(s3).toHaveReceivedCommandTimes(ListObjectsV2Command, 0);
      expect(s3).toHaveReceivedCommandTimes(DeleteObjectsCommand, 0);
    });

    it('deletes a dropped partition folder too, and an unpartitioned table only its earlier staging run', async () => {
      // Prepare
      emulate({ empty: ['2026-11-19'] });
      const catalog = new InMemoryCatalog([daily, dimCity]);
      await catalog.setPartitionLocation(
        'gold.daily_counts',
        { dt: '2026-11-19' },
        's3://lake/_staging/gold/daily_counts/r0/dt=2026-11-19/',
      );
      await catalog.setPartitionLocation('silver.dim_city', {}, 's3://lake/_staging/silver/dim_city/r0/');
      const e = engine({ catalog });
      // Act
      const dropped = await e.writePartitions({
        table: daily,
        sql: modelSql,
        partitions: [{ dt: '2026-11-19' }],
      });
      await e.writePartitions({ table: dimCity, sql: 'SELECT 1' });
      await catalog.setPartitionLocation('silver.dim_city', {}, 's3://lake/silver/dim_city/');
      await e.writePartitions({ table: dimCity, sql: 'SELECT 1' });
      // Assess
      expect(dropped.removed).toEqual([{ dt: '2026-11-19' }]);
      expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix)).toEqual([
        '_staging/gold/daily_counts/r0/dt=2026-11-19/',
        '_staging/silver/dim_city/r0/',
      ]);
      expect(await catalog.partitionLocation('silver.dim_city', {})).toBe(
        's3://lake/_staging/silver/dim_city/r1/',
      );
    });

    it('leaves every partition on its old data and removes its own files when the CTAS fails', async () => {
      // Prepare
      emulate({
        fails: (sql) =>
          sql.startsWith('CREATE TABLE')
            ? {
                reason: 'HIVE_BAD_DATA: bad file s3://lake/silver/x/dt=2026-11-19/data_0.parquet',
                category: 2,
              }
            : undefined,
      });
      const catalog = new InMemoryCatalog([daily]);
      await catalog.setPartitionLocation(
        'gold.daily_counts',
        { dt: '2026-11-19' },
        's3://lake/gold/daily_counts/dt=2026-11-19/',
      );
      // Act
      const writing = engine({ catalog }).writePartitions({
        table: daily,
        sql: modelSql,
        partitions: [{ dt: '2026-11-19' }],
      });
      // Assess
      await expect(writing).rejects.toMatchObject({ code: 'PartitionCorrupt' });
      expect(await catalog.partitionLocation('gold.daily_counts', { dt: '2026-11-19' })).toBe(
        's3://lake/gold/daily_counts/dt=2026-11-19/',
      );
      expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix)).toEqual([
        '_staging/gold/daily_counts/r1/',
      ]);
      expect(started().at(-1)?.sql).toBe('DROP TABLE IF EXISTS `lakeops_ci_staging`.`daily_counts_r1`');
    });

    describe('started writes (no function waits on the CTAS)', () => {
      const started1: StartedWrite = {
        queryId: 'q1',
        table: 'gold.daily_counts',
        run: 'r1',
        partitions: [{ dt: '2026-11-19' }],
      };

      it('submits one CTAS of an NRT view in the write workgroup and returns without polling', async () => {
        // Prepare
        athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-ctas-1' });
        const [recon] = await loadNrtViews(['nrt.recon_gates']);
        const sql = recon?.sql('2026-11-20', { hours: ['09', '10'] }) ?? '';
        const partitions = [
          { dt: '2026-11-20', hour: '09' },
          { dt: '2026-11-20', hour: '10' },
        ];
        // Act
        const write = await engine({ catalog: new InMemoryCatalog([nrtReconGates]) }).startWrite({
          table: nrtReconGates,
          sql,
          partitions,
        });
        // Assess
        const ctas = athenaCtas({
          table: nrtReconGates,
          sql: athenaTableNames(sql, 'lakeops_ci'),
          stagingTable: '"lakeops_ci_staging"."recon_gates_r1"',
          location: 's3://lake/_staging/nrt/recon_gates/r1/',
          partitions,
        });
        expect(athena).toHaveReceivedCommandTimes(StartQueryExecutionCommand, 1);
        expect(athena).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
          QueryString: ctas,
          WorkGroup: 'lakeops-ci-writes',
        });
        expect(athena).toHaveReceivedCommandTimes(GetQueryExecutionCommand, 0);
        expect(ctas.split('\n').slice(0, 2)).toEqual([
          'CREATE TABLE "lakeops_ci_staging"."recon_gates_r1"',
          "WITH (format = 'PARQUET', write_compression = 'ZSTD', external_location = 's3://lake/_staging/nrt/recon_gates/r1/', partitioned_by = ARRAY['dt', 'hour'])",
        ]);
        expect(ctas.split('\n').at(-1)).toBe(
          `WHERE ("dt" = '2026-11-20' AND "hour" = '09') OR ("dt" = '2026-11-20' AND "hour" = '10')`,
        );
        expect(ctas).toContain(`FROM "lakeops_ci_bronze"."events"`);
        expect(ctas).toContain(`AND dt = '2026-11-20' AND hour IN ('09', '10')`);
        expect(() => parseTrino(ctas.slice(ctas.indexOf('\nAS\n') + 4))).not.toThrow();
        expect(write).toEqual({ queryId: 'q-ctas-1', table: 'nrt.recon_gates', run: 'r1', partitions });
      });

      it('answers a started write query state with one GetQueryExecution, no polling', async () => {
        // Prepare
        athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
        // Act
        const state = await engine().queryState(started1);
        // Assess
        expect(state).toBe('RUNNING');
        expect(athena).toHaveReceivedCommandTimes(GetQueryExecutionCommand, 1);
        expect(athena).toHaveReceivedCommandWith(GetQueryExecutionCommand, { QueryExecutionId: 'q1' });
      });

      it('refuses a started write of partition prefixes or of more than 100 partitions', async () => {
        // Prepare
        const e = engine();
        const many = Array.from({ length: 101 }, (_, i) => ({ dt: `2026-08-${String(i).padStart(3, '0')}` }));
        // Act
        const prefix = e.startWrite({
          table: nrtReconGates,
          sql: modelSql,
          partitions: [{ dt: '2026-11-20' }],
        });
        const tooMany = e.startWrite({ table: daily, sql: modelSql, partitions: many });
        // Assess
        await expect(prefix).rejects.toMatchObject({
          code: 'QueryFailed',
          message: /every key \(dt, hour\)/,
        });
        await expect(tooMany).rejects.toMatchObject({ code: 'QueryFailed', message: /at most 100/ });
        expect(athena).toHaveReceivedCommandTimes(StartQueryExecutionCommand, 0);
      });

      it('finishes a succeeded write once: counts, switches, drops; a second finish changes nothing', async () => {
        // Prepare
        const statements = emulate();
        statements.push(
          `CREATE TABLE "lakeops_ci_staging"."daily_counts_r1" AS SELECT 1\nWHERE "dt" IN ('2026-11-19')`,
        );
        const catalog = new InMemoryCatalog([daily]);
        await catalog.setPartitionLocation(
          'gold.daily_counts',
          { dt: '2026-11-19' },
          's3://lake/gold/daily_counts/dt=2026-11-19/',
        );
        const e = engine({ catalog });
        // Act
        const first = await e.finishWrite(started1);
        const second = await e.finishWrite(started1);
        // Assess
        expect(first).toEqual({ rows: 2, written: [{ dt: '2026-11-19' }], removed: [] });
        expect(second).toEqual({ rows: 0, written: [{ dt: '2026-11-19' }], removed: [] });
        expect(started()).toEqual([
          {
            sql: 'SELECT "dt", count(*) AS n FROM "lakeops_ci_staging"."daily_counts_r1" GROUP BY "dt"',
            workgroup: 'lakeops-ci',
          },
          {
            sql: 'DROP TABLE IF EXISTS `lakeops_ci_staging`.`daily_counts_r1`',
            workgroup: 'lakeops-ci-writes',
          },
        ]);
        expect(await catalog.partitionLocation('gold.daily_counts', { dt: '2026-11-19' })).toBe(
          's3://lake/_staging/gold/daily_counts/r1/dt=2026-11-19/',
        );
        expect(s3).toHaveReceivedCommandTimes(ListObjectsV2Command, 1);
        expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, {
          Bucket: 'lake',
          Prefix: 'gold/daily_counts/dt=2026-11-19/',
        });
      });

      it('abandons a failed write: its staged files and staging table go, live data never', async () => {
        // Prepare
        emulate();
        const catalog = new InMemoryCatalog([daily]);
        await catalog.setPartitionLocation(
          'gold.daily_counts',
          { dt: '2026-11-19' },
          's3://lake/gold/daily_counts/dt=2026-11-19/',
        );
        const live: StartedWrite = { ...started1, run: 'r0' };
        await catalog.setPartitionLocation(
          'gold.daily_counts',
          { dt: '2026-11-20' },
          's3://lake/_staging/gold/daily_counts/r0/dt=2026-11-20/',
        );
        const e = engine({ catalog });
        // Act
        await e.abandonWrite(started1);
        await e.abandonWrite({ ...live, partitions: [{ dt: '2026-11-20' }] });
        // Assess
        expect(s3).toHaveReceivedCommandTimes(ListObjectsV2Command, 1);
        expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, {
          Bucket: 'lake',
          Prefix: '_staging/gold/daily_counts/r1/',
        });
        expect(started()).toEqual([
          {
            sql: 'DROP TABLE IF EXISTS `lakeops_ci_staging`.`daily_counts_r1`',
            workgroup: 'lakeops-ci-writes',
          },
        ]);
        expect(await catalog.partitionLocation('gold.daily_counts', { dt: '2026-11-19' })).toBe(
          's3://lake/gold/daily_counts/dt=2026-11-19/',
        );
      });
    });

    it('raises StagingTableDropFailed when the DROP TABLE fails, with the retryability Athena gives', async () => {
      // Prepare
      emulate({
        fails: (sql) =>
          sql.startsWith('DROP TABLE')
            ? { reason: 'FAILED: AccessDeniedException: no glue:DeleteTable', category: 2 }
            : undefined,
      });
      // Act
      const writing = engine().writePartitions({
        table: daily,
        sql: modelSql,
        partitions: [{ dt: '2026-11-19' }],
      });
      // Assess
      await expect(writing).rejects.toMatchObject({
        name: 'StagingTableDropFailedError',
        code: 'StagingTableDropFailed',
        retryable: false,
        table: 'lakeops_ci_staging.daily_counts_r1',
        cause: { code: 'QueryFailed' },
      });
    });
  });
});
