import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

describe('lakeops exp', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lakeops-exp-'));
    await writeFile(join(dir, 'one.csv'), 'variant,value\ncontrol,1\ncontrol,2\n');
    await writeFile(join(dir, 'empty.csv'), 'variant,value\n');
    await writeFile(join(dir, 'blank.csv'), 'variant,value\ncontrol,1\ntreatment,\n');
    await writeFile(join(dir, 'text.csv'), 'variant,value\ncontrol,1\ntreatment,abc\n');
    await writeFile(join(dir, 'one-value.csv'), 'value\n5\n');
    await writeFile(join(dir, 'same.csv'), '5\n5\n5\n');
    await writeFile(join(dir, 'word.csv'), '5\nabc\n');
    await writeFile(
      join(dir, 'bad-flags.json'),
      JSON.stringify({
        version: '1',
        flags: { x: {} },
        values: { x: { enabled: true, salt: 's', variants: ['a'], weights: [100] } },
      }),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const run = async (...args: string[]) => {
    const { ctx, out } = captureContext({ cwd: repoRoot, env: { LAKEOPS_HOME: join(dir, 'home') } });
    const code = await main(['exp', ...args], ctx);
    return { code, ...out };
  };

  it('assign prints the variant from examples/experiments.json (bucket 46 < 5000 by Python hashlib: control), the same in a separate process', async () => {
    // Act
    const inProcess = await run('assign', '--exp', 'checkout-cta', '--user', 'u_123');
    const child = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'packages/cli/bin/lakeops.js'),
        'exp',
        'assign',
        '--exp',
        'checkout-cta',
        '--user',
        'u_123',
      ],
      { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, LAKEOPS_HOME: join(dir, 'home') } },
    );
    // Assess
    expect(inProcess).toEqual({ code: 0, stdout: 'control\n', stderr: '' });
    expect({ status: child.status, stdout: child.stdout }).toEqual({ status: 0, stdout: 'control\n' });
  });

  it('assign --json gives the bucket (5010 by Python hashlib; search-ranking owns 0-199 and 1000-2799), and the reason when the user is outside the allocation', async () => {
    // Act
    const { code, stdout } = await run('assign', '--exp', 'search-ranking', '--user', 'u_1', '--json');
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      exp: 'search-ranking',
      variant: null,
      bucket: 5010,
      in_experiment: false,
      reason: 'not-allocated',
    });
  });

  it.each([
    [
      ['assign', '--exp', 'nope', '--user', 'u1'],
      1,
      "lakeops: unknown experiment 'nope' (known: checkout-cta, search-ranking, search-ranking-v3)",
    ],
    [
      ['assign', '--exp', 'dark-mode', '--user', 'u1'],
      1,
      "lakeops: 'dark-mode' is a feature flag without variants, not an experiment",
    ],
    [
      ['assign', '--exp', 'x', '--user', 'u1', '--flags', 'missing.json'],
      1,
      'lakeops: cannot read missing.json: ENOENT',
    ],
    [['assign', '--user', 'u1'], 2, 'lakeops: assign needs --exp KEY'],
    [['assign', '--exp', 'checkout-cta'], 2, 'lakeops: assign needs --user ID'],
    [['shuffle'], 2, "lakeops: unknown action 'shuffle' (assign, stats, power or analyze)"],
    [
      ['analyze', 'nope'],
      1,
      "lakeops: unknown experiment 'nope' (known: checkout-cta, search-ranking, search-ranking-v3)",
    ],
    [
      ['analyze', 'search-ranking-v3'],
      1,
      "lakeops: no exposures of 'search-ranking-v3' in silver.dim_exposure (is the lake built?)",
    ],
    [['analyze'], 2, 'lakeops: analyze needs the experiment key, e.g. lakeops exp analyze search-ranking-v3'],
    [['analyze', 'search-ranking-v3', 'checkout-cta'], 2, "lakeops: unexpected argument 'checkout-cta'"],
    [
      ['analyze', 'search-ranking-v3', '--day', '2026-13-01'],
      2,
      "lakeops: --day must be a date YYYY-MM-DD, got '2026-13-01'",
    ],
    [
      ['analyze', 'search-ranking-v3', '--pre-days', '0'],
      2,
      "lakeops: --pre-days must be a whole number from 1 to 366, got '0'",
    ],
    [['analyze', 'search-ranking-v3', '--csv', 'x.csv'], 2, 'lakeops: --csv is not an option of analyze'],
    [
      ['assign', '--exp', 'checkout-cta', '--user', 'u1', '--day', '2026-11-01'],
      2,
      'lakeops: --day is for analyze',
    ],
    [['power', '--mean', '1', '--sd', '1'], 2, 'lakeops: power needs --effect R (0.03 = +3 %)'],
    [
      ['power', '--effect', 'x', '--mean', '1', '--sd', '1'],
      2,
      "lakeops: --effect must be a relative effect other than 0, above -1, got 'x'",
    ],
    [['power', '--effect', '0.03', '--sd', '1'], 2, 'lakeops: power needs --mean M (or --csv FILE)'],
    [['power', '--effect', '0.03', '--mean', '1'], 2, 'lakeops: power needs --sd S (or --csv FILE)'],
    [
      ['power', '--effect', '0.03', '--mean', '1', '--sd', '0'],
      2,
      "lakeops: --sd must be a number above 0, got '0'",
    ],
    [
      ['power', '--effect', '0.03', '--mean', '1', '--sd', '1', '--power', '1'],
      2,
      "lakeops: --power must be between 0 and 1, got '1'",
    ],
    [
      ['power', '--effect', '0.03', '--mean', '2', '--metric-type', 'proportion'],
      2,
      "lakeops: --mean of a proportion must be between 0 and 1, got '2'",
    ],
    [
      ['power', '--effect', '0.03', '--mean', '1', '--csv', 'x.csv'],
      2,
      'lakeops: give --csv or --mean/--sd, not both',
    ],
    [
      ['power', '--effect', '0.03', '--csv', 'examples/nope.csv'],
      1,
      'lakeops: cannot read examples/nope.csv: ENOENT',
    ],
    [['stats', '--csv', 'x.csv', '--effect', '0.03'], 2, 'lakeops: --effect is for power'],
    ...(
      [
        ['one-value.csv', '1 value; a standard deviation needs 2'],
        ['same.csv', 'every value is the same; no effect can be measured'],
        ['word.csv', "line 2: value 'abc' is not a number"],
      ] as const
    ).map(([file, why]): [string[], number, string] => [
      ['power', '--effect', '0.03', '--csv', `{dir}/${file}`],
      1,
      `lakeops: {dir}/${file}: ${why}`,
    ]),
  ])('%j fails with exit %i and one line', async (args, exitCode, line) => {
    // Act
    const { code, stdout, stderr } = await run(...args.map((a) => a.replace('{dir}', dir)));
    // Assess
    expect({ code, stdout, stderr }).toEqual({
      code: exitCode,
      stdout: '',
      stderr: `${line.replace('lakeops:', 'lakeops exp:').replace('{dir}', dir)}\n`,
    });
  });

  it('names the broken rule of an invalid flags file in one line', async () => {
    // Act
    const { code, stderr } = await run(
      'assign',
      '--exp',
      'x',
      '--user',
      'u1',
      '--flags',
      join(dir, 'bad-flags.json'),
    );
    // Assess
    expect(code).toBe(1);
    expect(stderr).toBe(
      `lakeops exp: ${join(dir, 'bad-flags.json')}: values.x.variants must name at least two variants\n`,
    );
  });

  it('stats prints one JSON object: CUPED finds the +3 % effect in examples/exp-gmv.csv that Welch alone misses', async () => {
    // Act
    const plain = await run('stats', '--csv', 'examples/exp-gmv.csv', '--metric-type', 'mean');
    const cuped = await run('stats', '--csv', 'examples/exp-gmv.csv', '--metric-type', 'mean', '--cuped');
    // Assess
    expect([plain.code, cuped.code, plain.stderr, cuped.stderr]).toEqual([0, 0, '', '']);
    const [p, c] = [plain.stdout, cuped.stdout].map((o) => JSON.parse(o) as Record<string, unknown>);
    expect(plain.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(p).toMatchObject({
      variants: { control: { n: 2000 }, treatment: { n: 2000 } },
      method: 'welch-t',
      variance_reduction: null,
    });
    expect(Number(p?.p_value)).toBeGreaterThan(0.05);
    expect(c).toMatchObject({ method: 'cuped-welch-t' });
    expect(Number(c?.p_value)).toBeLessThan(0.001);
    expect(Number(c?.variance_reduction)).toBeGreaterThan(0.9);
    expect(Number(c?.ci_low)).toBeLessThan(3 * 1.0113); // the injected effect: 3 % of E[GMV] ≈ 3.03 per user
    expect(Number(c?.ci_high)).toBeGreaterThan(3 * 1.0113);
  });

  it('stats reports the minimum detectable effect: about (1.96 + 0.84) / 1.96 of the 95 % half-width; the raw comparison cannot find +3 %, CUPED can', async () => {
    // Act
    const plain = JSON.parse(
      (await run('stats', '--csv', 'examples/exp-gmv.csv', '--metric-type', 'mean')).stdout,
    );
    const cuped = JSON.parse(
      (await run('stats', '--csv', 'examples/exp-gmv.csv', '--metric-type', 'mean', '--cuped')).stdout,
    );
    // Assess: z quantiles 0.975 and 0.8 from any table; Welch's t at ~4,000 df is within 1e-3 of z
    for (const r of [plain, cuped]) {
      const halfwidth = (r.ci_high - r.ci_low) / 2;
      expect(r.mde / halfwidth).toBeCloseTo((1.959964 + 0.841621) / 1.959964, 3);
    }
    expect(plain.mde).toBeGreaterThan(3 * 1.0113);
    expect(cuped.mde).toBeLessThan(3 * 1.0113);
  });

  it('power gives the units per variant statsmodels NormalIndPower.solve_power gives, rounded up', async () => {
    // Act: effect sizes 0.0174 (50/50) and 0.2 (10/90) as mean 1, sd 1, relative effect = d
    const even = await run('power', '--effect', '0.0174', '--mean', '1', '--sd', '1');
    const skewed = await run('power', '--effect', '0.2', '--mean', '1', '--sd', '1', '--weights', '10,90');
    // Assess: statsmodels 0.13.5: nobs1 = 51848.728427 and 218.023902 (test/fixtures of packages/experiments)
    expect(even).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(even.stdout)).toEqual({
      effect: 0.0174,
      delta: 0.0174,
      mean: 1,
      sd: 1,
      effect_size: 0.0174,
      alpha: 0.05,
      power: 0.8,
      n: { control: 51849, treatment: 51849 },
      total: 103698,
    });
    expect(JSON.parse(skewed.stdout)).toMatchObject({ n: { control: 219, treatment: 1971 }, total: 2190 });
  });

  it('power reads the mean and sd from a CSV, and a proportion implies its sd', async () => {
    // Prepare
    await writeFile(join(dir, 'values.csv'), '10\n20\n30\n40\n');
    // Act
    const fromCsv = JSON.parse(
      (await run('power', '--effect', '0.1', '--csv', join(dir, 'values.csv'))).stdout,
    );
    const rate = JSON.parse(
      (await run('power', '--effect', '0.1', '--mean', '0.2', '--metric-type', 'proportion')).stdout,
    );
    // Assess: mean 25, sample sd sqrt(500/3); a rate of 0.2 has sd 0.4
    expect(fromCsv).toMatchObject({ mean: 25, delta: 2.5 });
    expect(fromCsv.sd).toBeCloseTo(Math.sqrt(500 / 3), 12);
    expect(rate.sd).toBeCloseTo(0.4, 15);
    expect(rate.effect_size).toBeCloseTo(0.05, 15);
  });

  it('stats --weights adds the SRM check: 2,000 / 2,000 under 50/50 is no mismatch', async () => {
    // Act
    const { code, stdout } = await run(
      'stats',
      '--csv',
      'examples/exp-gmv.csv',
      '--metric-type',
      'mean',
      '--weights',
      '50,50',
    );
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ srm_p_value: 1, srm_mismatch: false });
  });

  it('stats --sequential widens the interval (always valid) and says so in method', async () => {
    // Act
    const { code, stdout } = await run(
      'stats',
      '--csv',
      'examples/exp-gmv.csv',
      '--metric-type',
      'mean',
      '--cuped',
      '--sequential',
    );
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ method: 'sequential-normal-mixture-cuped' });
  });

  it.each([
    ['one.csv', ["one variant ('control'); a comparison needs two"]],
    ['empty.csv', ['no rows']],
    ['blank.csv', ['line 3: empty value']],
    ['text.csv', ["line 3: value 'abc' is not a number"]],
  ])('stats refuses %s in one line with exit 1', async (file, [message]) => {
    // Act
    const { code, stdout, stderr } = await run('stats', '--csv', join(dir, file), '--metric-type', 'mean');
    // Assess
    expect({ code, stdout, stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: `lakeops exp: ${join(dir, file)}: ${message}\n`,
    });
  });

  it.each([
    [['stats', '--csv', 'x.csv'], 'lakeops exp: stats needs --metric-type mean|proportion'],
    [
      ['stats', '--csv', 'x.csv', '--metric-type', 'median'],
      "lakeops exp: --metric-type must be mean or proportion, got 'median'",
    ],
    [['stats', '--metric-type', 'mean'], 'lakeops exp: stats needs --csv FILE'],
    [
      ['stats', '--csv', 'x.csv', '--metric-type', 'mean', '--weights', '50'],
      `lakeops exp: --weights must be two positive numbers "control,treatment", got '50'`,
    ],
    [
      ['stats', '--csv', 'x.csv', '--metric-type', 'mean', '--user', 'u1'],
      'lakeops exp: --user is for assign',
    ],
  ])('stats usage mistake %j exits 2', async (args, line) => {
    // Act
    const { code, stderr } = await run(...args);
    // Assess
    expect({ code, stderr }).toEqual({ code: 2, stderr: `${line}\n` });
  });
});
