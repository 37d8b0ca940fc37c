import { describe, expect, it } from 'vitest';
import { nextFireTime, parseScheduleExpression } from '../src/index.ts';

const next = (expression: string, after: string, timeZone?: string) =>
  nextFireTime(parseScheduleExpression(expression), new Date(after), timeZone)?.toISOString();

describe('cron() as EventBridge Scheduler documents it', () => {
  it.each([
    // expression, after, time zone, next
    ['cron(0/15 * * * ? *)', '2026-11-27T10:07:00Z', undefined, '2026-11-27T10:15:00.000Z'],
    ['cron(0/15 * * * ? *)', '2026-11-27T10:15:00Z', undefined, '2026-11-27T10:30:00.000Z'],
    ['cron(0 10 * * ? *)', '2026-11-27T10:00:30Z', undefined, '2026-11-28T10:00:00.000Z'],
    ['cron(15 12 * * ? *)', '2026-11-27T00:00:00Z', undefined, '2026-11-27T12:15:00.000Z'],
    ['cron(0 18 ? * MON-FRI *)', '2026-11-27T18:00:00Z', undefined, '2026-11-30T18:00:00.000Z'],
    ['cron(0 8 1 * ? *)', '2026-11-27T00:00:00Z', undefined, '2026-12-01T08:00:00.000Z'],
    ['cron(0/10 * ? * MON-FRI *)', '2026-11-28T00:00:00Z', undefined, '2026-11-30T00:00:00.000Z'],
    ['cron(0/5 8-17 ? * MON-FRI *)', '2026-11-27T17:55:00Z', undefined, '2026-11-30T08:00:00.000Z'],
    ['cron(0 9 ? * 2#1 *)', '2026-11-27T00:00:00Z', undefined, '2026-12-07T09:00:00.000Z'],
    ['cron(0 10 ? * 6L *)', '2026-11-01T00:00:00Z', undefined, '2026-11-27T10:00:00.000Z'],
    ['cron(0 10 ? * L *)', '2026-11-27T00:00:00Z', undefined, '2026-11-28T10:00:00.000Z'],
    ['cron(0 10 L * ? *)', '2027-02-01T00:00:00Z', undefined, '2027-02-28T10:00:00.000Z'],
    ['cron(0 10 LW * ? *)', '2026-11-01T00:00:00Z', undefined, '2026-11-30T10:00:00.000Z'],
    ['cron(0 10 LW * ? *)', '2026-05-01T00:00:00Z', undefined, '2026-05-29T10:00:00.000Z'],
    ['cron(0 10 15W * ? *)', '2026-11-01T00:00:00Z', undefined, '2026-11-16T10:00:00.000Z'],
    ['cron(0 10 1W * ? *)', '2026-08-01T00:00:00Z', undefined, '2026-08-03T10:00:00.000Z'],
    ['cron(0 10 31W * ? *)', '2026-05-01T00:00:00Z', undefined, '2026-05-29T10:00:00.000Z'],
    ['cron(0 0 29 2 ? *)', '2026-03-01T00:00:00Z', undefined, '2028-02-29T00:00:00.000Z'],
    ['cron(0 0 1 JAN,jul ? 2027-2028)', '2026-03-01T00:00:00Z', undefined, '2027-01-01T00:00:00.000Z'],
    ['cron(0 22-2 * * ? *)', '2026-11-27T02:30:00Z', undefined, '2026-11-27T22:00:00.000Z'],
    ['cron(0 1 1 1 ? 2020)', '2026-03-01T00:00:00Z', undefined, undefined],
    // time zones
    ['cron(0 3 * * ? *)', '2026-11-27T10:07:00Z', 'Europe/Berlin', '2026-11-28T02:00:00.000Z'],
    ['cron(0 9 * * ? *)', '2026-07-01T00:00:00Z', 'America/New_York', '2026-07-01T13:00:00.000Z'],
    ['cron(0 9 * * ? *)', '2026-12-01T00:00:00Z', 'America/New_York', '2026-12-01T14:00:00.000Z'],
    ['cron(30 5 * * ? *)', '2026-11-27T00:00:00Z', 'Asia/Kolkata', '2026-11-28T00:00:00.000Z'],
  ])('%s after %s (%s) → %s', (expression, after, timeZone, expected) => {
    // Act / Assess (one call, one expectation each)
    expect(next(expression, after, timeZone)).toBe(expected);
  });

  it('skips a time that does not exist when clocks spring forward', () => {
    // Act / Assess (one call, one expectation each)
    // 2026-03-29 02:30 does not exist in Berlin.
    expect(next('cron(30 2 * * ? *)', '2026-03-28T12:00:00Z', 'Europe/Berlin')).toBe(
      '2026-03-30T00:30:00.000Z',
    );
  });

  it('fires once at a time that occurs twice when clocks fall back', () => {
    // Act / Assess (one call, one expectation each)
    // 2026-10-25 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
    expect(next('cron(30 2 * * ? *)', '2026-10-24T12:00:00Z', 'Europe/Berlin')).toBe(
      '2026-10-25T00:30:00.000Z',
    );
    expect(next('cron(30 2 * * ? *)', '2026-10-25T00:30:00Z', 'Europe/Berlin')).toBe(
      '2026-10-26T01:30:00.000Z',
    );
  });

  it.each([
    ['cron(* * * * * *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(0 0 ? * ? *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(0 0 * * ?)', 'cron() takes 6 fields, got 5'],
    ['cron(60 0 * * ? *)', 'minutes 60 is out of range 0-59'],
    ['cron(0 0 32 * ? *)', 'day-of-month 32 is out of range 1-31'],
    ['cron(0 0 ? * 8 *)', 'day-of-week 8 is out of range 1-7'],
    ['cron(0 0 ? * MON#6 *)', '# takes 1-5'],
    ['cron(0 0 1,L * ? *)', 'L and W stand alone'],
    ['cron(0 0 * FOO ? *)', "month 'FOO' is not a number or a name"],
    ['cron(0/0 0 * * ? *)', 'bad increment'],
    ['cron(0 0 * * ? 1969)', 'year 1969 is out of range 1970-2199'],
    ['rate(1 minutes)', 'use the singular unit for 1 (minute)'],
    ['rate(5 minute)', 'use the plural unit (minutes)'],
    ['rate(0 hours)', 'the rate value must be at least 1'],
    ['rate(5 weeks)', 'rate() takes a positive whole number'],
    ['at(2026-02-30T00:00:00)', 'at() is not a valid date and time'],
    ['every day', 'expected rate(value unit), cron(6 fields) or at(yyyy-mm-ddThh:mm:ss)'],
  ])('rejects %s: %s', (expression, message) => {
    // Act / Assess (one call, one expectation each)
    expect(() => parseScheduleExpression(expression)).toThrow(message);
  });
});

describe('rate() and at()', () => {
  it('fires a rate every interval from its anchor', () => {
    // Act / Assess (one call, one expectation each)
    const rate = parseScheduleExpression('rate(5 minutes)');
    const anchor = new Date('2026-11-27T10:00:00Z');
    expect(nextFireTime(rate, anchor, 'UTC', anchor)?.toISOString()).toBe('2026-11-27T10:05:00.000Z');
    expect(nextFireTime(rate, new Date('2026-11-27T10:12:00Z'), 'UTC', anchor)?.toISOString()).toBe(
      '2026-11-27T10:15:00.000Z',
    );
    expect(parseScheduleExpression('rate(1 day)')).toMatchObject({ everyMs: 86_400_000 });
  });

  it('fires at() once, in its time zone', () => {
    // Act / Assess (one call, one expectation each)
    expect(next('at(2027-01-01T09:00:00)', '2026-03-01T00:00:00Z', 'America/New_York')).toBe(
      '2027-01-01T14:00:00.000Z',
    );
    expect(next('at(2027-01-01T09:00:00)', '2027-01-02T00:00:00Z')).toBeUndefined();
  });

  it('rejects an unknown time zone', () => {
    // Act / Assess (one call, one expectation each)
    expect(() => next('rate(1 hour)', '2026-01-01T00:00:00Z', 'Mars/Olympus')).toThrow(
      "unknown time zone 'Mars/Olympus'",
    );
  });
});
