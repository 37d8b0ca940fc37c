import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

describe('lakeops check', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-check-'));
    const { ctx } = captureContext({ env: { LAKEOPS_HOME: home }, cwd: home });
    expect(await main(['seed', '--days', '3', '--users', '300', '--end', '2026-11-20'], ctx)).toBe(0);
    await writeFile(
      join(home, 'payments.json'),
      JSON.stringify({
        expectation_suite_name: 'payments',
        expectations: [
          {
            expectation_type: 'expect_column_values_to_be_between',
            kwargs: { column: 'amount', min_value: 0 },
          },
          {
            expectation_type: 'expect_column_values_to_be_between',
            kwargs: { column: 'amount', min_value: 1000000 },
            meta: { severity: 'warning' },
          },
          { expectation_type: 'expect_column_kl_divergence_to_be_less_than', kwargs: { column: 'amount' } },
        ],
      }),
    );
    await writeFile(
      join(home, 'failing.json'),
      JSON.stringify({
        expectations: [{ type: 'expect_column_values_to_be_in_set', column: 'method', value_set: ['card'] }],
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });
  const run = async (...args: string[]) => {
    const { ctx, out } = captureContext({ env: { LAKEOPS_HOME: home }, cwd: home });
    const code = await main(['check', ...args], ctx);
    return { code, ...out };
  };

  it('runs a table suite on one partition and exits 0 when only a warning failed', async () => {
    // Act
    const { code, stdout } = await run('--table', 'gold.kpi_gmv_daily', '--dt', '2026-11-20');
    // Assess: the seeded lake's first days grow faster than +100 %
    expect(code).toBe(0);
    expect(stdout).toMatch(/^pass +gold\.kpi_gmv_daily +a day has GMV rows +[0-9]+ +≥ 1 /m);
    expect(stdout).toMatch(/^pass +gold\.kpi_gmv_daily +unique\(dt, city_id\) /m);
    expect(stdout).toMatch(
      /^warn +gold\.kpi_gmv_daily +cities with GMV within -50 %\.\.\+100 % of the day before /m,
    );
    expect(stdout).toMatch(/expectations on dt 2026-11-20: 0 failed, 1 warnings\n$/);
  });

  it('--json prints one result per line with a stable identity', async () => {
    // Act
    const { code, stdout } = await run('--table', 'gold.kpi_gmv_daily', '--dt', '2026-11-20', '--json');
    // Assess
    const results = stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { identity: string; dt: string; success: boolean });
    expect(code).toBe(0);
    expect(results.map((r) => r.identity)).toContain(
      'gold.kpi_gmv_daily|expect_column_values_to_match_regex(currency)',
    );
    expect(results.every((r) => r.dt === '2026-11-20')).toBe(true);
    expect(results.filter((r) => !r.success).map((r) => r.identity)).toEqual([
      'gold.kpi_gmv_daily|cities with GMV within -50 %..+100 % of the day before',
    ]);
  });

  it('runs an imported GX suite: a warning does not fail, unsupported types are named and exit 1', async () => {
    // Act
    const { code, stdout, stderr } = await run(
      '--table',
      'silver.fact_payments',
      '--import-gx',
      'payments.json',
    );
    // Assess
    expect(stdout).toMatch(/^pass +silver\.fact_payments +expect_column_values_to_be_between\(amount\)/m);
    expect(stdout).toMatch(/^warn +silver\.fact_payments +expect_column_values_to_be_between\(amount\)/m);
    expect(stderr).toBe(
      'lakeops check: not run, unsupported: #3 expect_column_kl_divergence_to_be_less_than\n',
    );
    expect(code).toBe(1);
  });

  it('exits 1 on a failed expectation of severity error', async () => {
    // Act
    const { code, stdout } = await run('--table', 'silver.fact_payments', '--import-gx', 'failing.json');
    // Assess
    expect(code).toBe(1);
    expect(stdout).toMatch(/^FAIL +silver\.fact_payments +expect_column_values_to_be_in_set\(method\)/m);
    expect(stdout).toMatch(/: 1 failed, 0 warnings\n$/);
  });

  it.each([
    [
      ['--table', 'silver.nope'],
      2,
      "lakeops check: unknown table 'silver.nope' (a Silver, Silver private or Gold table as <zone>.<table>)\n",
    ],
    [['--dt', '20-11-2026'], 2, "lakeops check: --dt must be YYYY-MM-DD, got '20-11-2026'\n"],
    [
      ['--import-gx', 'payments.json'],
      2,
      'lakeops check: --import-gx needs --table (a GX suite does not name its table)\n',
    ],
    [
      ['--table', 'silver.fact_payments', '--import-gx', 'none.json'],
      1,
      'lakeops check: cannot read none.json: ENOENT\n',
    ],
  ])('%j exits %i with one line', async (args, exit, message) => {
    // Act
    const { code, stderr } = await run(...args);
    // Assess
    expect({ code, stderr }).toEqual({ code: exit, stderr: message });
  });
});
