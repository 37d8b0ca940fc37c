import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine } from '@lakeops/adapters-local';
import {
  athenaCreateTable,
  athenaCtas,
  athenaDropTable,
  athenaInsert,
  athenaTableNames,
  bronzeEvents,
  decimalValue,
  duckdbCopy,
  factReviews,
  kpiGmvDaily,
  loadModels,
  loadNrtViews,
  type Model,
  renderModel,
  renderNrtModel,
  replaceTableReferences,
  sqlType,
  tables,
  tablesReadBy,
  typedSelect,
  writtenByFunctions,
} from '@lakeops/lake';
import nodeSqlParser from 'node-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const trino = new nodeSqlParser.Parser();
const parseTrino = (sql: string) => trino.astify(sql, { database: 'trino' });
const params = { from: '2026-11-18', to: '2026-11-20' };
/** A model's text for one run: NRT models for two hours continuing from the hour before. */
const render = (model: Model) =>
  model.table.zone === 'nrt'
    ? renderNrtModel(model.sql, params.to, { hours: ['09', '10'], carry: { dt: params.to, hour: '08' } })
    : renderModel(model.sql, params);

describe('models', () => {
  let models: Model[];
  beforeAll(async () => {
    models = await loadModels();
  });

  it('has exactly one model for every Silver, Silver private and Gold table a function does not write', () => {
    // Prepare
    const built = tables
      .filter((t) => t.zone !== 'bronze')
      .map((t) => `${t.zone}.${t.name}`)
      .filter((name) => !(name in writtenByFunctions));
    // Act
    const names = models.map((m) => m.name);
    // Assess
    expect([...names].sort()).toEqual([...built].sort());
  });

  it('orders models after everything they read', () => {
    // Act
    const position = new Map(models.map((m, i) => [m.name, i]));
    // Assess
    for (const model of models) {
      for (const dep of model.dependsOn) {
        // An NRT carry-over state reads its own earlier partitions.
        if (!dep.startsWith('bronze.') && dep !== model.name)
          expect(position.get(dep), `${model.name} reads ${dep}`).toBeLessThan(
            position.get(model.name) ?? -1,
          );
      }
    }
  });

  it('parses as Trino SQL for Athena, with the typed projection around it', () => {
    for (const model of models) {
      // Act
      const athenaText = typedSelect(model.table, render(model), 'athena');
      // Assess
      expect(() => parseTrino(athenaText), model.name).not.toThrow();
    }
  });

  it('names every table of every model by its Glue database on Athena, and still parses as Trino', () => {
    for (const model of models) {
      // Act
      const athenaText = athenaTableNames(render(model), 'lakeops_ci');
      // Assess
      expect(model.dependsOn.length, model.name).toBeGreaterThan(0);
      expect(tablesReadBy(athenaText), model.name).toEqual([]);
      for (const dep of model.dependsOn) {
        const [zone, name] = dep.split('.');
        expect(athenaText, model.name).toContain(`"lakeops_ci_${zone}"."${name}"`);
      }
      expect(() => parseTrino(typedSelect(model.table, athenaText, 'athena')), model.name).not.toThrow();
    }
  });

  it('parses the NRT changes queries as Trino, from the first hour of the day and from a later one', async () => {
    // Prepare
    const views = await loadNrtViews();
    for (const view of views) {
      for (const fromHour of ['00', '09']) {
        // Act
        const athenaText = athenaTableNames(view.changesSql(params.to, fromHour), 'lakeops_ci');
        // Assess
        expect(() => parseTrino(athenaText), `${view.name} from ${fromHour}`).not.toThrow();
        expect(athenaText.includes("hour >= '09'"), `${view.name} from ${fromHour}`).toBe(fromHour === '09');
      }
      expect(() => view.changesSql(params.to, '24')).toThrow('fromHour must be HH');
    }
  });

  it("renders a carry-over view's open hours inline (the state of the current hour), as Trino with Glue names", async () => {
    // Prepare
    const views = (await loadNrtViews()).filter((v) => v.carryState);
    expect(views.map((v) => v.name)).toEqual(['nrt.dispute_queue', 'nrt.payout_backlog']);
    for (const view of views) {
      const state = view.carryState?.table.name ?? '';
      for (const settled of [['09'], []]) {
        // Act: 10 is the current hour, continuing from the state of 09 (or of 08 with none settled).
        const carry = { dt: params.to, hour: '08' };
        const open = { hours: ['10'], carry: settled.length ? { dt: params.to, hour: '09' } : carry };
        const text = view.sql(params.to, { hours: [...settled, '10'], carry, open });
        const athenaText = athenaTableNames(text, 'lakeops_ci');
        // Assess: the settled hours from the state table, the open one computed from its carry.
        expect(() => parseTrino(typedSelect(view.table, athenaText, 'athena')), view.name).not.toThrow();
        expect(text.includes(`FROM nrt.${state} WHERE dt = '${params.to}' AND hour IN ('09')`)).toBe(
          settled.length > 0,
        );
        expect(text).toContain(`WHERE dt = '${params.to}' AND hour = '${open.carry.hour}'`);
        expect(text).toContain(') AS open_state');
        expect(tablesReadBy(athenaText), view.name).toEqual([]);
      }
      // Without open hours, the model as it is.
      const plain = view.sql(params.to, { hours: ['09', '10'], carry: { dt: params.to, hour: '08' } });
      expect(plain).not.toContain('open_state');
    }
  });

  it('does not divide integers: every ratio casts to DOUBLE first (Trino truncates, DuckDB does not)', () => {
    for (const model of models) {
      // Act
      const divisions = model.sql.replace(/--[^\n]*/g, '').match(/[^/]\/\s*[^/*\s][^\n]*/g) ?? [];
      // Assess
      for (const division of divisions) expect(division, model.name).toMatch(/\/\s*NULLIF\(CAST\(/);
    }
  });
});

describe('dialect', () => {
  it('maps catalog types per engine', () => {
    // Act
    const mapped = (['string', 'bigint', 'decimal(12,2)', 'timestamp'] as const).map((t) => [
      sqlType(t, 'duckdb'),
      sqlType(t, 'athena'),
    ]);
    // Assess
    expect(mapped).toEqual([
      ['VARCHAR', 'VARCHAR'],
      ['BIGINT', 'BIGINT'],
      ['DECIMAL(12,2)', 'DECIMAL(12,2)'],
      ['TIMESTAMP', 'TIMESTAMP(3)'],
    ]);
  });

  it('writes Athena CTAS text with Parquet, a staging location and the partition keys', async () => {
    // Prepare
    const model = (await loadModels()).find((m) => m.name === 'gold.kpi_gmv_daily');
    const sql = renderModel(model?.sql ?? '', params);
    // Act
    const ctas = athenaCtas({
      table: kpiGmvDaily,
      sql,
      stagingTable: 'lakeops_staging.kpi_gmv_daily_r1',
      location: 's3://lake/_staging/r1/',
    });
    const body = ctas.slice(ctas.indexOf('\nAS\n') + 4);
    // Assess
    expect(ctas.split('\n').slice(0, 3)).toEqual([
      'CREATE TABLE lakeops_staging.kpi_gmv_daily_r1',
      "WITH (format = 'PARQUET', write_compression = 'ZSTD', external_location = 's3://lake/_staging/r1/', partitioned_by = ARRAY['dt'])",
      'AS',
    ]);
    expect(body).toContain('CAST("gmv" AS DECIMAL(12,2)) AS "gmv"');
    expect(body.trimEnd().endsWith('CAST("dt" AS VARCHAR) AS "dt"\nFROM (')).toBe(false);
    expect(() => parseTrino(body)).not.toThrow();
  });

  it('writes Athena DDL: Parquet for Silver/Gold, the OpenX JSON SerDe with key mapping for Bronze', () => {
    // Act
    const gold = athenaCreateTable(kpiGmvDaily, { location: 's3://lake/gold/kpi_gmv_daily' });
    const bronze = athenaCreateTable(bronzeEvents, {
      location: 's3://lake/bronze/events/',
      database: 'lakeops_bronze',
    });
    // Assess
    expect(gold.split('\n')).toEqual([
      'CREATE EXTERNAL TABLE IF NOT EXISTS `gold`.`kpi_gmv_daily` (',
      "  `city_id` string COMMENT 'sensitivity=public',",
      "  `gmv` decimal(12,2) COMMENT 'sensitivity=internal',",
      "  `confirmed_legs` bigint COMMENT 'sensitivity=internal',",
      "  `bookings` bigint COMMENT 'sensitivity=internal',",
      "  `currency` string COMMENT 'sensitivity=public'",
      ')',
      "COMMENT 'Gross merchandise value: the amount of booking legs confirmed that day, per city.'",
      'PARTITIONED BY (`dt` string)',
      'STORED AS PARQUET',
      "LOCATION 's3://lake/gold/kpi_gmv_daily/'",
      "TBLPROPERTIES ('parquet.compression' = 'ZSTD')",
    ]);
    expect(bronze).toContain('CREATE EXTERNAL TABLE IF NOT EXISTS `lakeops_bronze`.`events` (');
    expect(bronze).toContain('PARTITIONED BY (`dt` string, `hour` string)');
    expect(bronze).toContain(
      "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\nWITH SERDEPROPERTIES ('mapping.detail_type' = 'detail-type', 'ignore.malformed.json' = 'false')",
    );
    expect(athenaCreateTable(factReviews, { location: 's3://x/' })).toContain(
      "`rating` int COMMENT 'sensitivity=public'",
    );
  });

  it('rewrites <zone>.<table> outside literals, quoted names and comments only', () => {
    // Prepare
    const sql = [
      'SELECT l.silver, \'gold.kpi_gmv_daily\' AS s, "silver".x',
      'FROM silver.fact_payments AS l -- read gold.kpi_gmv_daily',
      'JOIN silver_private.users_private AS u /* nrt.ops */ ON u.user_id = l.user_id',
    ].join('\n');
    // Act
    const athenaText = athenaTableNames(sql, 'lakeops_pr_42');
    // Assess
    expect(athenaText.split('\n')).toEqual([
      'SELECT l.silver, \'gold.kpi_gmv_daily\' AS s, "silver".x',
      'FROM "lakeops_pr_42_silver"."fact_payments" AS l -- read gold.kpi_gmv_daily',
      'JOIN "lakeops_pr_42_silver_private"."users_private" AS u /* nrt.ops */ ON u.user_id = l.user_id',
    ]);
  });

  it('replaces the references to one table in code only, as the Athena names are rewritten', () => {
    // Prepare: the table in code twice, in a literal, a quoted name, both kinds of comment, and a
    // longer name that starts like it.
    const sql = [
      "SELECT s.x, 'nrt.payout_backlog_open' AS s FROM nrt.payout_backlog_open AS s -- nrt.payout_backlog_open",
      'JOIN nrt.payout_backlog_open_2 AS t /* nrt.payout_backlog_open */ ON "nrt.payout_backlog_open".y = 1',
      'UNION ALL SELECT * FROM nrt.payout_backlog_open',
    ].join('\n');
    // Act
    const replaced = replaceTableReferences(sql, { zone: 'nrt', name: 'payout_backlog_open' }, '(R)');
    // Assess
    expect(replaced.split('\n')).toEqual([
      "SELECT s.x, 'nrt.payout_backlog_open' AS s FROM (R) AS s -- nrt.payout_backlog_open",
      'JOIN nrt.payout_backlog_open_2 AS t /* nrt.payout_backlog_open */ ON "nrt.payout_backlog_open".y = 1',
      'UNION ALL SELECT * FROM (R)',
    ]);
  });

  it('drops a table with Hive DDL quoting (backticks)', () => {
    // Act + Assess
    expect(athenaDropTable('lakeops_ci_staging', 'kpi_gmv_daily_r1')).toBe(
      'DROP TABLE IF EXISTS `lakeops_ci_staging`.`kpi_gmv_daily_r1`',
    );
    expect(athenaDropTable('db', 'a`b')).toBe('DROP TABLE IF EXISTS `db`.`a``b`');
  });

  it('keeps only the given partitions in a CTAS or INSERT INTO, as Trino SQL', () => {
    // Prepare
    const byCity = { ...kpiGmvDaily, partitionKeys: ['dt', 'city_id'] };
    // Act
    const ctas = athenaCtas({
      table: kpiGmvDaily,
      sql: 'SELECT * FROM "lakeops_ci_silver"."x"',
      stagingTable: '"s"."t"',
      location: 's3://lake/_staging/r1/',
      partitions: [{ dt: '2026-11-19' }, { dt: "2026-11-2'0" }],
    });
    const insert = athenaInsert({
      table: byCity,
      sql: 'SELECT 1',
      stagingTable: '"s"."t"',
      partitions: [
        { dt: '2026-11-19', city_id: 'lis' },
        { dt: '2026-11-20', city_id: 'mad' },
      ],
    });
    // Assess
    expect(ctas.split('\n').at(-1)).toBe(`WHERE "dt" IN ('2026-11-19', '2026-11-2''0')`);
    expect(insert.split('\n')[0]).toBe('INSERT INTO "s"."t"');
    expect(insert.split('\n').at(-1)).toBe(
      `WHERE ("dt" = '2026-11-19' AND "city_id" = 'lis') OR ("dt" = '2026-11-20' AND "city_id" = 'mad')`,
    );
    expect(() => parseTrino(ctas.slice(ctas.indexOf('\nAS\n') + 4))).not.toThrow();
    expect(() => parseTrino(insert)).not.toThrow();
  });

  it.each([
    ['10.50', 10.5],
    ['0.10', 0.1],
    ['-0.00', 0],
    ['-3', -3],
    ['12345678901234567.89', '12345678901234567.89'],
    ['-99999999999999999999.99', '-99999999999999999999.99'],
    ['0.123456789012345678', '0.123456789012345678'],
  ])('keeps DECIMAL %s exact (%s)', (text, expected) => {
    // Act + Assess
    expect(decimalValue(text)).toBe(expected);
  });

  it('writes DuckDB COPY text partitioned by the same keys', () => {
    // Act
    const copy = duckdbCopy(kpiGmvDaily, 'SELECT 1', '/tmp/x');
    // Assess
    expect(copy).toMatch(/^COPY \(\nSELECT /);
    expect(copy).toMatch(/TO '\/tmp\/x' \(FORMAT parquet, COMPRESSION zstd, PARTITION_BY \("dt"\)\)$/);
  });

  it('fills only dt parameters and refuses anything else', () => {
    // Act + Assess
    expect(renderModel('WHERE dt BETWEEN {{from}} AND {{ to }}', params)).toBe(
      "WHERE dt BETWEEN '2026-11-18' AND '2026-11-20'",
    );
    expect(() => renderModel('x', { from: "2026-11-18' OR 1=1 --", to: '2026-11-20' })).toThrow(/YYYY-MM-DD/);
    expect(() => renderModel('{{other}}', params)).toThrow(/unknown parameter/);
  });
});

describe('dialect on DuckDB', () => {
  let root: string;
  let engine: DuckDbQueryEngine;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakeops-dialect-'));
    engine = await DuckDbQueryEngine.open({ root, tables, threads: 1 });
  });
  afterAll(async () => {
    await engine.close();
    await rm(root, { recursive: true, force: true });
  });

  it('runs the Trino function names the models use, in UTC', async () => {
    // Act
    const [row] = await engine.query(`SELECT
      json_extract_scalar('{"a":{"b":"x"},"n":2.5,"t":true}', '$.a.b') AS s,
      CAST(json_extract_scalar('{"n":2.5}', '$.n') AS DECIMAL(12, 2)) AS d,
      json_extract_scalar('{"t":true}', '$.t') = 'true' AS b,
      CAST(from_iso8601_timestamp('2026-11-20T23:30:00+02:00') AS TIMESTAMP) AS ts,
      CAST(CAST(from_iso8601_timestamp('2026-11-20T23:30:00Z') AS DATE) + INTERVAL '1' DAY AS DATE) AS next_day,
      date_diff('day', DATE '2026-11-01', DATE '2026-11-20') AS days,
      CAST(7 AS DOUBLE) / NULLIF(CAST(2 AS DOUBLE), 0) AS ratio,
      approx_percentile(x, 0.5) AS median
    FROM (VALUES (1), (2), (3)) AS v (x)`);
    // Assess
    expect(row).toEqual({
      s: 'x',
      d: 2.5,
      b: true,
      ts: '2026-11-20T21:30:00.000Z',
      next_day: '2026-11-21',
      days: 19,
      ratio: 3.5,
      median: 2,
    });
  });
});
