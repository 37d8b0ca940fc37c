import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine, FsObjectStore } from '@lakeops/adapters-local';
import { validateDetail } from '@lakeops/contracts';
import {
  acquireLease,
  type Clock,
  type EventPublisher,
  type NrtView,
  nrtLeaseName,
  type PublishedEvent,
  readNrtSkips,
  readNrtViewRecord,
  refreshNrtViews,
} from '@lakeops/core';
import { buildLake, loadNrtViews, seedBronze, tables } from '@lakeops/lake';
import { InMemoryStateStore } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Records what is published, refusing (like the bus with strict contracts) a detail that breaks its contract. */
class RecordingPublisher implements EventPublisher {
  readonly events: PublishedEvent[] = [];
  async publish(events: readonly PublishedEvent[]): Promise<void> {
    for (const e of events) {
      const check = validateDetail(e.detailType, e.detail);
      if (!check.ok || check.unknownFields.length > 0)
        throw new Error(`${e.detailType} breaks its contract: ${JSON.stringify(check)}`);
    }
    this.events.push(...events);
  }
  take(detailType: string): PublishedEvent[] {
    const taken = this.events.filter((e) => e.detailType === detailType);
    this.events.length = 0;
    return taken;
  }
}

async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = join(dir, entry);
    if ((await stat(path)).isFile()) out.set(entry, await readFile(path));
  }
  return out;
}

const hourDirs = (files: Map<string, Buffer>) =>
  [...new Set([...files.keys()].map((k) => /dt=([^/]+)\/hour=(\d\d)/.exec(k)?.slice(1, 3).join('/')))]
    .filter((k): k is string => k !== undefined)
    .sort();

describe('refreshNrtViews over the local lake (DuckDB, Parquet)', () => {
  let home: string;
  let root: string;
  let engine: DuckDbQueryEngine;
  let views: NrtView[];
  let city: string;
  let now = new Date('2026-11-21T10:02:00.000Z');
  const clock: Clock = { now: () => now };
  const state = new InMemoryStateStore({ clock });
  const events = new RecordingPublisher();
  const deps = () => ({ engine, state, events, clock });
  let sequence = 0;

  async function arrive(
    types: { type: string; source: string; detail: Record<string, unknown> }[],
    at: string,
  ) {
    const lines = types.map(({ type, source, detail }) =>
      JSON.stringify({
        version: '0',
        id: `nrt-test-${++sequence}`,
        'detail-type': type,
        source,
        account: '000000000000',
        time: at,
        region: 'eu-west-1',
        resources: [],
        detail: { v: 1, ...detail },
      }),
    );
    const dir = join(root, 'bronze/events', `dt=${at.slice(0, 10)}`, `hour=${at.slice(11, 13)}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `bus-${sequence}.json`), `${lines.join('\n')}\n`);
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-nrt-'));
    root = join(home, 'lake');
    await seedBronze(
      { store: new FsObjectStore({ root }) },
      { days: 3, users: 300, seed: 7, end: new Date('2026-11-20T23:59:59.999Z') },
    );
    engine = await DuckDbQueryEngine.open({ root, tables, threads: 1 });
    views = await loadNrtViews();
    const cities = await engine.query('SELECT min(city_id) AS city_id FROM bronze.cities_snapshot');
    city = String(cities[0]?.city_id);
  });
  afterAll(async () => {
    await engine.close();
    await rm(home, { recursive: true, force: true });
  });

  it('writes every hour of today so far, with carried-over backlogs, before any event today', async () => {
    // Act
    const result = await refreshNrtViews(deps(), { views, runId: 'run-1' });
    // Assess
    expect(result.views.map((v) => [v.view, v.status])).toEqual([
      ['nrt.dispute_queue', 'refreshed'],
      ['nrt.payout_backlog', 'refreshed'],
      ['nrt.recon_gates', 'refreshed'],
    ]);
    for (const name of ['recon_gates', 'payout_backlog', 'dispute_queue']) {
      const hours = hourDirs(await filesUnder(join(root, 'nrt', name)));
      expect(hours, name).toEqual(
        Array.from({ length: 11 }, (_, h) => `2026-11-21/${String(h).padStart(2, '0')}`),
      );
    }
    const carried = await engine.query(
      "SELECT sum(payouts) AS queued FROM nrt.payout_backlog WHERE dt = '2026-11-21' AND hour = '00'",
    );
    expect(Number(carried[0]?.queued)).toBeGreaterThan(0);
    expect(events.take('nrt.refreshed').map((e) => e.detail.view)).toHaveLength(3);
  });

  it('rewrites only the touched hours; every other file stays byte for byte', async () => {
    // Prepare
    const before = await filesUnder(join(root, 'nrt'));
    await arrive(
      [
        {
          type: 'payment.captured',
          source: 'marketplace.payments',
          detail: {
            payment_id: 'p-t1',
            booking_id: 'b-t1',
            leg_id: 'l-t1',
            user_id: 'u0000001',
            city_id: city,
            amount: 40,
            currency: 'EUR',
            method: 'card',
          },
        },
        {
          type: 'booking.leg.status_changed',
          source: 'marketplace.bookings',
          detail: {
            booking_id: 'b-t1',
            leg_id: 'l-t1',
            status: 'confirmed',
            user_id: 'u0000001',
            seller_id: 's000001',
            service_id: 'svc000001',
            city_id: city,
            amount: 40,
            fee_amount: 4,
            currency: 'EUR',
          },
        },
      ],
      '2026-11-21T08:30:00.000Z',
    );
    await arrive(
      [
        {
          type: 'payout.status_changed',
          source: 'marketplace.payments',
          detail: {
            payout_id: 'po-t1',
            status: 'scheduled',
            leg_id: 'l-t1',
            seller_id: 's000001',
            city_id: city,
            amount: 36,
            currency: 'EUR',
          },
        },
      ],
      '2026-11-21T09:10:00.000Z',
    );
    now = new Date('2026-11-21T10:07:00.000Z');
    // Act
    const result = await refreshNrtViews(deps(), { views, runId: 'run-2' });
    // Assess
    const written = Object.fromEntries(
      result.views.map((v) => [v.view, v.status === 'refreshed' ? v.hours : v.status]),
    );
    expect(written).toEqual({
      'nrt.dispute_queue': 'unchanged',
      'nrt.payout_backlog': ['09', '10'],
      'nrt.recon_gates': ['08'],
    });
    const after = await filesUnder(join(root, 'nrt'));
    const changed = [...new Set([...before.keys(), ...after.keys()])]
      .filter((k) => !before.get(k)?.equals(after.get(k) ?? Buffer.alloc(0)))
      .map((k) => k.replace(/\/[^/]+\.parquet$/, ''))
      .sort();
    expect([...new Set(changed)]).toEqual([
      'payout_backlog/dt=2026-11-21/hour=09',
      'payout_backlog/dt=2026-11-21/hour=10',
      'recon_gates/dt=2026-11-21/hour=08',
    ]);
    const record = await readNrtViewRecord(state, 'nrt.payout_backlog');
    expect(record?.watermark).toBe('2026-11-21T09:10:00.000Z');
    expect(record?.lastHours).toEqual(['09', '10']);
  });

  it('matches a direct query over Silver', async () => {
    // Prepare
    await buildLake({ engine }, { from: '2026-11-18', to: '2026-11-21', select: ['silver'] });
    // Act
    const recon = await engine.query(`
      SELECT v.hour, v.city_id, v.payments, CAST(v.payment_amount AS DOUBLE) AS payment_amount,
        s.payments AS silver_payments, CAST(s.amount AS DOUBLE) AS silver_amount
      FROM nrt.recon_gates AS v
      LEFT JOIN (
        SELECT lpad(CAST(hour(occurred_at) AS VARCHAR), 2, '0') AS hour, city_id, count(*) AS payments, sum(amount) AS amount
        FROM silver.fact_payments WHERE dt = '2026-11-21' GROUP BY 1, 2
      ) AS s ON s.hour = v.hour AND s.city_id = v.city_id
      WHERE v.dt = '2026-11-21' AND (v.payments > 0 OR s.payments IS NOT NULL)`);
    const backlog = await engine.query(`
      WITH p AS (
        SELECT payout_id, min(CASE WHEN status = 'scheduled' THEN occurred_at END) AS scheduled_at,
          min(CASE WHEN status IN ('paid', 'failed') THEN occurred_at END) AS closed_at
        FROM silver.fact_payouts GROUP BY payout_id
      )
      SELECT v.hour, v.queued, count(p.payout_id) AS silver_queued
      FROM (SELECT hour, max(as_of) AS as_of, sum(payouts) AS queued FROM nrt.payout_backlog WHERE dt = '2026-11-21' GROUP BY hour) AS v
      LEFT JOIN p ON p.scheduled_at < v.as_of AND (p.closed_at IS NULL OR p.closed_at >= v.as_of)
      GROUP BY v.hour, v.queued ORDER BY v.hour`);
    // Assess
    expect(recon).toEqual([
      { hour: '08', city_id: city, payments: 1, payment_amount: 40, silver_payments: 1, silver_amount: 40 },
    ]);
    expect(backlog).toHaveLength(11);
    for (const row of backlog) expect(row.queued, String(row.hour)).toBe(row.silver_queued);
    expect(Number(backlog[9]?.queued)).toBe(Number(backlog[8]?.queued) + 1);
  });

  it('reports a view whose SQL fails and still refreshes the others', async () => {
    // Prepare
    const broken = views.map((v) =>
      v.name === 'nrt.dispute_queue' ? { ...v, sql: () => 'SELECT no_such_column FROM bronze.events' } : v,
    );
    events.events.length = 0;
    // Act
    const result = await refreshNrtViews(deps(), { views: broken, runId: 'run-3', rebuild: true });
    // Assess
    expect(result.views.map((v) => [v.view, v.status])).toEqual([
      ['nrt.dispute_queue', 'failed'],
      ['nrt.payout_backlog', 'refreshed'],
      ['nrt.recon_gates', 'refreshed'],
    ]);
    const failed = events.events.filter((e) => e.detailType === 'nrt.refresh.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.detail).toMatchObject({
      v: 1,
      view: 'nrt.dispute_queue',
      dt: '2026-11-21',
      run_id: 'run-3',
    });
    expect(String(failed[0]?.detail.error)).toMatch(/^NrtRefreshFailed: .*no_such_column/);
    expect(events.events.filter((e) => e.detailType === 'nrt.refreshed').map((e) => e.detail.view)).toEqual([
      'nrt.payout_backlog',
      'nrt.recon_gates',
    ]);
    expect((await readNrtViewRecord(state, 'nrt.dispute_queue'))?.lastError).toMatch(/no_such_column/);
  });

  it('records a skip while another refresh holds a view, and takes an expired lease over', async () => {
    // Prepare
    const held = await acquireLease(
      { state, clock },
      { name: nrtLeaseName('nrt.recon_gates'), owner: 'crashed', ttlSeconds: 240 },
    );
    expect(held).toBeDefined();
    const only = views.filter((v) => v.name === 'nrt.recon_gates');
    // Act
    const skipped = await refreshNrtViews(deps(), { views: only, runId: 'run-4' });
    now = new Date(now.getTime() + 241_000);
    const taken = await refreshNrtViews(deps(), { views: only, runId: 'run-5' });
    // Assess
    expect(skipped.views).toEqual([
      { view: 'nrt.recon_gates', status: 'skipped', heldBy: 'another refresh' },
    ]);
    expect((await readNrtSkips(state, 'nrt.recon_gates')).count).toBe(1);
    expect(taken.views[0]?.status).not.toBe('skipped');
  });

  it('raises one staleness alarm past 15 minutes of lag, and one resolve', async () => {
    // Prepare
    const broken = views.map((v) => ({ ...v, changesSql: () => 'SELECT broken' }));
    const fixed = views;
    events.events.length = 0;
    // Act: a tick every 5 minutes for 30 minutes of failures, then one that works.
    for (let tick = 0; tick < 6; tick++) {
      now = new Date(now.getTime() + 300_000);
      await refreshNrtViews(deps(), { views: broken, runId: `stale-${tick}` });
    }
    now = new Date(now.getTime() + 300_000);
    await refreshNrtViews(deps(), { views: fixed, runId: 'recovered' });
    // Assess
    const alarms = events.events.filter((e) => e.detailType === 'alarm.triggered');
    expect(alarms.map((a) => [a.detail.alarm_name, a.detail.state])).toEqual([
      ['nrt-stale#nrt.dispute_queue', 'ALARM'],
      ['nrt-stale#nrt.payout_backlog', 'ALARM'],
      ['nrt-stale#nrt.recon_gates', 'ALARM'],
      ['nrt-stale#nrt.dispute_queue', 'OK'],
      ['nrt-stale#nrt.payout_backlog', 'OK'],
      ['nrt-stale#nrt.recon_gates', 'OK'],
    ]);
    expect(events.events.filter((e) => e.detailType === 'nrt.refresh.failed')).toHaveLength(18);
  });
});
