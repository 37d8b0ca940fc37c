import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archivePartition, archiveRecord } from '@lakeops/contracts';
import { InMemoryDeadLetter } from '@lakeops/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay, DurableEventBus, type DurableEventBusOptions, scheduledEvent } from '../src/index.ts';
import { NdjsonArchive } from '../src/ndjson-archive.ts';
import { SqliteBusJournal } from '../src/sqlite-bus-journal.ts';
import { filesUnder, readNdjson, wafEvent } from './helpers.ts';

const rules = [
  { id: 'all-waf', pattern: { 'detail-type': ['waf.block'] } },
  { id: 'blocks', pattern: { detail: { action: ['BLOCK'] } } },
];
const fast = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 4 };
const open: DurableEventBus[] = [];

async function openBus(
  overrides: Partial<DurableEventBusOptions> & { home: string },
): Promise<DurableEventBus> {
  const bus = await DurableEventBus.open({
    rules,
    invoke: async () => ({ status: 'processed', result: null }),
    deadLetter: new InMemoryDeadLetter(),
    retry: fast,
    ...overrides,
  });
  open.push(bus);
  return bus;
}

afterEach(async () => {
  for (const bus of open.splice(0)) await bus.close();
});

const tmpHome = () => mkdtemp(join(tmpdir(), 'lakeops-bus-'));

describe('DurableEventBus', () => {
  it('archives each accepted event in its Bronze hour before put resolves, then delivers it to every matching route', async () => {
    // Prepare
    const home = await tmpHome();
    const delivered: string[] = [];
    const bus = await openBus({
      home,
      invoke: async (routeId, event) => {
        delivered.push(`${routeId} ${String(event.id)}`);
        return { status: 'processed', result: null };
      },
    });
    // Act
    const results = await bus.put([
      { event: wafEvent('e-1', 0, '2026-11-27T10:59:59Z') },
      { event: wafEvent('e-2', 1, '2026-11-27T11:00:00+01:00') },
    ]);
    const archived = await readNdjson(join(home, 'lake/bronze/events'));
    await bus.idle();
    // Assess
    expect(results).toEqual([
      { status: 'accepted', eventId: 'e-1', routes: ['all-waf', 'blocks'], unknownFields: [] },
      { status: 'accepted', eventId: 'e-2', routes: ['all-waf'], unknownFields: [] },
    ]);
    expect(archived.map((e) => e.id)).toEqual(['e-1', 'e-2']);
    const files = await filesUnder(join(home, 'lake/bronze/events'));
    // Both are 10:xx UTC: one file, this writer's, in that hour's partition.
    expect(files.map((f) => f.slice(home.length))).toEqual([
      expect.stringMatching(/^\/lake\/bronze\/events\/dt=2026-11-27\/hour=10\/part-[\w-]+\.json$/),
    ]);
    expect(delivered.sort()).toEqual(['all-waf e-1', 'all-waf e-2', 'blocks e-1']);
  });

  it('quarantines an invalid event in its hour with its reasons and a masked copy, and still delivers it, as EventBridge would', async () => {
    // Prepare
    const home = await tmpHome();
    const delivered: string[] = [];
    const bus = await openBus({
      home,
      now: () => new Date('2026-12-01T08:30:00.000Z'),
      invoke: async (routeId, event) => {
        delivered.push(`${routeId} ${String(event.id)}`);
        return {};
      },
    });
    const waf = wafEvent('bad-1', 0, '2026-11-27T10:15:00Z');
    const bad = { ...waf, detail: { ...waf.detail, host: 'jane.doe@example.com' } };
    // Act
    const [result] = await bus.put([{ event: bad }]);
    await bus.idle();
    // Assess
    expect(result).toMatchObject({ status: 'quarantined', eventId: 'bad-1', routes: ['all-waf', 'blocks'] });
    const [record] = await readNdjson(join(home, 'lake/bronze/_quarantine'));
    expect(record).toEqual({
      receivedAt: '2026-12-01T08:30:00.000Z',
      reasons: [expect.objectContaining({ pointer: '/detail/host' })],
      event: expect.objectContaining({ id: 'bad-1' }),
    });
    const files = await filesUnder(join(home, 'lake/bronze'));
    const text = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('');
    expect(text).not.toContain('jane.doe@example.com');
    expect(files.map((f) => f.slice(home.length))).toEqual([
      expect.stringMatching(/^\/lake\/bronze\/_quarantine\/dt=2026-11-27\/hour=10\/part-[\w-]+\.json$/),
    ]);
    expect(delivered.sort()).toEqual(['all-waf bad-1', 'blocks bad-1']);
  });

  it('in strict mode refuses an invalid event: nothing archived, nothing delivered', async () => {
    // Prepare
    const home = await tmpHome();
    const delivered: string[] = [];
    const bus = await openBus({
      home,
      invoke: async (routeId) => {
        delivered.push(routeId);
        return {};
      },
    });
    const { detail, ...envelope } = wafEvent('bad-2');
    const bad = { ...envelope, detail: { ...detail, action: 'MAYBE' } };
    // Act
    const results = await bus.put([{ event: bad }, { event: wafEvent('ok-2') }], { strict: true });
    await bus.idle();
    // Assess
    expect(results[0]).toEqual({
      status: 'rejected',
      reasons: [expect.objectContaining({ pointer: '/detail/action' })],
    });
    expect(results[1]).toMatchObject({ status: 'accepted', eventId: 'ok-2' });
    expect(await filesUnder(join(home, 'lake/bronze/_quarantine'))).toEqual([]);
    expect(delivered.sort()).toEqual(['all-waf', 'blocks']);
  });

  it('retries a failing delivery with backoff, then parks it in the dead-letter place with the error', async () => {
    // Prepare
    const home = await tmpHome();
    const deadLetter = new InMemoryDeadLetter();
    const attempts: number[] = [];
    const bus = await openBus({
      home,
      rules: [rules[0] as (typeof rules)[number]],
      deadLetter,
      invoke: async () => {
        attempts.push(Date.now());
        throw new Error('warehouse unavailable');
      },
    });
    // Act
    await bus.put([{ event: wafEvent('e-fail') }]);
    await bus.idle();
    // Assess
    expect(attempts).toHaveLength(3);
    expect(deadLetter.parked).toEqual([
      expect.objectContaining({
        routeId: 'all-waf',
        reason: expect.objectContaining({
          code: 'RetriesExhausted',
          message: '3 attempts failed; last: warehouse unavailable',
        }),
        event: expect.objectContaining({ id: 'e-fail' }),
      }),
    ]);
  });

  it('parks at once a delivery whose error says it is not retryable', async () => {
    // Prepare
    const home = await tmpHome();
    const deadLetter = new InMemoryDeadLetter();
    let calls = 0;
    const bus = await openBus({
      home,
      rules: [rules[0] as (typeof rules)[number]],
      deadLetter,
      invoke: async () => {
        calls++;
        throw Object.assign(new Error("no route 'all-waf'"), { retryable: false });
      },
    });
    // Act
    await bus.put([{ event: wafEvent('e-gone') }]);
    await bus.idle();
    // Assess
    expect(calls).toBe(1);
    expect(deadLetter.parked[0]?.reason).toMatchObject({
      code: 'NotRetryable',
      message: "no route 'all-waf'",
    });
  });

  it('counts a delivery the function parked (a permanent failure) as done, without retrying it', async () => {
    // Prepare
    const home = await tmpHome();
    let calls = 0;
    const reports: string[] = [];
    const bus = await openBus({
      home,
      rules: [rules[0] as (typeof rules)[number]],
      invoke: async () => {
        calls++;
        return { status: 'parked', code: 'EventInvalid', message: 'no' };
      },
      onDelivery: (r) => reports.push(r.outcome.kind),
    });
    // Act
    await bus.put([{ event: wafEvent('e-parked') }]);
    await bus.idle();
    // Assess
    expect(calls).toBe(1);
    expect(reports).toEqual(['parked']);
  });

  it('keeps deliveries that were not done in the journal and resumes them on the next open', async () => {
    // Prepare
    const home = await tmpHome();
    const first = await openBus({
      home,
      rules: [rules[0] as (typeof rules)[number]],
      retry: { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      invoke: async () => {
        throw new Error('down');
      },
    });
    await first.put([{ event: wafEvent('e-later') }]);
    while (first.pendingDeliveries > 0 && (await journalAttempts(home)) === 0)
      await new Promise((r) => setTimeout(r, 5));
    await first.close();
    const delivered: string[] = [];
    // Act
    const second = await openBus({
      home,
      rules: [rules[0] as (typeof rules)[number]],
      invoke: async (routeId, event) => {
        delivered.push(`${routeId} ${String(event.id)}`);
        return {};
      },
    });
    const resumable = second.resumable;
    second.resume();
    await new Promise((r) => setTimeout(r, 10));
    // Assess: the retry is due in a minute; its time is kept.
    expect(resumable).toBe(1);
    expect(second.pendingDeliveries).toBe(1);
    expect(delivered).toEqual([]);
  });

  it('resumes a pending delivery of a process that is gone and delivers it once', async () => {
    // Prepare: a journal row left by a dead owner (pid 2^22+1 does not run here).
    const home = await tmpHome();
    const orphan = wafEvent('e-orphan');
    const journal = new SqliteBusJournal({ file: join(home, 'state/local-bus.sqlite'), owner: '4194305:1' });
    journal.record(
      [],
      [
        {
          routeId: 'all-waf',
          eventId: 'e-orphan',
          eventJson: JSON.stringify(orphan),
          maxAttempts: 3,
          nextAt: 0,
        },
      ],
    );
    journal.close();
    const delivered: string[] = [];
    // Act
    const bus = await openBus({
      home,
      invoke: async (routeId, event) => {
        delivered.push(`${routeId} ${String(event.id)}`);
        return {};
      },
    });
    bus.resume();
    await bus.idle();
    // Assess
    expect(delivered).toEqual(['all-waf e-orphan']);
  });

  it('redoes an archive write a crashed process had journaled but not finished, byte for byte', async () => {
    // Prepare: the journal holds a chunk; the file got only a torn half of it.
    const home = await tmpHome();
    const archive = new NdjsonArchive({ root: join(home, 'lake'), writerId: 'crashed' });
    const lines = [wafEvent('r-1'), wafEvent('r-2')].map((e) => ({
      partition: archivePartition(archiveRecord(e, new Date())),
      line: JSON.stringify(e),
    }));
    const [chunk] = archive.plan(lines);
    if (!chunk) throw new Error('no chunk');
    const journal = new SqliteBusJournal({ file: join(home, 'state/local-bus.sqlite'), owner: '4194305:2' });
    journal.record([chunk], []); // and the process dies: no close()
    await archive.write([{ ...chunk, body: chunk.body.subarray(0, 37) }]);
    await archive.close();
    // Act
    await openBus({ home });
    // Assess
    expect(await readFile(chunk.file)).toEqual(chunk.body);
    expect((await readNdjson(join(home, 'lake/bronze/events'))).map((e) => e.id)).toEqual(['r-1', 'r-2']);
  });

  it('keeps the redo chunk of an append still in flight when a later group commits, and forgets only chunks marked written', async () => {
    // Prepare: group 1 journaled, its append torn; group 2 journaled after it (pipelined); an
    // older chunk 0 was appended, fsynced and marked written.
    const home = await tmpHome();
    const archive = new NdjsonArchive({ root: join(home, 'lake'), writerId: 'crashed' });
    const partition = archivePartition(archiveRecord(wafEvent('p'), new Date()));
    const [c0] = archive.plan([{ partition, line: JSON.stringify(wafEvent('p-0')) }]);
    const [c1] = archive.plan([{ partition, line: JSON.stringify(wafEvent('p-1')) }]);
    const [c2] = archive.plan([{ partition, line: JSON.stringify(wafEvent('p-2')) }]);
    if (!c0 || !c1 || !c2) throw new Error('no chunk');
    const journal = new SqliteBusJournal({ file: join(home, 'state/local-bus.sqlite'), owner: '4194305:3' });
    journal.record([c0], []);
    await archive.write([c0]);
    journal.written([c0]);
    journal.record([c1], []);
    journal.record([c2], []); // and the process dies: c1 torn, c2 not written, no close()
    await archive.write([{ ...c1, body: c1.body.subarray(0, 20) }]);
    await archive.close();
    // A written chunk is not redone: change its bytes on disk to see that.
    const { open: openFile } = await import('node:fs/promises');
    const handle = await openFile(c0.file, 'r+');
    await handle.write(Buffer.from('X'), 0, 1, 0);
    await handle.close();
    // Act
    await openBus({ home });
    // Assess: c1 and c2 redone at their offsets; c0 left alone
    const text = await readFile(c0.file, 'utf8');
    expect(text).toBe(
      `X${c0.body.toString('utf8').slice(1)}${c1.body.toString('utf8')}${c2.body.toString('utf8')}`,
    );
  });

  it('drops bytes a crashed process appended past its journaled end (their commit never finished, never acknowledged)', async () => {
    // Prepare: group 1 journaled and appended; group 2 appended (torn) while its commit ran, and
    // the process died before that commit.
    const home = await tmpHome();
    const archive = new NdjsonArchive({ root: join(home, 'lake'), writerId: 'crashed' });
    const partition = archivePartition(archiveRecord(wafEvent('t'), new Date()));
    const [c1] = archive.plan([{ partition, line: JSON.stringify(wafEvent('t-1')) }]);
    const [c2] = archive.plan([{ partition, line: JSON.stringify(wafEvent('t-2')) }]);
    if (!c1 || !c2) throw new Error('no chunk');
    const journal = new SqliteBusJournal({ file: join(home, 'state/local-bus.sqlite'), owner: '4194305:4' });
    journal.record([c1], []);
    await archive.write([c1, { ...c2, body: c2.body.subarray(0, 50) }]);
    await archive.close();
    // Act
    await openBus({ home });
    // Assess
    expect(await readFile(c1.file)).toEqual(c1.body);
    expect((await readNdjson(join(home, 'lake/bronze/events'))).map((e) => e.id)).toEqual(['t-1']);
  });

  it('delivers a schedule firing directly (no Bronze), journaled, with its own attempt limit', async () => {
    // Prepare
    const home = await tmpHome();
    const deadLetter = new InMemoryDeadLetter();
    const seen: string[] = [];
    const bus = await openBus({
      home,
      deadLetter,
      invoke: async (routeId, event) => {
        seen.push(`${routeId} ${String(event['detail-type'])}`);
        throw new Error('not yet');
      },
    });
    const event = scheduledEvent('nightly', new Date('2026-11-27T03:00:00Z'));
    // Act
    await bus.deliver('nightly', event, 2);
    await bus.idle();
    // Assess
    expect(seen).toEqual(['nightly Scheduled Event', 'nightly Scheduled Event']);
    expect(deadLetter.parked).toEqual([expect.objectContaining({ routeId: 'nightly', event })]);
    expect(await filesUnder(join(home, 'lake'))).toEqual([]);
  });

  it('fails to open with BusStorageFailedError when the journal cannot be created', async () => {
    // Prepare: a home under a file, where no folder can be made
    const file = join(await tmpHome(), 'not-a-folder');
    await writeFile(file, '');
    // Act
    const opening = openBus({ home: join(file, 'home') });
    // Assess
    await expect(opening).rejects.toMatchObject({
      code: 'BusStorageFailed',
      message: expect.stringContaining('ENOTDIR'),
    });
  });

  it('refuses puts after close', async () => {
    // Prepare
    const bus = await openBus({ home: await tmpHome() });
    await bus.close();
    // Act / Assess
    await expect(bus.put([{ event: wafEvent('late') }])).rejects.toMatchObject({ code: 'BusClosed' });
  });
});

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, with jitter down to half', () => {
    // Act / Assess (one call, one expectation each)
    const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(policy, 3, () => 0)).toBe(200);
  });
});

async function journalAttempts(home: string): Promise<number> {
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(join(home, 'state/local-bus.sqlite'));
  try {
    return Number(db.prepare('SELECT max(attempts) AS n FROM deliveries').get()?.n ?? 0);
  } finally {
    db.close();
  }
}
