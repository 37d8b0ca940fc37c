import { InMemoryStateStore, ManualClock } from '@lakeops/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  completeNrtQuery,
  type NrtView,
  nrtJobKey,
  type PublishedEvent,
  type Row,
  readNrtSkips,
  readNrtViewRecord,
  type StagedPartitionWriter,
  type StartedWrite,
  startNrtRefresh,
  type TableDefinition,
  type WritePartitionsInput,
  type WriteQueryState,
} from '../src/index.ts';

const table = (name: string): TableDefinition => ({
  zone: 'nrt',
  name,
  description: name,
  format: 'parquet',
  columns: [{ name: 'n', type: 'bigint', sensitivity: 'internal' }],
  partitionKeys: ['dt', 'hour'],
  primaryKey: [],
  userColumns: [],
});

/** The backlog view with its carry-over state; SQL text says which hours and carry it was asked for. */
const backlog: NrtView = {
  name: 'nrt.payout_backlog',
  table: table('payout_backlog'),
  carryState: {
    table: table('payout_backlog_open'),
    sql: (day, scope) => `state ${day} ${scope.hours.join(',')} carry ${scope.carry?.hour ?? 'none'}`,
  },
  sql: (day, scope) =>
    `view ${day} ${scope.hours.join(',')}${scope.open ? ` open ${scope.open.hours.join(',')} carry ${scope.open.carry ? `${scope.open.carry.dt}/${scope.open.carry.hour}` : 'none'}` : ''}`,
  changesSql: (day, fromHour) => `changes ${day} from ${fromHour}`,
};

/**
 * A staged writer as Athena behaves: a started write runs until the test sets its state; finishing
 * makes it live (a second finish reports 0 rows); abandoning a live write does nothing.
 */
class FakeWriter implements StagedPartitionWriter {
  readonly started: { queryId: string; table: string; sql: string }[] = [];
  readonly finished: string[] = [];
  readonly abandoned: string[] = [];
  readonly live = new Set<string>();
  readonly states = new Map<string, WriteQueryState>();
  async startWrite(input: WritePartitionsInput): Promise<StartedWrite> {
    const queryId = `q${this.started.length + 1}`;
    this.started.push({ queryId, table: input.table.name, sql: input.sql });
    this.states.set(queryId, 'RUNNING');
    return {
      queryId,
      table: `nrt.${input.table.name}`,
      run: queryId,
      partitions: [...(input.partitions ?? [])],
    };
  }
  async queryState(write: StartedWrite): Promise<WriteQueryState> {
    return this.states.get(write.queryId) ?? 'RUNNING';
  }
  async finishWrite(write: StartedWrite) {
    if (this.live.has(write.queryId)) return { rows: 0, written: write.partitions, removed: [] };
    this.finished.push(write.queryId);
    this.live.add(write.queryId);
    return { rows: 10 * write.partitions.length, written: write.partitions, removed: [] };
  }
  async abandonWrite(write: StartedWrite) {
    if (!this.live.has(write.queryId)) this.abandoned.push(write.queryId);
  }
}

describe('startNrtRefresh and completeNrtQuery (the Athena path: no function waits on a query)', () => {
  let clock: ManualClock;
  let state: InMemoryStateStore;
  let writer: FakeWriter;
  let published: PublishedEvent[];
  let changes: Row[];
  const engine = { query: async () => changes };
  const events = { publish: async (e: readonly PublishedEvent[]) => void published.push(...e) };
  const deps = () => ({ engine, writer, state, events, clock });
  const complete = (
    queryId: string,
    s: 'SUCCEEDED' | 'FAILED' | 'CANCELLED' = 'SUCCEEDED',
    reason?: string,
  ) => completeNrtQuery(deps(), { views: [backlog], queryId, state: s, ...(reason ? { reason } : {}) });

  beforeEach(() => {
    clock = new ManualClock('2026-12-01T02:07:00Z');
    state = new InMemoryStateStore({ clock });
    writer = new FakeWriter();
    published = [];
    changes = [{ hour: '01', n: 4, newest: '2026-12-01T01:50:00.000Z' }];
  });

  it('starts the carry-over state write and returns; the view is written on its completion, then recorded once', async () => {
    // Act
    const start = await startNrtRefresh(deps(), { views: [backlog], runId: 'tick-1' });
    const afterStart = [...published];
    clock.advance(60);
    const first = await complete('q1');
    clock.advance(60);
    const second = await complete('q2');
    // Assess
    expect(start.views).toEqual([
      { view: 'nrt.payout_backlog', status: 'started', queryId: 'q1', hours: ['00', '01', '02'] },
    ]);
    expect(afterStart).toEqual([]);
    // The state of the hours that are over (00, 01); the current hour's (02) is computed by the
    // view, from the state of 01.
    expect(writer.started).toEqual([
      { queryId: 'q1', table: 'payout_backlog_open', sql: 'state 2026-12-01 00,01 carry none' },
      {
        queryId: 'q2',
        table: 'payout_backlog',
        sql: 'view 2026-12-01 00,01,02 open 02 carry 2026-12-01/01',
      },
    ]);
    expect(first).toEqual({ status: 'next', view: 'nrt.payout_backlog', queryId: 'q2' });
    expect(second).toEqual({ status: 'refreshed', view: 'nrt.payout_backlog', rows: 30 });
    expect(published.map((e) => [e.detailType, e.detail.rows, e.detail.duration_ms])).toEqual([
      ['nrt.refreshed', 30, 120_000],
    ]);
    expect(await readNrtViewRecord(state, 'nrt.payout_backlog')).toMatchObject({
      day: '2026-12-01',
      watermark: '2026-12-01T01:50:00.000Z',
      hours: ['00', '01', '02'],
      carried: ['00', '01'],
      refreshedAt: '2026-12-01T02:09:00.000Z',
    });
    expect(await state.get(nrtJobKey('nrt.payout_backlog'))).toBeUndefined();
  });

  it('ignores a completion delivered twice, and one for a query the view no longer waits for', async () => {
    // Prepare
    await startNrtRefresh(deps(), { views: [backlog], runId: 'tick-1' });
    await complete('q1');
    // Act
    const againState = await complete('q1');
    await complete('q2');
    const againView = await complete('q2');
    const againFailed = await complete('q2', 'FAILED', 'late and wrong');
    const foreign = await complete('not-ours');
    const foreignAgain = await complete('not-ours');
    // Assess
    expect([againState, againView, againFailed, foreign, foreignAgain].map((c) => c.status)).toEqual([
      'stale',
      'stale',
      'stale',
      'early',
      'duplicate',
    ]);
    expect(writer.finished).toEqual(['q1', 'q2']);
    expect(writer.abandoned).toEqual([]);
    expect(published.map((e) => e.detailType)).toEqual(['nrt.refreshed']);
  });

  it('moves the job on once when the same completion is handled twice at the same time', async () => {
    // Prepare: both handlers read the job before either switches the data in.
    await startNrtRefresh(deps(), { views: [backlog], runId: 'tick-1' });
    await complete('q1');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const finish = writer.finishWrite.bind(writer);
    writer.finishWrite = async (write) => {
      await gate;
      return finish(write);
    };
    // Act
    const both = Promise.all([complete('q2'), complete('q2')]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    const outcomes = await both;
    // Assess
    expect(outcomes.map((o) => o.status).sort()).toEqual(['duplicate', 'refreshed']);
    expect(published.filter((e) => e.detailType === 'nrt.refreshed')).toHaveLength(1);
    expect(await state.get(nrtJobKey('nrt.payout_backlog'))).toBeUndefined();
  });

  it('applies a completion that arrived before its start was recorded', async () => {
    // Prepare: Athena's event for q1 overtakes the start's own bookkeeping.
    const early = await complete('q1');
    // Act
    const start = await startNrtRefresh(deps(), { views: [backlog], runId: 'tick-1' });
    // Assess
    expect(early).toEqual({ status: 'early' });
    expect(start.views[0]).toMatchObject({ status: 'started', queryId: 'q1' });
    expect(writer.finished).toEqual(['q1']);
    expect(writer.started.map((s) => s.queryId)).toEqual(['q1', 'q2']);
    expect((await state.get(nrtJobKey('nrt.payout_backlog')))?.value).toMatchObject({ step: 'view' });
  });

  it('skips a view while its refresh is in flight, and continues from the carry-over state after', async () => {
    // Prepare
    await startNrtRefresh(deps(), { views: [backlog], runId: 'tick-1' });
    clock.advance(300);
    // Act
    const busy = await startNrtRefresh(deps(), { views: [backlog], runId: 'tick-2' });
    await complete('q1');
    await complete('q2');
    changes = [{ hour: '02', n: 2, newest: '2026-12-01T02:10:00.000Z' }];
    clock.advance(300);
    const next = await startNrtRefresh(deps(), { views: [backlog], runId: 'tick-3' });
    // Assess
    expect(busy.views).toEqual([
      { view: 'nrt.payout_backlog', status: 'skipped', heldBy: 'another refresh' },
    ]);
    expect((await readNrtSkips(state, 'nrt.payout_backlog')).count).toBe(1);
    // Within the hour: no state to write, the view alone, from the state of 01.
    expect(next.views[0]).toMatchObject({ status: 'started', hours: ['02'] });
    expect(writer.started.at(-1)).toMatchObject({
      table: 'payout_backlog',
      sql: 'view 2026-12-01 02 open 02 carry 2026-12-01/01',
    });
  });

  it('completes a refresh whose completion event never came, from the query state, on the next tick', async () => {
    // Prepare
    await startNrtRefresh(deps(), { views: [backlog], runId: 'tick-1' });
    writer.states.set('q1', 'SUCCEEDED');
    clock.advance(300);
    // Act
    const tick = await startNrtRefresh(deps(), { views: [backlog], runId: 'tick-2' });
    const late = await complete('q1');
    // Assess
    expect(tick.views[0]?.status).toBe('skipped');
    expect(writer.finished).toEqual(['q1']);
    expect(writer.started.map((s) => s.queryId)).toEqual(['q1', 'q2']);
    expect(late.status).toBe('stale');
  });

  it('reports a failed query once, removes what it staged and frees the view', async () => {
    // Prepare
    await startNrtRefresh(deps(), { views: [backlog], runId: 'tick-1' });
    // Act
    const failed = await complete('q1', 'FAILED', 'HIVE_BAD_DATA: bad file');
    const again = await complete('q1', 'FAILED', 'HIVE_BAD_DATA: bad file');
    const next = await startNrtRefresh(deps(), { views: [backlog], runId: 'tick-2' });
    // Assess
    expect(failed).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^NrtRefreshFailed: .*HIVE_BAD_DATA/),
    });
    expect(again.status).toBe('stale');
    // Removing a failed write's staging again (the duplicate) is harmless; nothing else is removed.
    expect([...new Set(writer.abandoned)]).toEqual(['q1']);
    expect(published.map((e) => [e.detailType, e.detail.run_id ?? e.detail.state])).toEqual([
      ['nrt.refresh.failed', 'tick-1'],
      ['alarm.triggered', 'ALARM'], // never refreshed: stale from the start
    ]);
    expect((await readNrtViewRecord(state, 'nrt.payout_backlog'))?.lastError).toMatch(/HIVE_BAD_DATA/);
    expect(next.views[0]).toMatchObject({ status: 'started', queryId: 'q2' });
  });
  it("writes yesterday's last hour again for an event that lands after midnight, then today from yesterday's new state", async () => {
    // Prepare: the view's SQL says which day, hours and carry it was asked for; the engine counts
    // yesterday's hour 23 (5 events, then 6 once the late one lands) and nothing yet today.
    const view: NrtView = {
      ...backlog,
      carryState: {
        table: table('payout_backlog_open'),
        sql: (day, scope) =>
          `state ${day} ${scope.hours.join(',')} carry ${scope.carry ? `${scope.carry.dt}/${scope.carry.hour}` : 'none'}`,
      },
    };
    let lateOnes = 0;
    const counting = {
      query: async (sql: string): Promise<Row[]> =>
        sql.includes('2026-11-30')
          ? [{ hour: '23', n: 5 + lateOnes, newest: '2026-11-30T23:50:00.000Z' }]
          : [],
    };
    const d = () => ({ engine: counting, writer, state, events, clock });
    const tick = async (at: string) => {
      clock = new ManualClock(at);
      const started = await startNrtRefresh(d(), { views: [view], runId: at });
      for (const v of started.views) {
        if (v.status !== 'started') continue;
        const next = await completeNrtQuery(d(), { views: [view], queryId: v.queryId, state: 'SUCCEEDED' });
        if (next.status === 'next')
          await completeNrtQuery(d(), { views: [view], queryId: next.queryId, state: 'SUCCEEDED' });
      }
      return writer.started.splice(0).map((w) => w.sql);
    };
    // Act
    const evening = await tick('2026-11-30T23:57:00Z');
    const midnight = await tick('2026-12-01T00:02:00Z');
    lateOnes = 1; // an event of 23:58 that Firehose delivered after the 00:02 refresh
    const afterLate = await tick('2026-12-01T00:07:00Z');
    const recordAfterLate = await readNrtViewRecord(state, view.name);
    const next = await tick('2026-12-01T00:12:00Z');
    const settled = await tick('2026-12-01T00:17:00Z');
    lateOnes = 2; // past the late window (3 hours): waits for a rebuild, as an old hour of today does
    const outside = await tick('2026-12-01T03:02:00Z');
    // Assess
    const upTo = (n: number) => Array.from({ length: n }, (_, h) => String(h).padStart(2, '0')).join(',');
    expect(evening).toEqual([
      `state 2026-11-30 ${upTo(23)} carry none`,
      `view 2026-11-30 ${upTo(24)} open 23 carry 2026-11-30/22`,
    ]);
    // Yesterday's hour 23, written while current, is over: its state is written; its view, which
    // no event reached since, is left as it is (and no nrt.refreshed is sent).
    expect(midnight).toEqual(['state 2026-11-30 23 carry 2026-11-30/22']);
    expect(afterLate).toEqual(['state 2026-11-30 23 carry 2026-11-30/22', 'view 2026-11-30 23']);
    expect(recordAfterLate).toMatchObject({
      day: '2026-11-30',
      counts: { '23': 6 },
      carried: upTo(24).split(','),
    });
    expect(next).toEqual(['view 2026-12-01 00 open 00 carry 2026-11-30/23']);
    expect(settled).toEqual([]);
    // Hour 00 is over and its state unwritten: the states from there, continuing from yesterday's
    // hour 23; the view from the first hour not written yet (hour 00's, untouched since, stays).
    expect(outside).toEqual([
      'state 2026-12-01 00,01,02 carry 2026-11-30/23',
      'view 2026-12-01 01,02,03 open 03 carry 2026-12-01/02',
    ]);
    expect(published.filter((e) => e.detailType === 'nrt.refreshed').map((e) => e.detail.dt)).toEqual([
      '2026-11-30',
      '2026-11-30',
      '2026-12-01',
      '2026-12-01',
    ]);
  });
});
