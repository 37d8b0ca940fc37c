// `lakeops exp analyze` on seeded lakes (DuckDB over real Parquet): the same marketplace twice, once
// with a +3 % treatment effect on GMV per user injected by the seed and once without. The seed makes
// the same draws either way (only treated users' booking amounts after their first exposure
// change), so the two lakes differ by exactly the injected effect.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine, FsObjectStore } from '@lakeops/adapters-local';
import { main } from '@lakeops/cli';
import { validateDetail } from '@lakeops/contracts';
import type { ExpResultRow } from '@lakeops/core';
import {
  buildLake,
  expResults,
  loadExperimentQueries,
  runDataTests,
  seedBronze,
  tables,
} from '@lakeops/lake';
import { repoRoot } from '@lakeops/testing';
import nodeSqlParser from 'node-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureContext } from '../../../packages/cli/test/capture-context.ts';

const end = new Date('2026-11-20T23:59:59.999Z');
const day = '2026-11-20';
const seedOptions = { days: 16, users: 1500, seed: 11, end };

interface Analysis {
  window: { start: string; preFrom: string; to: string };
  counts: Record<string, number>;
  srm: { pValue: number; mismatch: boolean };
  rows: ExpResultRow[];
  skipped: { metric: string; reason: string }[];
  events: { 'detail-type': string; detail: Record<string, unknown> }[];
}

async function seededLake(effect: number): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), `lakeops-exp-${effect}-`));
  const root = join(home, 'lake');
  await seedBronze(
    { store: new FsObjectStore({ root }) },
    { ...seedOptions, ...(effect ? { experimentEffect: effect } : {}) },
  );
  const engine = await DuckDbQueryEngine.open({ root, tables, threads: 1 });
  try {
    await buildLake({ engine });
  } finally {
    await engine.close();
  }
  return home;
}

async function lakeops(home: string, ...args: string[]) {
  const { ctx, out } = captureContext({ cwd: repoRoot, env: { LAKEOPS_HOME: home } });
  const code = await main(args, ctx);
  return { code, ...out };
}

async function analyze(home: string, ...extra: string[]): Promise<Analysis> {
  const { code, stdout, stderr } = await lakeops(
    home,
    'exp',
    'analyze',
    'search-ranking-v3',
    '--day',
    day,
    '--json',
    ...extra,
  );
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(stdout) as Analysis;
}

const row = (a: Analysis, metric: string, variant: string) => {
  const found = a.rows.find((r) => r.metric === metric && r.variant === variant);
  if (!found) throw new Error(`no row ${metric}/${variant}`);
  return found;
};
const width = (r: ExpResultRow) => (r.ci_high ?? 0) - (r.ci_low ?? 0);

describe('lakeops exp analyze on a seeded lake', () => {
  let withEffect: string;
  let without: string;
  beforeAll(async () => {
    withEffect = await seededLake(0.03);
    without = await seededLake(0);
  }, 600_000);
  afterAll(async () => {
    await rm(withEffect, { recursive: true, force: true });
    await rm(without, { recursive: true, force: true });
  });

  it('measures the injected +3 %: treatment GMV per user × 1.03 against the same lake without it, control and pre-period untouched', async () => {
    // Act
    const a = await analyze(withEffect);
    const aa = await analyze(without);
    // Assess
    expect(a.window).toEqual({
      expKey: 'search-ranking-v3',
      start: '2026-11-13',
      preFrom: '2026-10-16',
      to: day,
    });
    expect(a.counts).toEqual(aa.counts);
    const { analysed_at: _a, ...control } = row(a, 'gmv_per_user', 'control');
    const { analysed_at: _b, ...untouched } = row(aa, 'gmv_per_user', 'control');
    expect(control).toEqual(untouched);
    const treated = row(a, 'gmv_per_user', 'treatment');
    const untreated = row(aa, 'gmv_per_user', 'treatment');
    expect(treated.n).toBe(untreated.n);
    // booking amounts are rounded to the cent, and a booking checked out before a user's first
    // exposure but confirmed after it is counted unlifted: slightly under 3 %
    expect(treated.mean / untreated.mean).toBeGreaterThan(1.028);
    expect(treated.mean / untreated.mean).toBeLessThanOrEqual(1.0301);
    // the estimate moves by the injected amount (CUPED's theta is re-fitted, so not to the cent)
    const injected = treated.mean - untreated.mean;
    expect((treated.delta ?? 0) - (untreated.delta ?? 0)).toBeCloseTo(injected, 1);
    // the always-valid interval covers the true effect; without an effect it is no discovery
    expect(treated.ci_low).toBeLessThan(0.03 * untreated.mean + (untreated.delta ?? 0));
    expect(treated.ci_high).toBeGreaterThan(0.03 * untreated.mean + (untreated.delta ?? 0));
    expect(untreated.p_value).toBeGreaterThan(0.05);
    expect(treated.method).toBe('sequential-normal-mixture-cuped');
  });

  it('says why the +3 % is not significant here: the minimum detectable effect at this n is far above 3 %, and exp power asks for ~100× the units', async () => {
    // Prepare: the fixed-horizon analysis (the seed's experiment declares sequential) and the
    // per-user GMV of the exposed units straight from the lake
    const flags = JSON.parse(await readFile(join(repoRoot, 'examples/experiments.json'), 'utf8'));
    flags.values['search-ranking-v3'].analysis = 'fixed';
    const fixedFile = join(withEffect, 'fixed.json');
    await writeFile(fixedFile, JSON.stringify(flags));
    const queries = await loadExperimentQueries();
    const engine = await DuckDbQueryEngine.open({ root: join(withEffect, 'lake'), tables, threads: 1 });
    let gmv: number[];
    try {
      const units = queries.unitsSql({
        expKey: 'search-ranking-v3',
        start: '2026-11-13',
        preFrom: '2026-10-16',
        to: day,
      });
      gmv = (
        (await engine.query(`SELECT gmv_per_user FROM (${units}) AS u`)) as { gmv_per_user: number }[]
      ).map((r) => Number(r.gmv_per_user));
    } finally {
      await engine.close();
    }
    const mean = gmv.reduce((a, b) => a + b, 0) / gmv.length;
    const sd = Math.sqrt(gmv.reduce((a, b) => a + (b - mean) ** 2, 0) / (gmv.length - 1));
    // Act
    const sequential = row(await analyze(withEffect), 'gmv_per_user', 'treatment');
    const fixed = row(await analyze(withEffect, '--flags', fixedFile), 'gmv_per_user', 'treatment');
    const control = row(await analyze(withEffect, '--flags', fixedFile), 'gmv_per_user', 'control');
    const power = await lakeops(
      withEffect,
      'exp',
      'power',
      '--effect',
      '0.03',
      '--mean',
      String(mean),
      '--sd',
      String(sd),
    );
    const text = await lakeops(withEffect, 'exp', 'analyze', 'search-ranking-v3', '--day', day);
    // Assess: the MDE is (z 0.975 + z 0.8) / t 0.975 of the fixed half-width (t at ~800 df ≈ 1.963)
    const halfwidth = ((fixed.ci_high ?? 0) - (fixed.ci_low ?? 0)) / 2;
    expect((fixed.mde ?? 0) / halfwidth).toBeCloseTo((1.959964 + 0.841621) / 1.962, 2);
    expect(fixed.p_value).toBeGreaterThan(0.05);
    // +3 % of this lake's GMV per user is about 1; the lake can only find an effect several times that
    expect((fixed.mde ?? 0) / control.mean).toBeGreaterThan(0.2);
    expect(sequential.mde ?? 0).toBeGreaterThan(fixed.mde ?? 0);
    expect(power.code).toBe(0);
    const needed = JSON.parse(power.stdout) as { n: { control: number; treatment: number } };
    expect(needed.n.control).toBeGreaterThan(50 * control.n);
    // the two paths agree: MDE shrinks as 1/√n, so at the n exp power asks for it is about 3 % (CUPED's
    // small reduction and the unequal split keep it a little under)
    const scaled = ((fixed.mde ?? 0) / control.mean) * Math.sqrt(control.n / needed.n.control);
    expect(scaled).toBeGreaterThan(0.027);
    expect(scaled).toBeLessThan(0.031);
    expect(text.stdout).toMatch(/gmv_per_user treatment: .*, MDE [\d.]+ \(\d+\.\d\d %\)/);
  });

  it('CUPED shrinks the interval and reports by how much: variance_reduction = 1 − (width with / width without)²', async () => {
    // Act
    const cuped = await analyze(withEffect);
    const raw = await analyze(withEffect, '--no-cuped');
    // Assess
    for (const metric of ['gmv_per_user', 'conversion_rate']) {
      const withCuped = row(cuped, metric, 'treatment');
      const withoutCuped = row(raw, metric, 'treatment');
      expect(withoutCuped.variance_reduction).toBeNull();
      expect(withCuped.variance_reduction).toBeGreaterThan(0);
      expect(width(withCuped)).toBeLessThan(width(withoutCuped));
      expect(1 - (width(withCuped) / width(withoutCuped)) ** 2).toBeCloseTo(
        withCuped.variance_reduction ?? 0,
        9,
      );
    }
  });

  it('writes gold.exp_results as Parquet under gold/exp_results/dt=…/exp_key=…, the same rows read back, replaced on a re-run, no user id', async () => {
    // Prepare
    const dir = join(withEffect, 'lake', 'gold', 'exp_results', `dt=${day}`, 'exp_key=search-ranking-v3');
    // Act
    const first = await analyze(withEffect);
    const again = await analyze(withEffect);
    const files = await readdir(dir);
    const engine = await DuckDbQueryEngine.open({ root: join(withEffect, 'lake'), tables, threads: 1 });
    let stored: Record<string, unknown>[];
    let dataTests: Awaited<ReturnType<typeof runDataTests>>;
    try {
      dataTests = await runDataTests({ engine }, [expResults]);
      stored = (await engine.query(
        `SELECT metric, variant, n, mean, delta, ci_low, ci_high, p_value, method, variance_reduction, guardrail_breached
         FROM gold.exp_results WHERE dt = '${day}' AND exp_key = 'search-ranking-v3' ORDER BY metric, variant`,
      )) as Record<string, unknown>[];
    } finally {
      await engine.close();
    }
    // Assess
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => f.endsWith('.parquet'))).toBe(true);
    expect(stored).toHaveLength(again.rows.length);
    expect(dataTests.filter((t) => t.failures > 0)).toEqual([]);
    expect(dataTests.length).toBeGreaterThan(10);
    const pick = (r: ExpResultRow) => ({
      metric: r.metric,
      variant: r.variant,
      n: r.n,
      mean: r.mean,
      delta: r.delta,
      ci_low: r.ci_low,
      ci_high: r.ci_high,
      p_value: r.p_value,
      method: r.method,
      variance_reduction: r.variance_reduction,
      guardrail_breached: r.guardrail_breached,
    });
    const expected = [...first.rows]
      .sort((x, y) => `${x.metric}/${x.variant}`.localeCompare(`${y.metric}/${y.variant}`))
      .map(pick);
    expect(stored).toEqual(expected);
    expect(expResults.userColumns).toEqual([]);
    expect(expResults.columns.filter((c) => /user|unit|anon/.test(c.name))).toEqual([]);
    expect(first.skipped).toEqual([
      { metric: 'slo_latency_p95', reason: 'no per-user data for it in the lake' },
    ]);
  });

  it('an experiment declared 80/20 over a 50/50 split: exp.srm.detected in the published events, valid against its contract', async () => {
    // Prepare
    const flags = JSON.parse(await readFile(join(repoRoot, 'examples/experiments.json'), 'utf8'));
    flags.values['search-ranking-v3'].weights = [80, 20];
    const file = join(withEffect, 'skewed.json');
    await writeFile(file, JSON.stringify(flags));
    // Act
    const { code, stdout } = await lakeops(
      withEffect,
      'exp',
      'analyze',
      'search-ranking-v3',
      '--day',
      day,
      '--flags',
      file,
      '--json',
    );
    const published = (await readFile(join(withEffect, 'events', 'published.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { source: string; 'detail-type': string; detail: unknown });
    // Assess
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as Analysis).srm.mismatch).toBe(true);
    const srm = published.filter((e) => e['detail-type'] === 'exp.srm.detected');
    expect(srm).toHaveLength(1);
    expect(srm[0]?.source).toBe('lakeops.experiments');
    expect(validateDetail('exp.srm.detected', srm[0]?.detail)).toEqual({ ok: true, unknownFields: [] });
  });

  it('the daily exp-analyze schedule (lakeops run, due 2026-11-20T03:30Z) analyses every running experiment as of the day before and skips those it cannot', async () => {
    // Act
    const { code, stdout, stderr } = await lakeops(
      without,
      'run',
      'exp-analyze',
      '--at',
      '2026-11-20T03:30:00Z',
    );
    const engine = await DuckDbQueryEngine.open({ root: join(without, 'lake'), tables, threads: 1 });
    let written: Record<string, unknown>[];
    try {
      written = (await engine.query(
        "SELECT dt, exp_key, count(*) AS n FROM gold.exp_results WHERE dt = '2026-11-19' GROUP BY dt, exp_key",
      )) as Record<string, unknown>[];
    } finally {
      await engine.close();
    }
    // Assess
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^exp-analyze \(aws\.scheduler \/ Scheduled Event, id [^)]+\): done\n$/);
    // checkout-cta and search-ranking have no exposures on this lake: skipped, nothing written
    expect(written).toEqual([{ dt: '2026-11-19', exp_key: 'search-ranking-v3', n: 10 }]);
  });

  it('an experiment without exposures on the lake: one line, exit 1', async () => {
    // Act
    const { code, stdout, stderr } = await lakeops(
      withEffect,
      'exp',
      'analyze',
      'checkout-cta',
      '--day',
      day,
    );
    // Assess
    expect({ code, stdout, stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: "lakeops exp: no exposed units of 'checkout-cta' up to 2026-11-20\n",
    });
  });

  it('its SQL parses as Trino for Athena: the units query and the VALUES write wrapped in the typed projection', async () => {
    // Prepare
    const queries = await loadExperimentQueries();
    const { typedSelect } = await import('@lakeops/lake');
    const rows = (await analyze(withEffect)).rows;
    const trino = new nodeSqlParser.Parser();
    // Act
    const texts = [
      queries.firstExposureSql('search-ranking-v3'),
      queries.unitsSql({ expKey: 'search-ranking-v3', start: '2026-11-13', preFrom: '2026-10-16', to: day }),
      typedSelect(expResults, queries.resultsSql(rows), 'athena'),
    ];
    // Assess
    for (const text of texts) expect(() => trino.astify(text, { database: 'trino' })).not.toThrow();
    expect(() => queries.unitsSql({ expKey: "x' OR '1'='1", start: day, preFrom: day, to: day })).toThrow(
      "experiment key 'x' OR '1'='1' is not a flag key",
    );
  });
});
