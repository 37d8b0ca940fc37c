import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalLake } from '../src/lake.ts';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

const context = (home: string) => captureContext({ env: { LAKEOPS_HOME: home }, cwd: home });

const cents = (v: unknown) => Math.round(Number(v) * 100);

describe('lakeops seed --days 14', () => {
  let home: string;
  let code: number;
  let out: { stdout: string; stderr: string };
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-seed14-'));
    const run = context(home);
    code = await main(
      ['seed', '--days', '14', '--users', '500', '--seed', '42', '--end', '2026-11-20'],
      run.ctx,
    );
    out = run.out;
  }, 120_000);
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('seeds and builds, printing one plain line per phase off a terminal (no progress)', () => {
    // Assess
    expect(code).toBe(0);
    expect(out.stdout).toMatch(/^seeded [\d,]+ events over 14 days \(2026-11-07 … 2026-11-20\)/);
    expect(out.stdout).toMatch(/\nbuilt 52 models \(2026-11-07 … 2026-11-20\)/);
    expect(out.stderr).toContain('seed 14/14 2026-11-20\n');
    expect(out.stderr).toContain('build 52/52 ');
    expect(out.stderr).not.toContain('\r');
    expect(out.stderr).not.toContain('seed 1/14');
    expect(out.stderr.trimEnd().split('\n')).toHaveLength(2);
  });

  it('gives gold.kpi_gmv_daily 14 days whose GMV matches a recomputation from silver.fact_booking_legs', async () => {
    // Prepare
    const lake = await openLocalLake(home);
    try {
      // Act
      const gold = await lake.engine.query('SELECT dt, city_id, gmv, confirmed_legs FROM gold.kpi_gmv_daily');
      const expected = new Map<string, { gmv: number; legs: number }>();
      for await (const leg of lake.engine.stream(
        'SELECT dt, city_id, status, amount FROM silver.fact_booking_legs',
      )) {
        if (leg.status !== 'confirmed') continue;
        const key = `${leg.dt}|${leg.city_id}`;
        const sum = expected.get(key) ?? { gmv: 0, legs: 0 };
        expected.set(key, { gmv: sum.gmv + cents(leg.amount), legs: sum.legs + 1 });
      }
      // Assess
      expect(new Set(gold.map((r) => r.dt)).size).toBe(14);
      expect(gold).toHaveLength(expected.size);
      for (const row of gold) {
        expect({ gmv: cents(row.gmv), legs: row.confirmed_legs }, `${row.dt} ${row.city_id}`).toEqual(
          expected.get(`${row.dt}|${row.city_id}`),
        );
      }
    } finally {
      await lake.close();
    }
  });

  it('has a monotone funnel every day in every city: impressions ≥ clicks ≥ views ≥ checkouts ≥ confirms', async () => {
    // Prepare
    const lake = await openLocalLake(home);
    try {
      // Act
      const rows = await lake.engine.query('SELECT * FROM gold.kpi_conversion_funnel ORDER BY dt, city_id');
      // Assess
      expect(new Set(rows.map((r) => r.dt)).size).toBe(14);
      for (const r of rows) {
        const steps = [r.impressions, r.clicks, r.profile_views, r.checkouts, r.confirms].map(Number);
        expect(steps, `${r.dt} ${r.city_id}`).toEqual([...steps].sort((a, b) => b - a));
      }
      const total = (k: string) => rows.reduce((s, r) => s + Number(r[k]), 0);
      expect(total('confirms')).toBeGreaterThan(0);
      expect(total('clicks') / total('impressions')).toBeGreaterThan(0.01);
      expect(total('clicks') / total('impressions')).toBeLessThan(0.15);
    } finally {
      await lake.close();
    }
  });

  it('keeps hashed contact data in Silver private only, never in Gold', async () => {
    // Prepare
    const lake = await openLocalLake(home);
    try {
      // Act
      const columns = await lake.engine.query(
        "SELECT table_schema AS zone, table_name AS t, column_name AS c FROM information_schema.columns WHERE column_name LIKE '%sha256%' OR column_name LIKE '%email%' OR column_name LIKE '%phone%'",
      );
      const [hashes] = await lake.engine.query(
        "SELECT count(*) AS n, count(*) FILTER (WHERE regexp_full_match(email_sha256, '[0-9a-f]{64}')) AS hex FROM silver_private.users_private",
      );
      // Assess
      expect(new Set(columns.map((c) => c.zone))).toEqual(new Set(['silver_private', 'bronze']));
      expect(hashes?.n).toBe(hashes?.hex);
      expect(hashes?.n).toBeGreaterThan(500);
    } finally {
      await lake.close();
    }
  });
});

describe('lakeops seed with bad input', () => {
  it.each([
    [['--days', 'abc'], "lakeops seed: --days must be a whole number from 1 to 366, got 'abc'\n"],
    [['--days', '0'], "lakeops seed: --days must be a whole number from 1 to 366, got '0'\n"],
    [['--days=-3'], "lakeops seed: --days must be a whole number from 1 to 366, got '-3'\n"],
    [['--days'], "lakeops seed: Option '--days <value>' argument missing\n"],
    [['--days', '1.5'], "lakeops seed: --days must be a whole number from 1 to 366, got '1.5'\n"],
    [['--users', '5'], "lakeops seed: --users must be a whole number from 10 to 2000000, got '5'\n"],
    [['--end', '2026-02-30'], "lakeops seed: --end must be a date YYYY-MM-DD, got '2026-02-30'\n"],
    [
      ['--days', '4', '--exp-start-day', '4'],
      "lakeops seed: --exp-start-day must be a whole number from 0 to 3, got '4'\n",
    ],
    [['--weeks', '2'], "lakeops seed: Unknown option '--weeks'\n"],
  ])('%j gives one line and exit code 2', async (args, line) => {
    // Prepare
    const home = await mkdtemp(join(tmpdir(), 'lakeops-seed-bad-'));
    const { ctx, out } = context(home);
    try {
      // Act
      const code = await main(['seed', ...args], ctx);
      // Assess
      expect(code).toBe(2);
      expect(out.stderr).toBe(line);
      expect(out.stdout).toBe('');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
