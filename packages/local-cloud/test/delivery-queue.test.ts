import { InMemoryDeadLetter } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { DeliveryQueue } from '../src/delivery-queue.ts';
import type { DeliveryJournal, PendingDelivery } from '../src/sqlite-bus-journal.ts';

/** A journal that only remembers which deliveries are done (the queue's parking is under test). */
function memoryJournal(): DeliveryJournal & { doneIds: number[] } {
  const doneIds: number[] = [];
  return { doneIds, done: (ids) => void doneIds.push(...ids), retryLater: () => {}, flush: () => {} };
}

const event = { id: 'e-1', source: 'marketplace.edge', 'detail-type': 'waf.block', detail: { v: 1 } };
const delivery = (maxAttempts: number): PendingDelivery => ({
  id: 7,
  routeId: 'sre-waf',
  eventId: 'e-1',
  event,
  eventJson: JSON.stringify(event),
  attempts: 0,
  maxAttempts,
  nextAt: 0,
});

describe('DeliveryQueue parking', () => {
  it('parks a delivery whose retries ran out in the one v1 shape, ', async () => {
    // Prepare
    const deadLetter = new InMemoryDeadLetter();
    const journal = memoryJournal();
    const queue = new DeliveryQueue({
      journal,
      deadLetter,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      invoke: async () => {
        throw Object.assign(new Error('warehouse unavailable'), { code: 'DependencyUnavailable' });
      },
    });
    // Act
    queue.add([delivery(2)]);
    await queue.idle();
    // Assess
    expect(deadLetter.parked).toEqual([
      {
        v: 1,
        routeId: 'sre-waf',
        event,
        reason: {
          code: 'RetriesExhausted',
          message: '2 attempts failed; last: warehouse unavailable',
          retryable: true,
          details: { code: 'DependencyUnavailable' },
        },
        attempts: 2,
        parkedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        parkedBy: 'local-bus',
      },
    ]);
    expect(journal.doneIds).toEqual([7]);
  });

  it('parks at once, as not retryable, a delivery whose error says so', async () => {
    // Prepare
    const deadLetter = new InMemoryDeadLetter();
    let calls = 0;
    const queue = new DeliveryQueue({
      journal: memoryJournal(),
      deadLetter,
      invoke: async () => {
        calls++;
        throw Object.assign(new Error("no route 'sre-waf'"), { code: 'RouteUnknown', retryable: false });
      },
    });
    // Act
    queue.add([delivery(6)]);
    await queue.idle();
    // Assess
    expect(calls).toBe(1);
    expect(deadLetter.parked[0]).toMatchObject({
      reason: { code: 'NotRetryable', message: "no route 'sre-waf'", retryable: false },
      attempts: 1,
      parkedBy: 'local-bus',
    });
  });
});
