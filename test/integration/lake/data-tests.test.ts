import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine } from '@lakeops/adapters-local';
import type { TableDefinition } from '@lakeops/core';
import {
  athenaTableNames,
  catalogExpectations,
  compileSuite,
  type Expectation,
  ExpectationInvalidError,
  expectationTypes,
  GxSuiteInvalidError,
  importGxSuite,
  runExpectations,
} from '@lakeops/lake';
import nodeSqlParser from 'node-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const trino = new nodeSqlParser.Parser();
const parseTrino = (sql: string) => trino.astify(sql, { database: 'trino' });

const orders: TableDefinition = {
  zone: 'silver',
  name: 'qa_orders',
  description: 'expectation test table',
  format: 'parquet',
  columns: [
    { name: 'order_id', type: 'string', sensitivity: 'internal', nullable: true },
    { name: 'status', type: 'string', sensitivity: 'public' },
    { name: 'rating', type: 'integer', sensitivity: 'public', nullable: true },
    { name: 'code', type: 'string', sensitivity: 'public', nullable: true },
    { name: 'city_id', type: 'string', sensitivity: 'public' },
    { name: 'amount', type: 'double', sensitivity: 'internal' },
    { name: 'created_at', type: 'timestamp', sensitivity: 'internal' },
  ],
  partitionKeys: ['dt'],
  primaryKey: ['order_id'],
  userColumns: [],
};
const cities: TableDefinition = {
  zone: 'silver',
  name: 'qa_cities',
  description: 'parent table',
  format: 'parquet',
  columns: [{ name: 'city_id', type: 'string', sensitivity: 'public' }],
  partitionKeys: [],
  primaryKey: ['city_id'],
  userColumns: [],
};
const backlog: TableDefinition = {
  zone: 'silver',
  name: 'qa_backlog',
  description: 'a queue that should drain',
  format: 'parquet',
  columns: [
    { name: 'payout_id', type: 'string', sensitivity: 'internal' },
    { name: 'pending', type: 'integer', sensitivity: 'internal' },
  ],
  partitionKeys: ['dt'],
  primaryKey: ['payout_id'],
  userColumns: [],
};

const GOOD = '2026-11-20';
const BAD = '2026-11-21';
/** dt 19 and 20: clean (20 has one null rating); dt 21: a duplicate id, a null id, out-of-set, out-of-range, bad code, unknown city, half the rows. */
const rows = `SELECT * FROM (VALUES
  ('o1', 'paid', 4, 'ABC-1', 'lis', 10.0, TIMESTAMP '2026-11-19 09:00:00', '2026-11-19'),
  ('o2', 'paid', 5, 'ABC-2', 'lis', 20.0, TIMESTAMP '2026-11-19 10:00:00', '2026-11-19'),
  ('o3', 'open', 3, 'XYZ-3', 'mad', 30.0, TIMESTAMP '2026-11-19 11:00:00', '2026-11-19'),
  ('o4', 'open', 2, NULL, 'mad', 40.0, TIMESTAMP '2026-11-19 12:00:00', '2026-11-19'),
  ('o5', 'paid', 1, 'ABC-5', 'lis', 10.0, TIMESTAMP '2026-11-20 09:00:00', '2026-11-20'),
  ('o6', 'open', 5, 'XYZ-6', 'mad', 2000.0, TIMESTAMP '2026-11-20 10:00:00', '2026-11-20'),
  ('o7', 'paid', NULL, 'ABC-7', 'lis', 0.0, TIMESTAMP '2026-11-20 11:00:00', '2026-11-20'),
  ('o8', 'cancelled', 3, NULL, 'mad', 5.0, TIMESTAMP '2026-11-20 12:00:00', '2026-11-20'),
  ('o9', 'paid', 7, 'bad', 'zzz', -1.0, TIMESTAMP '2026-11-21 09:00:00', '2026-11-21'),
  ('o9', 'weird', 0, 'ABC-9', 'lis', 5000.0, TIMESTAMP '2026-11-21 10:00:00', '2026-11-21'),
  (NULL, 'cancelled', 3, 'ABC-10', 'lis', 1500.0, TIMESTAMP '2026-11-21 11:00:00', '2026-11-21')
) AS v (order_id, status, rating, code, city_id, amount, created_at, dt)`;
const backlogRows = `SELECT * FROM (VALUES
  ('p1', 9, '2026-11-18'), ('p2', 7, '2026-11-19'), ('p3', 6, '2026-11-20'), ('p4', 8, '2026-11-21')
) AS v (payout_id, pending, dt)`;

/** Each type: an expectation that holds on dt 2026-11-20 and fails on 2026-11-21. */
const cases: readonly [string, Expectation, TableDefinition?][] = [
  ['not null', { type: 'expect_column_values_to_not_be_null', column: 'order_id' }],
  ['unique', { type: 'expect_column_values_to_be_unique', column: 'order_id' }],
  ['compound unique', { type: 'expect_compound_columns_to_be_unique', column_list: ['order_id', 'dt'] }],
  [
    'in set',
    { type: 'expect_column_values_to_be_in_set', column: 'status', value_set: ['paid', 'open', 'cancelled'] },
  ],
  ['between', { type: 'expect_column_values_to_be_between', column: 'rating', min_value: 1, max_value: 5 }],
  ['regex', { type: 'expect_column_values_to_match_regex', column: 'code', regex: '^[A-Z]{3}-[0-9]+$' }],
  [
    'relationships',
    {
      type: 'expect_column_values_to_be_in_table',
      column: 'city_id',
      to_table: 'silver.qa_cities',
      to_column: 'city_id',
    },
  ],
  ['row count', { type: 'expect_table_row_count_to_be_between', min_value: 4 }],
  [
    'row count change',
    { type: 'expect_table_row_count_change_to_be_between', min_change: -0.2, max_change: 0.5 },
  ],
  [
    'monotonic',
    {
      type: 'expect_daily_aggregate_to_be_monotonic',
      column: 'pending',
      direction: 'non_increasing',
      window: 3,
    },
    backlog,
  ],
  [
    'custom SQL',
    {
      type: 'unexpected_rows_expectation',
      unexpected_rows_query: "SELECT order_id FROM {batch} WHERE amount > 1000 AND status <> 'open'",
    },
  ],
];

describe('expectations on DuckDB', () => {
  let home: string;
  let engine: DuckDbQueryEngine;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-expectations-'));
    engine = await DuckDbQueryEngine.open({ root: home, tables: [orders, cities, backlog], threads: 1 });
    await engine.writePartitions({ table: orders, sql: rows });
    await engine.writePartitions({
      table: cities,
      sql: "SELECT * FROM (VALUES ('lis'), ('mad')) AS v (city_id)",
    });
    await engine.writePartitions({ table: backlog, sql: backlogRows });
  });
  afterAll(async () => {
    await engine.close();
    await rm(home, { recursive: true, force: true });
  });

  it('covers every expectation type (freshness has its own test)', () => {
    // Assess
    expect(new Set([...cases.map(([, e]) => e.type), 'expect_table_to_be_fresh'])).toEqual(
      new Set(expectationTypes),
    );
  });

  it.each(cases)(
    '%s: passes on the clean partition, fails on the broken one',
    async (_, expectation, table = orders) => {
      // Act
      const [good] = await runExpectations({ engine }, table, [expectation], { dt: GOOD });
      const [bad] = await runExpectations({ engine }, table, [expectation], { dt: BAD });
      // Assess
      expect(good, good?.reason).toMatchObject({ success: true, dt: GOOD });
      expect(bad, bad?.reason).toMatchObject({ success: false, dt: BAD, severity: 'error' });
      expect(bad?.identity).toBe(good?.identity);
    },
  );

  it('reports what it measured: counts, the share and a reason', async () => {
    // Act
    const [inSet, relationships, change, monotonic] = await runExpectations(
      { engine },
      orders,
      [cases[3]?.[1], cases[6]?.[1], cases[8]?.[1]].filter((e): e is Expectation => e !== undefined),
      { dt: BAD },
    ).then(async (r) => [
      ...r,
      ...(await runExpectations({ engine }, backlog, [cases[9]?.[1] as Expectation], { dt: BAD })),
    ]);
    // Assess
    expect(inSet).toMatchObject({ unexpectedCount: 1, elementCount: 3, observed: 33.3333 });
    expect(relationships).toMatchObject({ unexpectedCount: 1, elementCount: 3 });
    expect(change).toMatchObject({ observed: -0.25, reason: '3 rows vs 4 on 2026-11-20 (-25.0%)' });
    expect(monotonic?.reason).toBe('1 of 2 steps break it: 2026-11-20 6 → 2026-11-21 8');
  });

  it('names a few offending keys when the key is not personal data, and none when it is', async () => {
    // Prepare
    const inSet = cases[3]?.[1] as Expectation;
    const personal: TableDefinition = { ...orders, userColumns: ['order_id'] };
    // Act
    const [named] = await runExpectations({ engine }, orders, [inSet], { dt: BAD });
    const [dup] = await runExpectations({ engine }, orders, [cases[1]?.[1] as Expectation], { dt: BAD });
    const [rel] = await runExpectations({ engine }, orders, [cases[6]?.[1] as Expectation], { dt: BAD });
    const [hidden] = await runExpectations({ engine }, personal, [inSet], { dt: BAD });
    const [passing] = await runExpectations({ engine }, orders, [inSet], { dt: GOOD });
    // Assess
    expect(named?.sampleKeys).toEqual(['o9']);
    expect(dup?.sampleKeys).toEqual(['o9']);
    expect(rel?.sampleKeys).toEqual(['o9']);
    expect(hidden).toMatchObject({ success: false, sampleKeys: [] });
    expect(passing?.sampleKeys).toEqual([]);
  });

  it('mostly lets a share of values fail', async () => {
    // Prepare
    const loose: Expectation = {
      type: 'expect_column_values_to_be_in_set',
      column: 'status',
      value_set: ['paid', 'open', 'cancelled'],
      mostly: 0.6,
    };
    const strict: Expectation = { ...loose, mostly: 0.7 };
    const edge: Expectation = { ...loose, mostly: 2 / 3 };
    // Act
    const [a, b, c] = await runExpectations({ engine }, orders, [loose, strict, edge], { dt: BAD });
    // Assess: 1 of 3 is unexpected (33 %); exactly at the bound passes
    expect([a?.success, b?.success, c?.success]).toEqual([true, false, true]);
  });

  it('between: nulls are ignored by default and fail with nulls: fail', async () => {
    // Prepare
    const between: Expectation = {
      type: 'expect_column_values_to_be_between',
      column: 'rating',
      min_value: 1,
      max_value: 5,
    };
    // Act
    const [ignore, fail] = await runExpectations(
      { engine },
      orders,
      [between, { ...between, nulls: 'fail', name: 'rating not null and in range' }],
      { dt: GOOD },
    );
    // Assess
    expect(ignore).toMatchObject({ success: true, elementCount: 3 });
    expect(fail).toMatchObject({ success: false, unexpectedCount: 1, elementCount: 4 });
  });

  it('monotonic tolerates a relative step within tolerance', async () => {
    // Prepare: 6 → 8 is +33 %
    const e: Expectation = {
      type: 'expect_daily_aggregate_to_be_monotonic',
      column: 'pending',
      direction: 'non_increasing',
      window: 2,
      tolerance: 0.34,
    };
    // Act
    const [r] = await runExpectations({ engine }, backlog, [e], { dt: BAD });
    // Assess
    expect(r?.success).toBe(true);
  });

  it('freshness: the newest created_at against the clock', async () => {
    // Prepare
    const e: Expectation = { type: 'expect_table_to_be_fresh', column: 'created_at', max_age_hours: 6 };
    const at = (iso: string) => ({ now: () => new Date(iso) });
    // Act
    const [fresh] = await runExpectations({ engine, clock: at('2026-11-21T15:00:00Z') }, orders, [e]);
    const [stale] = await runExpectations({ engine, clock: at('2026-11-21T18:00:00Z') }, orders, [e]);
    // Assess: the newest row is 2026-11-21 11:00 UTC
    expect(fresh).toMatchObject({ success: true, observed: 4 });
    expect(stale).toMatchObject({
      success: false,
      observed: 7,
      reason: 'newest created_at 2026-11-21T11:00:00.000Z is 7 h old',
    });
  });

  it('a whole-table run judges every partition; a dimension is judged whole even with a dt', async () => {
    // Act
    const [whole] = await runExpectations({ engine }, orders, [cases[0]?.[1] as Expectation]);
    const [dim] = await runExpectations(
      { engine },
      cities,
      [{ type: 'expect_column_values_to_be_unique', column: 'city_id' }],
      { dt: BAD },
    );
    // Assess
    expect(whole).toMatchObject({ dt: null, success: false, elementCount: 11 });
    expect(dim).toMatchObject({ dt: null, success: true });
  });

  it('warn severity is reported, not an error', async () => {
    // Act
    const [r] = await runExpectations(
      { engine },
      orders,
      [{ ...(cases[0]?.[1] as Expectation), severity: 'warn' }],
      { dt: BAD },
    );
    // Assess
    expect(r).toMatchObject({ success: false, severity: 'warn' });
  });

  it('runs an imported GX suite (0.x and 1.x shapes) and names what it does not support', async () => {
    // Prepare
    const suite = JSON.stringify({
      expectation_suite_name: 'orders.warning',
      expectations: [
        { expectation_type: 'expect_column_values_to_not_be_null', kwargs: { column: 'order_id' }, meta: {} },
        {
          type: 'expect_column_values_to_be_between',
          column: 'rating',
          min_value: 1,
          max_value: 5,
          mostly: 0.5,
          severity: 'warning',
        },
        {
          expectation_type: 'expect_column_values_to_match_strftime_format',
          kwargs: { column: 'code', strftime_format: '%Y' },
        },
        {
          expectation_type: 'expect_column_values_to_be_in_set',
          kwargs: { column: 'status', value_set: ['paid'], row_condition: 'amount > 1' },
        },
      ],
    });
    // Act
    const { name, expectations, unsupported } = importGxSuite(suite);
    const results = await runExpectations({ engine }, orders, expectations, { dt: BAD });
    // Assess
    expect(name).toBe('orders.warning');
    expect(unsupported).toEqual([
      '#3 expect_column_values_to_match_strftime_format',
      '#4 expect_column_values_to_be_in_set argument row_condition',
    ]);
    expect(results.map((r) => [r.expectation, r.severity, r.success])).toEqual([
      ['expect_column_values_to_not_be_null(order_id)', 'error', false],
      ['expect_column_values_to_be_between(rating)', 'warn', false],
    ]);
  });

  it('refuses a GX file that is not a suite, or an argument of the wrong type', () => {
    // Act + Assess
    expect(() => importGxSuite('{"expectations": 3}')).toThrow(GxSuiteInvalidError);
    expect(() =>
      importGxSuite(
        '{"expectations": [{"type": "expect_column_values_to_be_between", "column": "x", "min_value": "1"}]}',
      ),
    ).toThrow('#1 expect_column_values_to_be_between: min_value "1" has the wrong type');
  });

  it('refuses an unknown column before running anything', () => {
    // Act + Assess
    expect(() =>
      compileSuite(orders, [{ type: 'expect_column_values_to_not_be_null', column: 'nope' }]),
    ).toThrow(ExpectationInvalidError);
  });

  it('compiles the catalog checks with the names the build always printed', () => {
    // Act
    const labels = catalogExpectations(orders).map((e) => e.name);
    // Assess
    expect(labels).toEqual([
      'unique(order_id)',
      'not_null(status)',
      'not_null(city_id)',
      'not_null(amount)',
      'not_null(created_at)',
    ]);
  });
});

describe('expectations on Athena', () => {
  it('every compiled check parses as Trino SQL with Glue database names, scoped and whole', () => {
    // Prepare
    const fresh: Expectation = { type: 'expect_table_to_be_fresh', column: 'created_at', max_age_hours: 6 };
    for (const dt of [GOOD, undefined]) {
      for (const [label, e, table = orders] of [...cases, ['freshness', fresh] as const]) {
        // Act
        const checks = compileSuite(table, [e], dt === undefined ? {} : { dt });
        // Assess
        for (const sql of checks.flatMap((c) => [c.sql, ...(c.samples?.values() ?? [])])) {
          const athena = athenaTableNames(sql, 'lakeops_ci');
          expect(athena, label).toContain('"lakeops_ci_silver"');
          expect(() => parseTrino(athena), `${label}: ${athena}`).not.toThrow();
        }
      }
    }
  });

  it('puts every column-map expectation and the row count in one scan of the partition', () => {
    // Act
    const checks = compileSuite(
      orders,
      cases.slice(0, 8).map(([, e]) => e),
      { dt: GOOD },
    );
    // Assess: the scan, then the two uniqueness checks and the relationship
    expect(checks).toHaveLength(4);
    expect(checks[0]?.expectations).toHaveLength(5);
    expect(checks[0]?.sql).toContain(`FROM (SELECT * FROM silver.qa_orders WHERE "dt" = '${GOOD}') AS t`);
  });
});
