import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine, FsObjectStore } from '@lakeops/adapters-local';
import {
  type Clock,
  type NrtView,
  type PublishedEvent,
  readNrtViewRecord,
  refreshNrtViews,
  type WritePartitionsInput,
} from '@lakeops/core';
import { loadNrtViews, seedBronze, tables } from '@lakeops/lake';
import { changedFolders, filesUnder, InMemoryStateStore, writeBronzeEvents } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Firehose holds records up to its buffer interval (300 s here) before they reach Bronze: an
// event of 23:58 can land after the first refresh of the next day. It must still reach
// yesterday's hour 23 and, through the carry-over state, today's backlogs and queues.
describe('refreshNrtViews across midnight (DuckDB, Parquet)', () => {
  let home: string;
  let root: string;
  let engine: DuckDbQueryEngine;
  let views: NrtView[];
  let city: string;
  let now = new Date('2026-11-20T23:55:00.000Z');
  const clock: Clock = { now: () => now };
  const state = new InMemoryStateStore({ clock });
  const published: PublishedEvent[] = [];
  const events = { publish: async (e: readonly PublishedEvent[]) => void published.push(...e) };
  const writes: WritePartitionsInput[] = [];
  let sequence = 0;

  /** The engine, recording what each refresh writes. */
  const deps = () => ({
    engine: {
      ...engine,
      query: engine.query.bind(engine),
      stream: engine.stream.bind(engine),
      rewritePartitions: engine.rewritePartitions.bind(engine),
      restorePartitions: engine.restorePartitions.bind(engine),
      partitionsMayHold: engine.partitionsMayHold.bind(engine),
      close: engine.close.bind(engine),
      writePartitions: (input: WritePartitionsInput) => {
        writes.push(input);
        return engine.writePartitions(input);
      },
    },
    state,
    events,
    clock,
  });

  async function arrive(type: string, detail: Record<string, unknown>, at: string) {
    const id = `midnight-${++sequence}`;
    await writeBronzeEvents(
      root,
      [{ id, type, source: 'marketplace.payments', detail }],
      at,
      `bus-late-${sequence}.json`,
    );
  }

  const rows = (view: string, dt: string, hour: string) =>
    engine.query(`SELECT * EXCLUDE (as_of) FROM nrt.${view} WHERE dt = '${dt}' AND hour = '${hour}'
      ORDER BY ALL`);
  const total = async (view: string, column: string, dt: string, hour: string) =>
    (await rows(view, dt, hour)).reduce((n, r) => n + Number(r[column]), 0);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-nrt-midnight-'));
    root = join(home, 'lake');
    await seedBronze(
      { store: new FsObjectStore({ root }) },
      { days: 3, users: 300, seed: 7, end: new Date('2026-11-20T23:54:59.999Z') },
    );
    engine = await DuckDbQueryEngine.open({ root, tables, threads: 1, listingGraceMs: 0 });
    views = await loadNrtViews();
    const cities = await engine.query('SELECT min(city_id) AS city_id FROM bronze.cities_snapshot');
    city = String(cities[0]?.city_id);
  });
  afterAll(async () => {
    await engine.close();
    await rm(home, { recursive: true, force: true });
  });

  it("starts the new day from yesterday's last carry-over state, not from all history", async () => {
    // Prepare
    await refreshNrtViews(deps(), { views, runId: 'evening' });
    writes.length = 0;
    now = new Date('2026-11-21T00:02:00.000Z');
    // Act
    const result = await refreshNrtViews(deps(), { views, runId: 'midnight' });
    // Assess
    expect(result.views.map((v) => [v.view, v.status === 'refreshed' ? v.hours : v.status])).toEqual([
      ['nrt.dispute_queue', ['00']],
      ['nrt.payout_backlog', ['00']],
      ['nrt.recon_gates', ['00']],
    ]);
    // Yesterday's hour 23, written while it was the current hour, has its carry-over state written
    // now that it is over; today's hour 00 (current: its state is computed inline by the view)
    // continues from it.
    const carryReads = (dt: string) =>
      writes
        .filter((w) => w.partitions?.[0]?.dt === dt && w.table.name !== 'recon_gates')
        .map((w) => [
          `${w.table.name} ${w.partitions?.map((p) => p.hour).join(',')}`,
          /WHERE dt = '([^']+)' AND hour = '(\d\d)'/.exec(w.sql)?.slice(1, 3).join('/'),
        ]);
    // Its view partition, which no event reached since it was written, is not written again.
    expect(carryReads('2026-11-20')).toEqual([
      ['dispute_queue_open 23', '2026-11-20/22'],
      ['payout_backlog_open 23', '2026-11-20/22'],
    ]);
    expect(carryReads('2026-11-21')).toEqual([
      ['dispute_queue 00', '2026-11-20/23'],
      ['payout_backlog 00', '2026-11-20/23'],
    ]);
    const record = await readNrtViewRecord(state, 'nrt.payout_backlog');
    expect(record?.previous?.day).toBe('2026-11-20');
    expect(record?.previous?.carried).toContain('23');
    expect(record?.carried).toEqual([]);
  });

  it("writes an event of 23:58 that lands after midnight to yesterday's hour 23 and to today, and equals a rebuild", async () => {
    // Prepare
    const before = await filesUnder(join(root, 'nrt'));
    const queuedAtMidnight = await total('payout_backlog', 'payouts', '2026-11-21', '00');
    const paymentsAt23 = await total('recon_gates', 'payments', '2026-11-20', '23');
    await arrive(
      'payout.status_changed',
      {
        payout_id: 'po-midnight',
        status: 'scheduled',
        leg_id: 'l-midnight',
        seller_id: 's000001',
        city_id: city,
        amount: 55,
        currency: 'EUR',
      },
      '2026-11-20T23:58:00.000Z',
    );
    await arrive(
      'payment.captured',
      {
        payment_id: 'p-midnight',
        booking_id: 'b-midnight',
        leg_id: 'l-midnight',
        user_id: 'u0000001',
        city_id: city,
        amount: 55,
        currency: 'EUR',
        method: 'card',
      },
      '2026-11-20T23:58:30.000Z',
    );
    now = new Date('2026-11-21T00:07:00.000Z');
    // Act
    const result = await refreshNrtViews(deps(), { views, runId: 'after-late' });
    const incremental = {
      backlog23: await rows('payout_backlog', '2026-11-20', '23'),
      backlog00: await rows('payout_backlog', '2026-11-21', '00'),
      recon23: await rows('recon_gates', '2026-11-20', '23'),
      disputes00: await rows('dispute_queue', '2026-11-21', '00'),
    };
    const after = await filesUnder(join(root, 'nrt'));
    // Rebuilds from all history, with a state of their own: yesterday as at its end, then today.
    const fresh = new InMemoryStateStore({ clock });
    const rebuildDeps = { ...deps(), state: fresh };
    now = new Date('2026-11-20T23:59:59.999Z');
    await refreshNrtViews(rebuildDeps, { views, runId: 'rebuild-yesterday', rebuild: true });
    now = new Date('2026-11-21T00:07:00.000Z');
    await refreshNrtViews(rebuildDeps, { views, runId: 'rebuild-today', rebuild: true });
    // Assess
    expect(
      result.views.map((v) => [
        v.view,
        v.status === 'refreshed' ? [v.late?.dt, v.late?.hours, v.hours] : v.status,
      ]),
    ).toEqual([
      ['nrt.dispute_queue', 'unchanged'],
      ['nrt.payout_backlog', ['2026-11-20', ['23'], ['00']]],
      ['nrt.recon_gates', ['2026-11-20', ['23'], []]],
    ]);
    expect(changedFolders(before, after)).toEqual([
      'payout_backlog/dt=2026-11-20/hour=23',
      'payout_backlog/dt=2026-11-21/hour=00',
      'payout_backlog_open/dt=2026-11-20/hour=23',
      'recon_gates/dt=2026-11-20/hour=23',
    ]);
    expect(await total('payout_backlog', 'payouts', '2026-11-21', '00')).toBe(queuedAtMidnight + 1);
    expect(incremental.recon23.reduce((n, r) => n + Number(r.payments), 0)).toBe(paymentsAt23 + 1);
    expect(incremental.backlog23).toEqual(await rows('payout_backlog', '2026-11-20', '23'));
    expect(incremental.backlog00).toEqual(await rows('payout_backlog', '2026-11-21', '00'));
    expect(incremental.recon23).toEqual(await rows('recon_gates', '2026-11-20', '23'));
    expect(incremental.disputes00).toEqual(await rows('dispute_queue', '2026-11-21', '00'));
    expect(
      published
        .filter((e) => e.detailType === 'nrt.refreshed' && e.detail.run_id === 'after-late')
        .map((e) => [e.detail.view, e.detail.dt]),
    ).toEqual([
      ['nrt.payout_backlog', '2026-11-20'],
      ['nrt.payout_backlog', '2026-11-21'],
      ['nrt.recon_gates', '2026-11-20'],
    ]);
  });
  it("repairs today from yesterday's new state after a refresh that died between the two days", async () => {
    // Prepare: another late payout of 23:59; the refresh writes yesterday's hour 23, records it,
    // then hangs forever in today's write (as if killed there), holding its lease.
    await arrive(
      'payout.status_changed',
      {
        payout_id: 'po-midnight-2',
        status: 'scheduled',
        leg_id: 'l-midnight-2',
        seller_id: 's000001',
        city_id: city,
        amount: 21,
        currency: 'EUR',
      },
      '2026-11-20T23:59:00.000Z',
    );
    const queuedAt23 = await total('payout_backlog', 'payouts', '2026-11-20', '23');
    now = new Date('2026-11-21T00:12:00.000Z');
    const hanging = deps();
    const die = hanging.engine.writePartitions;
    hanging.engine.writePartitions = (input: WritePartitionsInput) =>
      input.partitions?.some((p) => p.dt === '2026-11-21') ? new Promise(() => undefined) : die(input);
    void refreshNrtViews(hanging, {
      views: views.filter((v) => v.name === 'nrt.payout_backlog'),
      runId: 'dies',
    });
    await expect
      .poll(async () => total('payout_backlog', 'payouts', '2026-11-20', '23'), { timeout: 10_000 })
      .toBe(queuedAt23 + 1);
    const queued00 = await total('payout_backlog', 'payouts', '2026-11-21', '00');
    // Act: the next tick, once the dead refresh's lease (240 s) has expired.
    now = new Date('2026-11-21T00:17:00.000Z');
    const result = await refreshNrtViews(deps(), { views, runId: 'repair' });
    // Assess
    expect(result.views.find((v) => v.view === 'nrt.payout_backlog')).toMatchObject({
      status: 'refreshed',
      hours: ['00'],
    });
    expect(await total('payout_backlog', 'payouts', '2026-11-21', '00')).toBe(queued00 + 1);
    const repaired = await rows('payout_backlog', '2026-11-21', '00');
    await refreshNrtViews(
      { ...deps(), state: new InMemoryStateStore({ clock }) },
      { views, runId: 'rebuild', rebuild: true },
    );
    expect(repaired).toEqual(await rows('payout_backlog', '2026-11-21', '00'));
  });
  it('removes the NRT partitions older than the retention on the first refresh of a day, and no others', async () => {
    // Prepare: copies of a day's partitions dated 38 and 33 days before 2026-11-22 (35 kept).
    const copy = async (table: string, dt: string) =>
      cp(join(root, 'nrt', table, 'dt=2026-11-20'), join(root, 'nrt', table, `dt=${dt}`), {
        recursive: true,
      });
    for (const table of ['payout_backlog', 'payout_backlog_open', 'recon_gates']) {
      await copy(table, '2026-10-15');
      await copy(table, '2026-10-20');
    }
    now = new Date('2026-11-22T00:02:00.000Z');
    // Act
    await refreshNrtViews(deps(), { views, runId: 'next-day' });
    now = new Date('2026-11-22T00:07:00.000Z');
    const expiries = writes.filter((w) => w.sql.endsWith('WHERE false')).length;
    await refreshNrtViews(deps(), { views, runId: 'next-tick' });
    // Assess
    for (const table of ['payout_backlog', 'payout_backlog_open', 'recon_gates']) {
      const days = (await readdir(join(root, 'nrt', table))).filter((d) => d.startsWith('dt=')).sort();
      // The state of 2026-11-22's only hour (00, current) is not written yet.
      const today = table.endsWith('_open') ? [] : ['dt=2026-11-22'];
      expect(days, table).toEqual(['dt=2026-10-20', 'dt=2026-11-20', 'dt=2026-11-21', ...today]);
    }
    expect(writes.filter((w) => w.sql.endsWith('WHERE false')).length).toBe(expiries);
    expect((await readNrtViewRecord(state, 'nrt.payout_backlog'))?.lastError).toBeNull();
  });
});
