import { mkdtemp, rm } from 'node:fs/promises';
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
  type QueryEngine,
  readNrtSkips,
  readNrtViewRecord,
  refreshNrtViews,
} from '@lakeops/core';
import { buildLake, loadNrtViews, seedBronze, tables } from '@lakeops/lake';
import {
  changedFolders,
  filesUnder,
  InMemoryStateStore,
  payoutBacklogAgainstSilverSql,
  writeBronzeEvents,
} from '@lakeops/testing';
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
    const entries = types.map((t) => ({ id: `nrt-test-${++sequence}`, ...t }));
    await writeBronzeEvents(root, entries, at, `bus-${sequence}.json`);
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
    // The carry-over state of hour 09 (over) is written; hour 10's (the current hour) is not: the
    // view computes it inline until the hour is over.
    expect(changedFolders(before, after)).toEqual([
      'payout_backlog/dt=2026-11-21/hour=09',
      'payout_backlog/dt=2026-11-21/hour=10',
      'payout_backlog_open/dt=2026-11-21/hour=09',
      'recon_gates/dt=2026-11-21/hour=08',
    ]);
    const record = await readNrtViewRecord(state, 'nrt.payout_backlog');
    expect(record?.watermark).toBe('2026-11-21T09:10:00.000Z');
    expect(record?.lastHours).toEqual(['09', '10']);
  });

  it('continues from the carry-over state of the hour before, and equals a rebuild from all history', async () => {
    // Prepare: the payout scheduled at 09:10 is paid at 10:20, and a payout scheduled on an earlier
    // day (still open in the state of hour 09) fails at 10:25: both leave the backlog in hour 10.
    const old = await engine.query(`
      SELECT payout_id, city_id, CAST(amount AS DOUBLE) AS amount FROM nrt.payout_backlog_open
      WHERE dt = '2026-11-21' AND hour = '09' AND scheduled_at < '2026-11-21' ORDER BY payout_id LIMIT 1`);
    const carried = old[0];
    expect(carried).toBeDefined();
    const payout = (payout_id: string, status: string, city_id: string, amount: number) => ({
      type: 'payout.status_changed',
      source: 'marketplace.payments',
      detail: { payout_id, status, leg_id: 'l-t1', seller_id: 's000001', city_id, amount, currency: 'EUR' },
    });
    const dispute = (dispute_id: string, status: string) => ({
      type: 'dispute.status_changed',
      source: 'marketplace.payments',
      detail: {
        dispute_id,
        status,
        booking_id: 'b-t1',
        leg_id: 'l-t1',
        user_id: 'u0000001',
        seller_id: 's000001',
        city_id: city,
        reason: 'not_as_described',
        amount: 40,
      },
    });
    await arrive([dispute('d-t1', 'opened'), dispute('d-t2', 'opened')], '2026-11-21T09:40:00.000Z');
    await arrive([payout('po-t1', 'paid', city, 36), dispute('d-t2', 'won')], '2026-11-21T10:20:00.000Z');
    await arrive(
      [payout(String(carried?.payout_id), 'failed', String(carried?.city_id), Number(carried?.amount))],
      '2026-11-21T10:25:00.000Z',
    );
    const rows = (hour: string) =>
      engine.query(`SELECT city_id, age_bucket, payouts, CAST(amount AS DOUBLE) AS amount FROM nrt.payout_backlog
        WHERE dt = '2026-11-21' AND hour = '${hour}' ORDER BY city_id, age_bucket`);
    const queued = async (hour: string) => (await rows(hour)).reduce((n, r) => n + Number(r.payouts), 0);
    const before = await queued('10');
    now = new Date('2026-11-21T10:32:00.000Z');
    // Act
    const incremental = await refreshNrtViews(deps(), { views, runId: 'run-carry' });
    const fromState = { 9: await rows('09'), 10: await rows('10') };
    const rebuilt = await refreshNrtViews(deps(), { views, runId: 'run-rebuild', rebuild: true });
    // Assess
    expect(incremental.views).toContainEqual(
      expect.objectContaining({ view: 'nrt.payout_backlog', hours: ['10'] }),
    );
    expect(incremental.views).toContainEqual(
      expect.objectContaining({ view: 'nrt.dispute_queue', hours: ['09', '10'] }),
    );
    expect(rebuilt.views.map((v) => v.status)).toEqual(['refreshed', 'refreshed', 'refreshed']);
    expect(await queued('10')).toBe(before - 2);
    expect(fromState[10]).toEqual(await rows('10'));
    expect(fromState[9]).toEqual(await rows('09'));
    // Every hour's carry-over state but the current one's (10), computed inline until it is over.
    expect((await readNrtViewRecord(state, 'nrt.payout_backlog'))?.carried).toEqual(
      Array.from({ length: 10 }, (_, h) => String(h).padStart(2, '0')),
    );
  });

  it("finds an event that arrives late (older than the newest one already seen) by its hour's count, and equals a rebuild", async () => {
    // Prepare: a payout scheduled at 09:05 reaches Bronze only now (e.g. held in Firehose's
    // buffer), after events of 10:25 were already refreshed.
    const backlog = (hour: string) =>
      engine.query(`SELECT city_id, age_bucket, payouts, CAST(amount AS DOUBLE) AS amount FROM nrt.payout_backlog
        WHERE dt = '2026-11-21' AND hour = '${hour}' ORDER BY city_id, age_bucket`);
    expect((await readNrtViewRecord(state, 'nrt.payout_backlog'))?.watermark).toBe(
      '2026-11-21T10:25:00.000Z',
    );
    await arrive(
      [
        {
          type: 'payout.status_changed',
          source: 'marketplace.payments',
          detail: {
            payout_id: 'po-late',
            status: 'scheduled',
            leg_id: 'l-late',
            seller_id: 's000001',
            city_id: city,
            amount: 55,
            currency: 'EUR',
          },
        },
      ],
      '2026-11-21T09:05:00.000Z',
    );
    now = new Date('2026-11-21T10:37:00.000Z');
    // Act
    const late = await refreshNrtViews(deps(), { views, runId: 'run-late' });
    const incremental = { 9: await backlog('09'), 10: await backlog('10') };
    const again = await refreshNrtViews(deps(), { views, runId: 'run-late-again' });
    await refreshNrtViews(deps(), { views, runId: 'run-late-rebuild', rebuild: true });
    // Assess: hour 09 and every later hour of the backlog rewritten, the payout in both.
    expect(late.views).toContainEqual(
      expect.objectContaining({ view: 'nrt.payout_backlog', hours: ['09', '10'] }),
    );
    expect(late.views).toContainEqual({ view: 'nrt.recon_gates', status: 'unchanged' });
    expect(again.views.map((v) => v.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(incremental[9]).toEqual(await backlog('09'));
    expect(incremental[10]).toEqual(await backlog('10'));
    const queued = incremental[9].reduce((n, r) => n + Number(r.payouts), 0);
    expect(queued).toBeGreaterThan(0);
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
    const backlog = await engine.query(payoutBacklogAgainstSilverSql('2026-11-21'));
    const bucketed = (table: string, id: string, opened: string, closed: string, view: string, n: string) =>
      engine.query(`
      WITH s AS (
        SELECT ${id} AS item, max(city_id) AS city_id, max(amount) AS amount,
          min(CASE WHEN status = '${opened}' THEN occurred_at END) AS opened_at,
          min(CASE WHEN status IN (${closed}) THEN occurred_at END) AS closed_at
        FROM silver.${table} GROUP BY ${id}
      ),
      silver_rows AS (
        SELECT g.hour, s.city_id,
          CASE WHEN date_diff('minute', s.opened_at, g.as_of) < 60 THEN '<1h'
            WHEN date_diff('minute', s.opened_at, g.as_of) < 240 THEN '1-4h'
            WHEN date_diff('minute', s.opened_at, g.as_of) < 1440 THEN '4-24h' ELSE '>24h' END AS age_bucket,
          count(*) AS n, CAST(sum(s.amount) AS DOUBLE) AS amount
        FROM (SELECT DISTINCT hour, CAST(as_of AS TIMESTAMPTZ) AS as_of FROM nrt.${view} WHERE dt = '2026-11-21') AS g
        JOIN s ON s.opened_at < g.as_of AND (s.closed_at IS NULL OR s.closed_at >= g.as_of)
        GROUP BY 1, 2, 3
      )
      SELECT coalesce(v.hour, r.hour) AS hour, coalesce(v.city_id, r.city_id) AS city_id,
        coalesce(v.age_bucket, r.age_bucket) AS age_bucket, v.${n} AS view_n, r.n AS silver_n,
        CAST(v.amount AS DOUBLE) AS view_amount, r.amount AS silver_amount
      FROM (SELECT * FROM nrt.${view} WHERE dt = '2026-11-21' AND ${n} > 0) AS v
      FULL JOIN silver_rows AS r ON r.hour = v.hour AND r.city_id = v.city_id AND r.age_bucket = v.age_bucket
      ORDER BY 1, 2, 3`);
    const payouts = await bucketed(
      'fact_payouts',
      'payout_id',
      'scheduled',
      "'paid', 'failed'",
      'payout_backlog',
      'payouts',
    );
    const disputes = await bucketed(
      'fact_disputes',
      'dispute_id',
      'opened',
      "'won', 'lost'",
      'dispute_queue',
      'disputes',
    );
    // Assess
    expect(recon).toEqual([
      { hour: '08', city_id: city, payments: 1, payment_amount: 40, silver_payments: 1, silver_amount: 40 },
    ]);
    for (const [name, rows] of [
      ['payout_backlog', payouts],
      ['dispute_queue', disputes],
    ] as const) {
      expect(rows.length, name).toBeGreaterThanOrEqual(name === 'payout_backlog' ? 11 : 2);
      for (const r of rows) {
        const where = `${name} ${r.hour} ${r.city_id} ${r.age_bucket}`;
        expect(r.view_n, where).toBe(r.silver_n);
        expect(r.view_amount, where).toBeCloseTo(Number(r.silver_amount), 2);
      }
    }
    expect(backlog).toHaveLength(11);
    for (const row of backlog) expect(row.queued, String(row.hour)).toBe(row.silver_queued);
    // Hour 09 holds the payouts scheduled at 09:10 and, arrived late, at 09:05.
    expect(Number(backlog[9]?.queued)).toBe(Number(backlog[8]?.queued) + 2);
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

  it('finds the touched hours of every view in one query, and a view whose query fails fails alone', async () => {
    // Prepare: every statement the refresh sends to the engine, and a new payout this hour.
    const statements: string[] = [];
    const counting = (inner: QueryEngine): QueryEngine => ({
      query: (sql, options) => {
        statements.push(sql);
        return inner.query(sql, options);
      },
      stream: (sql, options) => inner.stream(sql, options),
      writePartitions: (input, options) => inner.writePartitions(input, options),
      rewritePartitions: (input, options) => inner.rewritePartitions(input, options),
      restorePartitions: (table, rewritten) => inner.restorePartitions(table, rewritten),
      close: () => inner.close(),
    });
    const wrapped: QueryEngine = {
      ...counting(engine),
      withPinnedSources: (work) => engine.withPinnedSources((pinned) => work(counting(pinned))),
    };
    const payout = (payout_id: string) => ({
      type: 'payout.status_changed',
      source: 'marketplace.payments',
      detail: {
        payout_id,
        status: 'scheduled',
        leg_id: 'l-t1',
        seller_id: 's000001',
        city_id: city,
        amount: 5,
        currency: 'EUR',
      },
    });
    now = new Date(now.getTime() + 60_000);
    await arrive([payout('po-one-query')], new Date(now.getTime() - 30_000).toISOString());
    const broken = views.map((v) =>
      v.name === 'nrt.recon_gates'
        ? { ...v, changesSql: () => 'SELECT no_such_column FROM bronze.events' }
        : v,
    );
    // Act
    const together = await refreshNrtViews({ ...deps(), engine: wrapped }, { views, runId: 'run-one-query' });
    const queries = statements.length;
    now = new Date(now.getTime() + 60_000);
    await arrive([payout('po-one-broken')], new Date(now.getTime() - 30_000).toISOString());
    const withBroken = await refreshNrtViews(
      { ...deps(), engine: wrapped },
      { views: broken, runId: 'run-broken' },
    );
    // Assess
    expect(together.views.map((v) => [v.view, v.status])).toEqual([
      ['nrt.dispute_queue', 'unchanged'],
      ['nrt.payout_backlog', 'refreshed'],
      ['nrt.recon_gates', 'unchanged'],
    ]);
    expect(queries).toBe(1);
    expect(withBroken.views.map((v) => [v.view, v.status])).toEqual([
      ['nrt.dispute_queue', 'unchanged'],
      ['nrt.payout_backlog', 'refreshed'],
      ['nrt.recon_gates', 'failed'],
    ]);
    expect(withBroken.views[2]).toMatchObject({ error: expect.stringMatching(/no_such_column/) });
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

  it('at the first tick of an hour writes the state of the hour just over, not its view again when no event reached it since', async () => {
    // Prepare: a refresh late in hour 12 (the view computes hour 12's carry-over state inline),
    // then a payment at 13:01 (recon_gates and nothing else) before the first tick of hour 13.
    now = new Date('2026-11-21T12:55:00.000Z');
    await refreshNrtViews(deps(), { views, runId: 'late-in-12' });
    await arrive(
      [
        {
          type: 'payment.captured',
          source: 'marketplace.payments',
          detail: {
            payment_id: 'p-13',
            booking_id: 'b-13',
            leg_id: 'l-13',
            user_id: 'u0000001',
            city_id: city,
            amount: 12,
            currency: 'EUR',
            method: 'card',
          },
        },
      ],
      '2026-11-21T13:01:00.000Z',
    );
    const before = await filesUnder(join(root, 'nrt'));
    const rows = (view: string, hour: string) =>
      engine.query(`SELECT * FROM nrt.${view} WHERE dt = '2026-11-21' AND hour = '${hour}' ORDER BY ALL`);
    events.events.length = 0;
    now = new Date('2026-11-21T13:02:00.000Z');
    // Act
    const result = await refreshNrtViews(deps(), { views, runId: 'first-of-13' });
    const after = await filesUnder(join(root, 'nrt'));
    const refreshed = events.take('nrt.refreshed').map((e) => e.detail.view);
    const incremental = {
      backlog: await rows('payout_backlog', '13'),
      queue: await rows('dispute_queue', '13'),
    };
    await refreshNrtViews(deps(), { views, runId: 'rebuild-13', rebuild: true });
    // Assess: hour 12's views stay byte for byte; its states are written; hour 13 is new.
    expect(changedFolders(before, after)).toEqual([
      'dispute_queue/dt=2026-11-21/hour=13',
      'dispute_queue_open/dt=2026-11-21/hour=12',
      'payout_backlog/dt=2026-11-21/hour=13',
      'payout_backlog_open/dt=2026-11-21/hour=12',
      'recon_gates/dt=2026-11-21/hour=13',
    ]);
    expect(result.views.map((v) => [v.view, v.status === 'refreshed' ? v.hours : v.status])).toEqual([
      ['nrt.dispute_queue', ['13']],
      ['nrt.payout_backlog', ['13']],
      ['nrt.recon_gates', ['13']],
    ]);
    expect(refreshed).toEqual(['nrt.dispute_queue', 'nrt.payout_backlog', 'nrt.recon_gates']);
    expect((await readNrtViewRecord(state, 'nrt.payout_backlog'))?.carried).toContain('12');
    // Hour 13, continued from the state written now, equals a rebuild from all history.
    expect(incremental.backlog.length).toBeGreaterThan(0);
    expect(incremental.backlog).toEqual(await rows('payout_backlog', '13'));
    expect(incremental.queue).toEqual(await rows('dispute_queue', '13'));
  });
});
