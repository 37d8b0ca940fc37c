import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableEventBus } from '@lakeops/local-cloud';
import { aDeployFailedEvent, InMemoryDeadLetter } from '@lakeops/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// Issue 3, "Done when": each bad event gets a clear rejection and ends in the quarantine, masked;
// a valid event with one extra field is accepted, flagged, and stored unchanged in Bronze.

let home: string;
let bus: DurableEventBus;

async function linesUnder(dir: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return out;
  }
  for (const e of entries.filter((x) => x.isFile()).sort((a, b) => a.name.localeCompare(b.name))) {
    const text = await readFile(join(e.parentPath, e.name), 'utf8');
    for (const line of text.split('\n'))
      if (line !== '') out.push(JSON.parse(line) as Record<string, unknown>);
  }
  return out;
}

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'lakeops-ingest-'));
  bus = await DurableEventBus.open({
    home,
    rules: [{ id: 'deploys', pattern: { source: ['marketplace.deploy'] } }],
    invoke: async () => ({ status: 'processed', result: null }),
    deadLetter: new InMemoryDeadLetter(),
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  });
});

afterEach(async () => {
  await bus.idle();
  await bus.close();
  await rm(home, { recursive: true, force: true });
});

describe('ingest on the local bus: contracts + quarantine', () => {
  it('quarantines an email, a malformed envelope, a non-JSON body and a 300 KB detail; keeps a valid event with an extra field whole', async () => {
    // Prepare
    const withEmail = aDeployFailedEvent({ error: 'rolled back by jane.doe@example.com' }, 'evt-email');
    const { source: _source, ...malformed } = aDeployFailedEvent({}, 'evt-envelope');
    const notJson = '{"id": "evt-text", "detail": {"by": "jane.doe@example.com"';
    const huge = aDeployFailedEvent({ error: 'x'.repeat(300 * 1024) }, 'evt-huge');
    const extra = aDeployFailedEvent({ rollout_wave: 3 }, 'evt-extra');
    // Act
    const results = await bus.put([
      { event: withEmail },
      { event: malformed },
      { event: notJson },
      { event: huge },
      { event: extra },
    ]);
    await bus.idle();
    // Assess: the answers
    expect(results.map((r) => r.status)).toEqual([
      'quarantined',
      'quarantined',
      'quarantined',
      'quarantined',
      'accepted',
    ]);
    const reasons = results.map((r) => (r.status === 'quarantined' ? r.reasons.map((x) => x.pointer) : []));
    expect(reasons[0]).toEqual(['/detail/error']);
    expect(reasons[1]).toEqual(['/source']);
    expect(reasons[2]).toEqual(['']);
    expect(reasons[3]).toEqual(['', '/detail/error']);
    expect(results[4]).toMatchObject({
      status: 'accepted',
      eventId: 'evt-extra',
      unknownFields: ['/detail/rollout_wave'],
    });
    // Assess: four records in the quarantine, each with its reasons, nothing raw
    const quarantined = await linesUnder(join(home, 'lake/bronze/_quarantine'));
    expect(quarantined).toHaveLength(4);
    for (const q of quarantined) expect((q.reasons as unknown[]).length).toBeGreaterThan(0);
    const everything =
      JSON.stringify(quarantined) + JSON.stringify(await linesUnder(join(home, 'lake/bronze/events')));
    expect(everything).not.toContain('jane.doe@example.com');
    // Assess: the valid event is in Bronze exactly as sent, extra field included
    const bronze = await linesUnder(join(home, 'lake/bronze/events'));
    expect(bronze).toEqual([extra]);
  });
});
