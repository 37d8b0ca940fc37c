import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { filesUnder, payoutBacklogAgainstSilverSql } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalLake } from '../src/lake.ts';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('lakeops nrt', () => {
  let home: string;
  const run = async (args: string[], env: Record<string, string> = {}) => {
    const { ctx, out } = captureContext({ env: { LAKEOPS_HOME: home, ...env }, cwd: home });
    const code = await main(args, ctx);
    return { code, ...out };
  };
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-nrt-cli-'));
    const seeded = await run(['seed', '--days', '2', '--users', '200', '--seed', '3', '--no-build']);
    expect(seeded.code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('refreshes every view, then reports its status', async () => {
    // Act
    const refreshed = await run(['nrt', 'refresh']);
    const status = await run(['nrt', 'status', '--json']);
    const queried = await run(['query', 'SELECT count(*) AS n FROM nrt.payout_backlog', '--json']);
    // Assess
    expect(queried.code).toBe(0);
    expect(queried.stdout).toMatch(/"n":\s*[1-9]/);
    expect(refreshed.code).toBe(0);
    expect(refreshed.stdout).toMatch(/^nrt\.dispute_queue: refreshed hours 00(,\d\d)* \(/m);
    expect(refreshed.stdout).toMatch(/^nrt\.payout_backlog: refreshed hours 00(,\d\d)* \(/m);
    expect(refreshed.stdout).toMatch(/^nrt\.recon_gates: refreshed hours 00(,\d\d)* \(/m);
    const views = JSON.parse(status.stdout) as Record<string, unknown>[];
    expect(views.map((v) => v.view)).toEqual(['nrt.dispute_queue', 'nrt.payout_backlog', 'nrt.recon_gates']);
    for (const v of views) {
      expect(v).toMatchObject({ last_error: null, skips: 0, stale: false });
      expect(Number(v.rows)).toBeGreaterThan(0);
      expect(Number(v.lag_seconds)).toBeLessThan(60);
    }
  });

  it('refuses an unknown view with a usage error', async () => {
    // Act
    const result = await run(['nrt', 'refresh', '--view', 'nope']);
    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no NRT view named 'nope'");
  });

  it('refuses a retention that is not a whole number of days with a usage error', async () => {
    // Act
    const words = await run(['nrt', 'refresh'], { LAKEOPS_NRT_RETENTION_DAYS: 'ten' });
    const negative = await run(['nrt', 'refresh'], { LAKEOPS_NRT_RETENTION_DAYS: '-1' });
    // Assess
    expect([words.code, negative.code]).toEqual([2, 2]);
    expect(words.stderr).toContain(
      "LAKEOPS_NRT_RETENTION_DAYS must be a whole number of days ≥ 0, got 'ten'",
    );
    expect(negative.stderr).toContain("got '-1'");
  });

  it('under lakeops start, the schedule refreshes only the hour events arrived in (through the endpoint), and its numbers match Silver', async () => {
    // Prepare
    const controller = new AbortController();
    const { ctx, out } = captureContext({
      env: { LAKEOPS_HOME: home, LAKEOPS_SCHEDULE_SPEED: '300' },
      cwd: home,
      controller,
    });
    const running = main(['start', '--port', '0', '--no-seed'], ctx);
    try {
      await until(() => out.stdout.includes('Ready.'), 'Ready.');
      const refreshes = () => out.stdout.match(/nrt-refresh ← event [^:]+: done/g)?.length ?? 0;
      await until(() => refreshes() >= 1, 'a first scheduled refresh').catch((e) => {
        console.error(out.stdout.slice(-3000), out.stderr.slice(-2000));
        throw e;
      });
      const before = await filesUnder(join(home, 'lake', 'nrt'));
      const url = /endpoint\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out.stdout)?.[1] as string;
      const client = new EventBridgeClient({
        endpoint: url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      });
      const now = new Date();
      const hour = now.toISOString().slice(11, 13);
      const day = now.toISOString().slice(0, 10);
      const lake = await openLocalLake(home, 'read-only');
      const queued = async () =>
        Number(
          (
            await lake.engine.query(
              `SELECT sum(payouts) AS n FROM nrt.payout_backlog WHERE dt = '${day}' AND hour = '${hour}'`,
            )
          )[0]?.n,
        );
      const queuedBefore = await queued();
      // Act
      const put = await client.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: 'marketplace.payments',
              DetailType: 'payout.status_changed',
              Time: now,
              Detail: JSON.stringify({
                v: 1,
                payout_id: 'po_nrt_cli_1',
                status: 'scheduled',
                leg_id: 'bkg_nrt-l1',
                seller_id: 's000001',
                city_id: 'ber',
                amount: 12.5,
                currency: 'EUR',
              }),
            },
            {
              Source: 'marketplace.payments',
              DetailType: 'payment.captured',
              Time: now,
              Detail: JSON.stringify({
                v: 1,
                payment_id: 'pay_nrt_cli_1',
                booking_id: 'bkg_nrt',
                leg_id: 'bkg_nrt-l1',
                user_id: 'u000001',
                city_id: 'ber',
                amount: 40,
                currency: 'EUR',
                method: 'card',
              }),
            },
          ],
        }),
      );
      client.destroy();
      expect(put.FailedEntryCount).toBe(0);
      const seen = refreshes();
      await until(() => refreshes() >= seen + 2, 'two more scheduled refreshes');
      const after = await filesUnder(join(home, 'lake', 'nrt'));
      const queuedAfter = await queued();
      // The view's numbers against a direct query over Silver, built now from the same Bronze:
      // payouts scheduled before each hour's end and not paid or failed by then.
      const built = await run(['build', '--select', 'silver.fact_payouts,silver.fact_payments']);
      const perHour = await lake.engine.query(payoutBacklogAgainstSilverSql(day));
      const payments = await lake.engine.query(`
        SELECT coalesce(v.hour, s.hour) AS hour, coalesce(v.city_id, s.city_id) AS city_id,
          v.payments AS view_payments, s.payments AS silver_payments
        FROM (SELECT hour, city_id, payments FROM nrt.recon_gates WHERE dt = '${day}' AND payments > 0) AS v
        FULL JOIN (
          SELECT lpad(CAST(hour(occurred_at) AS VARCHAR), 2, '0') AS hour, city_id, count(*) AS payments
          FROM silver.fact_payments WHERE dt = '${day}' GROUP BY 1, 2
        ) AS s ON s.hour = v.hour AND s.city_id = v.city_id`);
      await lake.close();
      // Assess
      const changed = [...new Set([...before.keys(), ...after.keys()])]
        .filter((k) => !before.get(k)?.equals(after.get(k) ?? Buffer.alloc(0)))
        .map((k) => k.replace(/\/[^/]+\.parquet$/, ''));
      // The current hour's carry-over state is not written (the view computes it until the hour is over).
      expect([...new Set(changed)].sort()).toEqual([
        `payout_backlog/dt=${day}/hour=${hour}`,
        `recon_gates/dt=${day}/hour=${hour}`,
      ]);
      expect(queuedAfter).toBe(queuedBefore + 1);
      expect(built.code, built.stderr).toBe(0);
      expect(perHour.map((r) => r.hour)).toContain(hour);
      for (const row of perHour) expect(row.queued, `hour ${row.hour}`).toBe(row.silver_queued);
      // The payment put above (the seeded lake may hold others in this hour and city).
      const mine = payments.find((r) => r.hour === hour && r.city_id === 'ber');
      expect(Number(mine?.view_payments)).toBeGreaterThanOrEqual(1);
      for (const row of payments) {
        expect(row.view_payments, `payments ${row.hour} ${row.city_id}`).toBe(row.silver_payments);
      }
    } finally {
      controller.abort();
      expect(await running).toBe(0);
    }
  }, 120_000);
});
