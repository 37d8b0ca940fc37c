import { InMemoryStateStore, ManualClock } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import {
  DeletionQueue,
  deletionKeys,
  hashUserId,
  recordTombstone,
  type TombstoneEvent,
} from '../src/index.ts';

const salt = { get: async () => 'test-salt' };
const tombstone = (requestId: string, userId: string): TombstoneEvent => ({
  id: `evt-${requestId}`,
  detail: {
    v: 1,
    user_id: userId,
    request_id: requestId,
    requested_at: '2026-11-30T10:00:00Z',
    reason: 'user_request',
    anon_ids: ['anon-9'],
  },
});

async function everyItem(state: InMemoryStateStore) {
  const out = [];
  for (const pk of ['dsar#pending', 'dsar#done', 'dsar#user']) out.push(...(await state.query({ pk })).items);
  return out;
}

describe('recordTombstone', () => {
  it('queues the request with the user id, and indexes the user by salted hash only', async () => {
    // Prepare
    const clock = new ManualClock();
    const state = new InMemoryStateStore({ clock });
    // Act
    const out = await recordTombstone({ state, salt, clock }, tombstone('r-1', 'u_123'));
    // Assess
    const hash = await hashUserId('test-salt', 'u_123');
    expect(out).toEqual({ status: 'queued', requestId: 'r-1' });
    expect(await new DeletionQueue({ state, clock }).pending()).toEqual([
      {
        requestId: 'r-1',
        userId: 'u_123',
        anonIds: ['anon-9'],
        userHash: hash,
        requestedAt: '2026-11-30T10:00:00Z',
        reason: 'user_request',
        receivedAt: '2026-12-01T02:00:00.000Z',
      },
    ]);
    expect((await state.get(deletionKeys.user(hash)))?.value).toEqual({ requestId: 'r-1' });
    expect(JSON.stringify((await state.query({ pk: 'dsar#user' })).items)).not.toContain('u_123');
  });

  it('treats a replay of the same request as a no-op', async () => {
    // Prepare
    const clock = new ManualClock();
    const state = new InMemoryStateStore({ clock });
    await recordTombstone({ state, salt, clock }, tombstone('r-1', 'u_123'));
    clock.advance(60);
    // Act
    const again = await recordTombstone({ state, salt, clock }, tombstone('r-1', 'u_123'));
    // Assess
    expect(again).toEqual({ status: 'duplicate-request', requestId: 'r-1' });
    const pending = await new DeletionQueue({ state, clock }).pending();
    expect(pending.map((p) => p.receivedAt)).toEqual(['2026-12-01T02:00:00.000Z']);
  });

  it('does not queue the same user twice under another request id', async () => {
    // Prepare
    const clock = new ManualClock();
    const state = new InMemoryStateStore({ clock });
    await recordTombstone({ state, salt, clock }, tombstone('r-1', 'u_123'));
    // Act
    const other = await recordTombstone({ state, salt, clock }, tombstone('r-2', 'u_123'));
    // Assess
    expect(other).toEqual({ status: 'duplicate-user', requestId: 'r-1' });
    expect((await new DeletionQueue({ state, clock }).pending()).map((p) => p.requestId)).toEqual(['r-1']);
  });

  it('completes a request whose first attempt stopped after claiming the user', async () => {
    // Prepare
    const clock = new ManualClock();
    const state = new InMemoryStateStore({ clock });
    await state.put(deletionKeys.user(await hashUserId('test-salt', 'u_123')), { requestId: 'r-1' });
    // Act
    const out = await recordTombstone({ state, salt, clock }, tombstone('r-1', 'u_123'));
    // Assess
    expect(out.status).toBe('queued');
    expect((await new DeletionQueue({ state, clock }).pending()).map((p) => p.requestId)).toEqual(['r-1']);
  });

  it('keeps no raw id once the purge is verified, and a later replay stays a no-op', async () => {
    // Prepare
    const clock = new ManualClock();
    const state = new InMemoryStateStore({ clock });
    const queue = new DeletionQueue({ state, clock });
    await recordTombstone({ state, salt, clock }, tombstone('r-1', 'u_123'));
    const [pending] = await queue.pending();
    if (!pending) throw new Error('not queued');
    // Act
    await queue.markVerified({
      requestId: 'r-1',
      userHash: pending.userHash,
      requestedAt: pending.requestedAt,
      verifiedAt: '2026-12-01T02:10:00Z',
      runId: 'run-1',
      rowsRemoved: 12,
    });
    const replay = await recordTombstone({ state, salt, clock }, tombstone('r-1', 'u_123'));
    // Assess
    const stored = JSON.stringify(await everyItem(state));
    expect(stored).not.toContain('u_123');
    expect(stored).not.toContain('anon-9');
    expect(stored).toContain(pending.userHash);
    expect(replay).toEqual({ status: 'duplicate-request', requestId: 'r-1' });
    expect(await queue.pending()).toEqual([]);
  });
});

describe('hashUserId', () => {
  it('is HMAC-SHA-256 keyed with the salt (RFC 4231 test case 2)', async () => {
    // Act
    const mac = await hashUserId('Jefe', 'what do ya want for nothing?');
    // Assess
    expect(mac).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
});
