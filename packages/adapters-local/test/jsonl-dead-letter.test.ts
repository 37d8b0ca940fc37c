import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParkedEvent } from '@lakeops/core';
import { describe, expect, it } from 'vitest';
import { JsonlDeadLetter, lineId } from '../src/index.ts';

const tmpDir = () => mkdtemp(join(tmpdir(), 'lakeops-dlq-'));

const parked: ParkedEvent = {
  v: 1,
  routeId: 'notify-deploy',
  event: { id: 'e1', source: 'marketplace.deploy', 'detail-type': 'deploy.failed', detail: {} },
  reason: { code: 'EventInvalid', message: 'bad', retryable: false },
  attempts: 1,
  parkedAt: '2026-01-01T00:00:00.000Z',
  parkedBy: 'function',
};

describe('JsonlDeadLetter', () => {
  it('parks one v1 line per event in the route’s file, append-only', async () => {
    // Prepare
    const dl = new JsonlDeadLetter({ dir: await tmpDir() });
    const second = { ...parked, event: { id: 'e2' } };
    // Act
    await dl.park(parked);
    await dl.park(second);
    // Assess
    const lines = (await readFile(join(dl.dir, 'notify-deploy.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([parked, second]);
  });

  it('lists every route file’s lines with stable ids; reads unversioned lines as v1; flags broken ones', async () => {
    // Prepare
    const dl = new JsonlDeadLetter({ dir: await tmpDir() });
    await dl.park(parked);
    await dl.park({ ...parked, routeId: 'sre-waf', parkedBy: 'local-bus', attempts: 3 });
    const legacy = JSON.stringify({
      routeId: 'sre-waf',
      reason: { code: 'EventInvalid', message: 'old' },
      event: { id: 'old' },
      parkedAt: '2025-12-01T00:00:00.000Z',
    });
    await writeFile(join(dl.dir, 'sre-waf.jsonl'), `${legacy}\nnot json\n`, { flag: 'a' });
    // Act
    const lines = await dl.list();
    // Assess
    expect(
      lines.map((l) => (l.ok ? [l.parked.routeId, l.parked.parkedBy, l.parked.attempts] : l.problem)),
    ).toEqual([
      ['notify-deploy', 'function', 1],
      ['sre-waf', 'local-bus', 3],
      ['sre-waf', 'function', 1],
      'not JSON',
    ]);
    expect(lines[2]).toMatchObject({
      id: lineId(legacy),
      parked: { v: 1, reason: { code: 'EventInvalid', message: 'old', retryable: false } },
    });
    expect((await dl.list()).map((l) => l.id)).toEqual(lines.map((l) => l.id));
  });

  it('removes exactly one line, keeps the others, and deletes an emptied file', async () => {
    // Prepare
    const dl = new JsonlDeadLetter({ dir: await tmpDir() });
    await dl.park(parked);
    await dl.park({ ...parked, event: { id: 'e2' } });
    const [first, second] = await dl.list();
    if (!first || !second) throw new Error('expected two lines');
    // Act
    const removed = await dl.remove(first.file, first.id);
    const again = await dl.remove(first.file, first.id);
    const left = await dl.list();
    await dl.remove(second.file, second.id);
    // Assess
    expect([removed, again]).toEqual([true, false]);
    expect(left.map((l) => l.id)).toEqual([second.id]);
    expect((await readdir(dl.dir)).filter((n) => n.endsWith('.jsonl'))).toEqual([]);
  });

  it('loses no event parked while lines are being removed (both hold the lock)', async () => {
    // Prepare
    const dl = new JsonlDeadLetter({ dir: await tmpDir() });
    for (let i = 0; i < 60; i++) await dl.park({ ...parked, event: { id: `old-${i}` } });
    const old = await dl.list();
    const parkLater = (i: number) =>
      new Promise((resolve) => setTimeout(resolve, i)).then(() =>
        dl.park({ ...parked, event: { id: `new-${i}` } }),
      );
    // Act: remove the old lines one by one while 40 new ones are parked meanwhile
    await Promise.all([
      (async () => {
        for (const l of old) await dl.remove(l.file, l.id);
      })(),
      ...Array.from({ length: 40 }, (_, i) => parkLater(i)),
    ]);
    // Assess
    const ids = (await dl.list()).map((l) => (l.ok ? (l.parked.event as { id: string }).id : l.problem));
    expect(ids.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `new-${i}`).sort());
  });
});
