import { DeletionQueue } from '@lakeops/core';
import { anEvent, InMemoryDeadLetter, InMemoryStateStore, ManualClock } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { make } from '../dsar-intake.ts';
import { lambdaContext } from '../lib/lambda-context.ts';
import { routeById } from '../routes.ts';

const ctx = () => lambdaContext(routeById('dsar-intake'), 'req-1');
const tombstone = (detail: Record<string, unknown>, id: string) =>
  anEvent(
    'user.tombstoned',
    'marketplace.accounts',
    {
      v: 1,
      user_id: 'u_42',
      request_id: 'dsar-1',
      requested_at: '2026-11-30T09:00:00Z',
      reason: 'user_request',
      ...detail,
    },
    { id },
  );

function build() {
  const clock = new ManualClock();
  const state = new InMemoryStateStore({ clock });
  const deadLetter = new InMemoryDeadLetter();
  const handler = make({ state, salt: { get: async () => 'salt-for-tests-only' }, clock, deadLetter });
  return { state, deadLetter, handler, queue: new DeletionQueue({ state, clock }) };
}

describe('dsar-intake', () => {
  it('queues a tombstone and answers with the request id only', async () => {
    // Prepare
    const { handler, queue } = build();
    // Act
    const result = await handler(tombstone({}, 'evt-1'), ctx());
    // Assess
    expect(result).toEqual({ status: 'processed', result: { status: 'queued', requestId: 'dsar-1' } });
    expect(JSON.stringify(result)).not.toContain('u_42');
    expect((await queue.pending()).map((p) => [p.requestId, p.userId])).toEqual([['dsar-1', 'u_42']]);
  });

  it('processes a redelivered tombstone as a duplicate and queues nothing more', async () => {
    // Prepare
    const { handler, queue } = build();
    await handler(tombstone({}, 'evt-1'), ctx());
    // Act
    const again = await handler(tombstone({}, 'evt-1'), ctx());
    const otherRequest = await handler(tombstone({ request_id: 'dsar-2' }, 'evt-2'), ctx());
    // Assess
    expect(again).toMatchObject({ status: 'processed', result: { status: 'duplicate-request' } });
    expect(otherRequest).toMatchObject({
      status: 'processed',
      result: { status: 'duplicate-user', requestId: 'dsar-1' },
    });
    expect(await queue.pending()).toHaveLength(1);
  });

  it('parks a tombstone that breaks its contract and queues nothing', async () => {
    // Prepare
    const { handler, queue, deadLetter } = build();
    // Act
    const result = await handler(tombstone({ user_id: '' }, 'evt-3'), ctx());
    // Assess
    expect(result).toMatchObject({ status: 'parked', code: 'EventInvalid' });
    expect(deadLetter.parked).toHaveLength(1);
    expect(await queue.pending()).toEqual([]);
  });

  it('parks an invalid tombstone without the user id or anon ids, and refuses it when redriven as parked', async () => {
    // Prepare
    const { handler, queue, deadLetter } = build();
    const invalid = tombstone({ reason: 'forgot', anon_ids: ['anon_7'] }, 'evt-4');
    // Act
    const result = await handler(invalid, ctx());
    const parked = deadLetter.parked[0]?.event;
    const redriven = await handler(parked, ctx());
    const fixed = await handler(
      { ...(parked as object), detail: { ...(parked as { detail: object }).detail, reason: 'admin' } },
      ctx(),
    );
    // Assess
    expect(result).toMatchObject({ status: 'parked', code: 'EventInvalid' });
    expect(JSON.stringify(parked)).not.toContain('u_42');
    expect(JSON.stringify(parked)).not.toContain('anon_7');
    expect(parked).toMatchObject({
      detail: { user_id: '[masked:personal-id]', anon_ids: ['[masked:personal-id]'], request_id: 'dsar-1' },
    });
    expect(redriven).toMatchObject({ status: 'parked', code: 'EventInvalid' });
    expect(fixed).toMatchObject({ status: 'parked', code: 'EventInvalid' });
    expect(await queue.pending()).toEqual([]);
  });
});
