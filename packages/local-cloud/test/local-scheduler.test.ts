import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalScheduler, scheduledEvent } from '../src/index.ts';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-11-27T09:58:30Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LocalScheduler', () => {
  it('runs schedule time faster with speed: rate(5 minutes) at 300 fires every real second', async () => {
    // Prepare
    const fired: string[] = [];
    const scheduler = new LocalScheduler({
      rules: [{ id: 'nrt', schedule: 'rate(5 minutes)' }],
      fire: (id, at) => {
        fired.push(`${id} ${at.toISOString()}`);
      },
      speed: 300,
    });
    // Act
    scheduler.start();
    await vi.advanceTimersByTimeAsync(3_000);
    scheduler.stop();
    // Assess
    expect(fired).toEqual([
      'nrt 2026-11-27T10:03:30.000Z',
      'nrt 2026-11-27T10:08:30.000Z',
      'nrt 2026-11-27T10:13:30.000Z',
    ]);
    expect(() => new LocalScheduler({ rules: [], fire: () => {}, speed: 0.5 })).toThrow(RangeError);
  });

  it('fires each schedule route at the times its expression gives, with the time it was due', async () => {
    // Prepare
    const fired: string[] = [];
    const scheduler = new LocalScheduler({
      rules: [
        { id: 'every-minute', schedule: 'rate(1 minute)' },
        { id: 'at-ten-berlin', schedule: 'cron(0 11 * * ? *)', timezone: 'Europe/Berlin' },
      ],
      fire: (id, at) => {
        fired.push(`${id} ${at.toISOString()}`);
      },
    });
    // Act
    scheduler.start();
    const planned = scheduler.nextRuns();
    await vi.advanceTimersByTimeAsync(3 * 60_000);
    scheduler.stop();
    // Assess
    expect(planned.map((p) => `${p.routeId} ${p.at.toISOString()}`)).toEqual([
      'every-minute 2026-11-27T09:59:30.000Z',
      'at-ten-berlin 2026-11-27T10:00:00.000Z',
    ]);
    expect(fired).toEqual([
      'every-minute 2026-11-27T09:59:30.000Z',
      'at-ten-berlin 2026-11-27T10:00:00.000Z',
      'every-minute 2026-11-27T10:00:30.000Z',
      'every-minute 2026-11-27T10:01:30.000Z',
    ]);
    expect(scheduler.nextRuns()).toEqual([]);
  });

  it('keeps firing when one firing fails', async () => {
    // Prepare
    let calls = 0;
    const scheduler = new LocalScheduler({
      rules: [{ id: 'flaky', schedule: 'rate(1 minute)' }],
      fire: async () => {
        calls++;
        throw new Error('boom');
      },
    });
    // Act
    scheduler.start();
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    scheduler.stop();
    // Assess
    expect(calls).toBe(2);
  });

  it('refuses a bad expression or time zone when it is built', () => {
    // Act / Assess (one call, one expectation each)
    expect(
      () => new LocalScheduler({ rules: [{ id: 'x', schedule: 'cron(* * * * * *)' }], fire: () => {} }),
    ).toThrow(/exactly one of day-of-month and day-of-week/);
    expect(
      () =>
        new LocalScheduler({
          rules: [{ id: 'x', schedule: 'rate(1 hour)', timezone: 'Nowhere/Land' }],
          fire: () => {},
        }),
    ).toThrow(/unknown time zone/);
  });
});

describe('scheduledEvent', () => {
  it('looks like the event EventBridge Scheduler gives a target', () => {
    // Act / Assess (one call, one expectation each)
    expect(
      scheduledEvent('nightly', new Date('2026-11-27T03:00:00.000Z'), {
        account: '111122223333',
        region: 'eu-west-1',
        now: () => new Date(),
        newId: () => 'id-1',
      }),
    ).toEqual({
      version: '0',
      id: 'id-1',
      'detail-type': 'Scheduled Event',
      source: 'aws.scheduler',
      account: '111122223333',
      time: '2026-11-27T03:00:00Z',
      region: 'eu-west-1',
      resources: ['arn:aws:scheduler:eu-west-1:111122223333:schedule/default/nightly'],
      detail: {},
    });
  });
});
