import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

const START = Date.UTC(2025, 0, 6) / 86_400_000; // a Monday
const iso = (t: number) => new Date((START + t) * 86_400_000).toISOString().slice(0, 10);
/** 12 weeks of flat GMV with weekends 40 % up; day 72 (a Friday) drops to 55 %, day 70 is missing. */
const gmvCsv = [
  'date,value,label',
  ...Array.from({ length: 84 }, (_, t) => {
    const v = 10_000 * (t % 7 >= 5 ? 1.4 : 1) * (1 + 0.02 * Math.sin(t * 1.7)) * (t === 74 ? 0.55 : 1);
    return t === 70 ? `${iso(t)},,0` : `${iso(t)},${v.toFixed(2)},${t === 74 ? 1 : 0}`;
  }),
].join('\n');

describe('lakeops kpi', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lakeops-kpi-'));
    await writeFile(join(dir, 'gmv.csv'), gmvCsv);
    await writeFile(join(dir, 'zero.csv'), 'date,clicks,impressions\n2025-01-06,0,0\n2025-01-07,5,100\n');
    await writeFile(join(dir, 'bad.csv'), 'date,value\n2025-01-06,abc\n');
    await writeFile(join(dir, 'empty-city.csv'), 'city,date,value\nlis,2025-01-06,100\nboise,2025-01-06,\n');
    await writeFile(join(dir, 'twice.csv'), 'date,value,label\n2025-01-06,1,0\n2025-01-06,2,0\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const run = async (...args: string[]) => {
    const { ctx, out } = captureContext({ cwd: dir, env: { LAKEOPS_HOME: join(dir, 'home') } });
    const code = await main(['kpi', ...args], ctx);
    return { code, ...out };
  };

  it('detect prints one JSON line per flagged day with the documented keys', async () => {
    // Act
    const { code, stdout, stderr } = await run('detect', '--csv', 'gmv.csv');
    // Assess
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(Object.keys(lines[0] ?? {})).toEqual([
      'date',
      'observed',
      'baseline',
      'delta_pct',
      'detector',
      'severity',
    ]);
    expect(lines[0]).toMatchObject({ date: iso(74), detector: 'robust', severity: 'critical' });
    expect(Math.round(Number(lines[0]?.delta_pct))).toBe(-45);
  });

  it('detect names the cities behind an anomaly of the total (scope all)', async () => {
    // Prepare: Lisbon (60 % of GMV) falls to 20 % on day 74; Madrid stays
    const lines = ['city,date,value'];
    for (let t = 0; t < 84; t++) {
      const wiggle = 1 + 0.02 * Math.sin(t * 1.7);
      const lis = 6000 * wiggle * (t === 74 ? 0.2 : 1);
      const mad = 4000 * wiggle;
      lines.push(
        `all,${iso(t)},${(lis + mad).toFixed(2)}`,
        `lis,${iso(t)},${lis.toFixed(2)}`,
        `mad,${iso(t)},${mad.toFixed(2)}`,
      );
    }
    await writeFile(join(dir, 'cities.csv'), lines.join('\n'));
    // Act
    const { code, stdout } = await run('detect', '--csv', 'cities.csv');
    // Assess
    const flagged = stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { scope: string; drivers?: { city: string; share: number }[] });
    expect(code).toBe(0);
    expect(flagged.map((f) => f.scope)).toEqual(['all', 'lis']);
    expect(flagged[0]?.drivers?.map((d) => d.city)).toEqual(['lis']);
    expect(flagged[0]?.drivers?.[0]?.share).toBeGreaterThan(0.9);
  });

  it('detect --detector plan-7d flags the weekends the robust detector leaves alone', async () => {
    // Act
    const { code, stdout } = await run('detect', '--csv', 'gmv.csv', '--detector', 'plan-7d');
    // Assess
    const dates = stdout
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { date: string }).date);
    expect(code).toBe(0);
    expect(dates).toContain(iso(75)); // a Saturday, +26 % on the 7-day mean
    expect(dates.length).toBeGreaterThan(10);
  });

  it('detect --all says why a day was not judged: a missing day, a zero-impression day, an empty city', async () => {
    // Act
    const gmv = await run('detect', '--csv', 'gmv.csv', '--all');
    const ctr = await run('detect', '--csv', 'zero.csv', '--metric', 'ctr', '--detector', 'plan-7d', '--all');
    // Assess
    const missing = gmv.stdout.split('\n').find((l) => l.includes(iso(70)));
    expect(JSON.parse(missing ?? '{}')).toMatchObject({ status: 'skipped', observed: null, severity: null });
    expect(missing).toContain('the day is missing from the KPI table');
    expect(ctr.stdout.split('\n')[0]).toContain('has 0 impressions: CTR is undefined, not judged');
    const empty = await run('detect', '--csv', 'empty-city.csv', '--all');
    expect(empty.code).toBe(0);
    expect(empty.stdout.split('\n')).toContain(
      '{"scope":"boise","detector":"robust","status":"skipped","reason":"no rows for boise: nothing to judge"}',
    );
  });

  it('backtest prints precision, recall and F1 of both detectors from the labels', async () => {
    // Act
    const { code, stdout } = await run('backtest', '--csv', 'gmv.csv', '--json');
    // Assess
    const [robust, plan] = stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { detector: string; f1: number; falsePositives: number });
    expect(code).toBe(0);
    expect(robust).toMatchObject({ detector: 'robust', f1: 1, falsePositives: 0 });
    expect(plan?.detector).toBe('plan-7d');
    expect(plan?.falsePositives).toBeGreaterThan(10);
  });

  it('backtest on a committed fixture: robust F1 above plan-7d', async () => {
    // Prepare
    const { ctx, out } = captureContext({ cwd: repoRoot });
    // Act
    const code = await main(['kpi', 'backtest', '--csv', 'test/fixtures/kpi/gmv-seed103.csv'], ctx);
    // Assess
    const f1 = (name: string) => Number(new RegExp(`^${name} .*F1 ([0-9.]+)`, 'm').exec(out.stdout)?.[1]);
    expect(code).toBe(0);
    expect(f1('robust')).toBeGreaterThan(f1('plan-7d'));
  });

  it.each([
    [['detect', '--csv', 'missing.csv'], 1, 'lakeops kpi: cannot read missing.csv: ENOENT\n'],
    [['detect', '--csv', 'bad.csv'], 1, "lakeops kpi: bad.csv: line 2: value 'abc' is not a count ≥ 0\n"],
    [
      ['detect', '--csv', 'gmv.csv', '--metric', 'ctr'],
      1,
      "lakeops kpi: gmv.csv: line 1: --metric ctr needs 'clicks' and 'impressions' column\n",
    ],
    [['backtest', '--csv', 'zero.csv'], 1, "lakeops kpi: zero.csv: no 'label' column\n"],
    [['detect', '--csv', 'twice.csv'], 1, 'lakeops kpi: all: 2025-01-06 appears twice\n'],
    [['backtest', '--csv', 'twice.csv'], 1, 'lakeops kpi: all: 2025-01-06 appears twice\n'],
    [['backtest'], 2, 'lakeops kpi: backtest needs --csv FILE with a label column\n'],
    [
      ['detect', '--detector', 'zscore'],
      2,
      "lakeops kpi: --detector must be robust or plan-7d, got 'zscore'\n",
    ],
    [['estimate'], 2, "lakeops kpi: unknown action 'estimate' (detect or backtest)\n"],
  ])('%j exits %i with one line', async (args, exit, message) => {
    // Act
    const { code, stderr, stdout } = await run(...args);
    // Assess
    expect({ code, stderr, stdout }).toEqual({ code: exit, stderr: message, stdout: '' });
  });

  it('detect without --csv reads the local lake: total and per city, each day with a reason', async () => {
    // Prepare
    const home = join(dir, 'lake-home');
    const seeded = captureContext({ env: { LAKEOPS_HOME: home }, cwd: dir });
    expect(await main(['seed', '--days', '3', '--users', '300', '--end', '2026-11-20'], seeded.ctx)).toBe(0);
    const { ctx, out } = captureContext({ env: { LAKEOPS_HOME: home }, cwd: dir });
    // Act
    const code = await main(['kpi', 'detect', '--all'], ctx);
    // Assess: three days are too short a history for any baseline: nothing flagged, each says why
    const lines = out.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { scope: string; date: string; status: string; reason: string });
    expect(code).toBe(0);
    expect(lines.filter((l) => l.scope === 'all').map((l) => l.date)).toEqual([
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
    ]);
    expect(new Set(lines.map((l) => l.scope)).size).toBeGreaterThan(2);
    expect(lines.every((l) => l.status === 'skipped' && l.reason.includes('same-weekday days'))).toBe(true);
  }, 60_000);

  it('--help documents the output line and both detectors', async () => {
    // Act
    const { code, stdout } = await run('--help');
    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('{"date","observed","baseline","delta_pct","detector","severity"}');
    expect(stdout).toContain('plan-7d   the plan');
  });
});
