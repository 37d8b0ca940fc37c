import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

const context = (home: string) => captureContext({ env: { LAKEOPS_HOME: home }, cwd: home });

describe('lakeops query', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-query-'));
    const { ctx } = context(home);
    expect(await main(['seed', '--days', '3', '--users', '300', '--end', '2026-11-20'], ctx)).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('prints a table, numbers right-aligned', async () => {
    // Prepare
    const { ctx, out } = context(home);
    // Act
    const code = await main(
      ['query', "SELECT city_id, name FROM silver.dim_city WHERE city_id IN ('lis', 'mad') ORDER BY city_id"],
      ctx,
    );
    const counted = context(home);
    await main(['query', 'SELECT count(DISTINCT dt) AS days FROM gold.kpi_gmv_daily'], counted.ctx);
    // Assess
    expect(code).toBe(0);
    expect(out.stdout).toBe('city_id  name\n-------  ------\nlis      Lisbon\nmad      Madrid\n(2 rows)\n');
    expect(counted.out.stdout).toBe('days\n----\n   3\n(1 row)\n');
  });

  it('prints decimals with their scale, exactly, right-aligned', async () => {
    // Prepare
    const { ctx, out } = context(home);
    const json = context(home);
    const sql =
      'SELECT CAST(12.5 AS DECIMAL(12,2)) AS amount, CAST(123456789012345678.99 AS DECIMAL(38,2)) AS big, 0.5::DOUBLE AS ratio';
    // Act
    const code = await main(['query', sql], ctx);
    await main(['query', '--json', sql], json.ctx);
    // Assess
    expect(code).toBe(0);
    expect(out.stdout).toBe(
      [
        'amount                    big  ratio',
        '------  ---------------------  -----',
        ' 12.50  123456789012345678.99    0.5',
        '(1 row)',
        '',
      ].join('\n'),
    );
    expect(JSON.parse(json.out.stdout)).toEqual({
      amount: '12.50',
      big: '123456789012345678.99',
      ratio: 0.5,
    });
  });

  it('hints `lakeops seed` when the lake it reads is empty', async () => {
    // Prepare
    const empty = await mkdtemp(join(tmpdir(), 'lakeops-query-empty-'));
    const { ctx, out } = context(empty);
    const plain = context(empty);
    try {
      // Act
      const code = await main(['query', 'SELECT count(*) AS n FROM gold.kpi_gmv_daily'], ctx);
      await main(['query', 'SELECT 1 AS one'], plain.ctx);
      // Assess
      expect(code).toBe(0);
      expect(out.stdout).toBe('n\n-\n0\n(1 row)\n');
      expect(out.stderr).toBe(
        `lakeops query: the lake in ${empty} is empty: run \`lakeops seed\` (or \`npm start\`, which seeds it) first\n`,
      );
      expect(plain.out.stderr).toBe('');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('prints JSON lines with --json', async () => {
    // Prepare
    const { ctx, out } = context(home);
    // Act
    const code = await main(
      [
        'query',
        '--json',
        'SELECT dt, count(*) AS n FROM silver.fact_search_impressions GROUP BY dt ORDER BY dt',
      ],
      ctx,
    );
    // Assess
    expect(code).toBe(0);
    const lines = out.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { dt: string; n: number });
    expect(lines.map((l) => l.dt)).toEqual(['2026-11-18', '2026-11-19', '2026-11-20']);
    expect(lines.every((l) => typeof l.n === 'number' && l.n > 0)).toBe(true);
  });

  it('reads the private zone and Bronze by <zone>.<table>', async () => {
    // Prepare
    const { ctx, out } = context(home);
    // Act
    const code = await main(
      [
        'query',
        '--json',
        "SELECT (SELECT count(*) FROM silver_private.users_private) AS users, (SELECT count(*) FROM bronze.events WHERE detail_type = 'search.click') AS clicks",
      ],
      ctx,
    );
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ users: 330, clicks: expect.any(Number) });
  });

  it.each([
    [
      'SELECT * FROM silver.fact_nope',
      "lakeops query: unknown table silver.fact_nope (run 'lakeops query --help' for the list)\n",
    ],
    ['SELECT * FROM fact_payments', "lakeops query: unknown table 'fact_payments'"],
    ['SELEC 1', 'lakeops query: Parser Error: syntax error at or near "SELEC"\n'],
    ['', 'lakeops query: give the SQL to run, e.g. lakeops query "SELECT * FROM gold.kpi_gmv_daily"\n'],
  ])('%j gives one line and a non-zero exit', async (sql, message) => {
    // Prepare
    const { ctx, out } = context(home);
    // Act
    const code = await main(['query', sql], ctx);
    // Assess
    expect(code).not.toBe(0);
    expect(out.stderr.startsWith(message)).toBe(true);
    expect(out.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(out.stdout).toBe('');
  });

  it('names a corrupt Parquet file in one line, exit 1', async () => {
    // Prepare
    const file = join(home, 'lake/gold/kpi_refunds/dt=2026-11-19/data_0.parquet');
    const good = await readFile(file);
    await writeFile(file, 'garbage');
    const { ctx, out } = context(home);
    try {
      // Act
      const code = await main(['query', 'SELECT sum(refunds) FROM gold.kpi_refunds'], ctx);
      // Assess
      expect(code).toBe(1);
      expect(out.stderr).toMatch(
        /^lakeops query: corrupt data file gold\/kpi_refunds\/dt=2026-11-19\/data_0\.parquet: [^\n]+\n$/,
      );
    } finally {
      await writeFile(file, good);
    }
  });

  describe('is read-only and stays in the lake', () => {
    /** Every file under the home with a hash of its bytes: any write, create or delete changes it. */
    const snapshot = async () => {
      const files = (await readdir(home, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name))
        .sort();
      const hash = createHash('sha256');
      for (const file of files) hash.update(`${file}\0`).update(await readFile(file));
      return { files: files.length, hash: hash.digest('hex') };
    };
    const goldFile = () => join(home, 'lake/gold/kpi_gmv_daily/dt=2026-11-19/data_0.parquet');

    it.each([
      [
        'a write over a Gold file',
        () => `COPY (SELECT 1 AS gmv) TO '${goldFile()}' (FORMAT parquet)`,
        'COPY',
      ],
      ['an ATTACH', () => `ATTACH '${join(home, 'lake/gold/other.duckdb')}' AS other`, 'ATTACH'],
      ['an extension install', () => 'INSTALL httpfs', 'INSTALL'],
      ['a view created', () => 'CREATE VIEW v AS SELECT 1 AS a', 'CREATE'],
      ['a setting changed', () => 'SET enable_external_access = true', 'SET'],
      [
        'an EXPLAIN ANALYZE of a write',
        () => `EXPLAIN ANALYZE COPY (SELECT 1) TO '${goldFile()}'`,
        'EXPLAIN',
      ],
      ['two statements', () => 'SELECT 1; SELECT 2', 'one statement at a time (got 2)'],
    ])('refuses %s in one line naming it, and changes nothing', async (_what, sql, named) => {
      // Prepare
      const before = await snapshot();
      const { ctx, out } = context(home);
      // Act
      const code = await main(['query', sql()], ctx);
      // Assess
      expect(code).toBe(1);
      expect(out.stderr).toMatch(/^lakeops query: [^\n]+\n$/);
      expect(out.stderr).toContain(named);
      expect(out.stdout).toBe('');
      expect(await snapshot()).toEqual(before);
    });

    it('refuses to read a file outside the lake, and changes nothing', async () => {
      // Prepare
      const before = await snapshot();
      const { ctx, out } = context(home);
      // Act
      const code = await main(['query', "SELECT * FROM read_csv('/etc/passwd')"], ctx);
      // Assess
      expect(code).toBe(1);
      expect(out.stderr).toMatch(
        /^lakeops query: Permission Error: Cannot access file "\/etc\/passwd"[^\n]*\n$/,
      );
      expect(out.stdout).toBe('');
      expect(await snapshot()).toEqual(before);
      expect(existsSync(join(home, 'lake/gold/other.duckdb'))).toBe(false);
    });

    it.each([
      'WITH g AS (SELECT * FROM gold.kpi_gmv_daily) SELECT count(*) AS n FROM g',
      'DESCRIBE gold.kpi_gmv_daily',
      'SHOW TABLES',
      'SUMMARIZE gold.kpi_refunds',
      'EXPLAIN SELECT * FROM gold.kpi_gmv_daily',
      'EXPLAIN ANALYZE SELECT count(*) FROM gold.kpi_gmv_daily',
      `SELECT count(*) AS n FROM read_parquet('${join('LAKE', 'gold/kpi_gmv_daily/*/*.parquet')}')`,
    ])('runs the reading statement %j', async (sql) => {
      // Prepare
      const { ctx, out } = context(home);
      // Act
      const code = await main(['query', sql.replace('LAKE', join(home, 'lake'))], ctx);
      // Assess
      expect(out.stderr).toBe('');
      expect(code).toBe(0);
    });
  });
});
