import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessDeniedError, QueryFailedError } from '@lakeops/core';
import { repoRoot } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { queryAs } from '../src/query-as.ts';
import { captureContext } from './capture-context.ts';

const env = (home: string) => ({ LAKEOPS_HOME: home, LAKEOPS_STAGE: 'prod' });
let home: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'lakeops-query-as-'));
  const seeded = captureContext({ env: env(home), cwd: home });
  expect(await main(['seed', '--days', '2', '--users', '200', '--end', '2026-11-20'], seeded.ctx)).toBe(0);
  // The repo policy applied to the local Lake Formation state by `lakeops start` + `perms apply`.
  const platform = captureContext({ env: env(home) });
  const running = main(['start', '--port', '0', '--no-seed'], platform.ctx);
  const deadline = Date.now() + 60_000;
  while (!platform.out.stdout.includes('Ready.') && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  const url = /lake formation (http:\/\/127\.0\.0\.1:\d+)/.exec(platform.out.stdout)?.[1] as string;
  const applied = captureContext({ env: env(home) });
  const code = await main(['perms', 'apply', '--endpoint', url], applied.ctx);
  platform.controller.abort();
  expect(await running).toBe(0);
  expect(applied.out.stderr).toBe('');
  expect(code).toBe(0);
}, 120_000);

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const as = (principal: string, sql: string) =>
  queryAs({ home, cwd: repoRoot, env: env(home), principal, sql });
const denied = (principal: string, sql: string) =>
  as(principal, sql).then(
    () => undefined,
    (e: unknown) => e as Error,
  );

describe('queryAs (lakeops query --as)', () => {
  it('shows an analyst filtered to Lisbon only the Lisbon rows of silver.fact_booking_legs', async () => {
    // Prepare
    const sql =
      'SELECT city_id, count(*) AS n FROM silver.fact_booking_legs GROUP BY city_id ORDER BY city_id';
    // Act
    const lis = await as('analyst-lis', sql);
    const everyone = await as('analyst', sql);
    // Assess
    expect(lis.map((r) => r.city_id)).toEqual(['lis']);
    expect(everyone.length).toBeGreaterThan(1);
    expect(lis[0]?.n).toBe(everyone.find((r) => r.city_id === 'lis')?.n);
  });

  it('answers SELECT * with the granted columns only, and names a hidden column when asked for it', async () => {
    // Prepare
    // Act
    const rows = await as('analyst-lis', 'SELECT * FROM silver.fact_booking_legs LIMIT 1');
    const column = await denied('analyst-lis', 'SELECT user_id FROM silver.fact_booking_legs');
    // Assess
    expect(Object.keys(rows[0] ?? {})).not.toContain('user_id');
    expect(Object.keys(rows[0] ?? {})).not.toContain('seller_id');
    expect(Object.keys(rows[0] ?? {})).toContain('amount');
    expect(column).toBeInstanceOf(AccessDeniedError);
    expect(column?.message).toBe('analyst-lis may not read column user_id of silver.fact_booking_legs');
  });

  it('denies email_sha256 to the analysts whatever the route: direct, join, subquery, CTE, view, file read', async () => {
    // Prepare
    const attempts = [
      'SELECT email_sha256 FROM silver_private.users_private',
      'SELECT * FROM silver_private.users_private',
      'SELECT l.city_id, u.email_sha256 FROM silver.fact_booking_legs l JOIN silver_private.users_private u ON true',
      'SELECT * FROM silver.fact_booking_legs WHERE leg_id IN (SELECT user_id FROM silver_private.users_private)',
      'WITH v AS (SELECT * FROM silver_private.users_private) SELECT email_sha256 FROM v',
    ];
    // Act
    const errors = await Promise.all(attempts.map((sql) => denied('analyst-lis', sql)));
    const view = await denied('analyst', 'CREATE VIEW v AS SELECT * FROM gold.kpi_gmv_daily');
    const privateView = await denied(
      'analyst-lis',
      'CREATE VIEW v AS SELECT email_sha256 FROM silver_private.users_private',
    );
    const file = await denied(
      'analyst',
      `SELECT * FROM read_parquet('${join(home, 'lake/silver_private/*/*.parquet')}')`,
    );
    const privacy = await as(
      'privacy-officer',
      'SELECT count(email_sha256) AS n FROM silver_private.users_private',
    );
    // Assess
    expect(errors.map((e) => e?.message)).toEqual(
      Array(5).fill('analyst-lis has no SELECT on silver_private.users_private'),
    );
    expect(privateView).toBeInstanceOf(AccessDeniedError);
    expect(privateView?.message).toBe('analyst-lis has no SELECT on silver_private.users_private');
    expect(view).toBeInstanceOf(QueryFailedError);
    expect(view?.message).toContain('read-only');
    expect(file).toBeInstanceOf(AccessDeniedError);
    expect(Number(privacy[0]?.n)).toBeGreaterThan(0);
  });

  it('filters rows the same way through a subquery and a join', async () => {
    // Prepare
    // Act
    const sub = await as(
      'analyst-lis',
      "SELECT count(*) AS n FROM (SELECT * FROM silver.fact_booking_legs WHERE city_id <> 'lis') t",
    );
    const join_ = await as(
      'analyst-lis',
      'SELECT DISTINCT a.city_id FROM silver.fact_booking_legs a JOIN silver.fact_booking_legs b ON a.leg_id = b.leg_id',
    );
    // Assess
    expect(Number(sub[0]?.n)).toBe(0);
    expect(join_.map((r) => r.city_id)).toEqual(['lis']);
  });
});

describe('lakeops query --as (the command)', () => {
  it('prints what the principal may see, and refuses in one line what it may not', async () => {
    // Prepare
    const sql = 'SELECT DISTINCT city_id FROM silver.fact_booking_legs ORDER BY city_id';
    const seen = captureContext({ env: env(home), cwd: repoRoot });
    const refused = captureContext({ env: env(home), cwd: repoRoot });
    // Act
    const ok = await main(['query', '--as', 'analyst-lis', '--json', sql], seen.ctx);
    const no = await main(
      ['query', '--as', 'analyst-lis', 'SELECT email_sha256 FROM silver_private.users_private'],
      refused.ctx,
    );
    // Assess
    expect(ok).toBe(0);
    expect(seen.out.stdout.trim().split('\n')).toEqual(['{"city_id":"lis"}']);
    expect(no).toBe(1);
    expect(refused.out.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.out.stderr).toContain('silver_private.users_private');
    expect(refused.out.stdout).toBe('');
  });
});
