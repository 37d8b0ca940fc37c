import { aDeployFailedEvent, anEvent } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { archivePartition, archiveRecord } from '../src/index.ts';

const arrived = new Date('2026-12-01T08:30:05.250Z');

describe('archiveRecord', () => {
  it('puts a valid event, unchanged, in events at the UTC date and hour of its time', () => {
    // Prepare: 00:30 at +02:00 is 22:30 UTC the day before
    const event = anEvent('deploy.failed', 'marketplace.deploy', aDeployFailedEvent().detail, {
      id: 'e-1',
      time: '2026-11-28T00:30:00+02:00',
    });
    // Act
    const record = archiveRecord(event, arrived);
    // Assess
    expect(record).toEqual({
      area: 'events',
      status: 'accepted',
      dt: '2026-11-27',
      hour: '22',
      line: JSON.stringify(event),
      event,
      unknownFields: [],
    });
    expect(archivePartition(record)).toBe('bronze/events/dt=2026-11-27/hour=22');
  });

  it('keeps the JSON text of a one-line body as it came, every digit of a number included', () => {
    // Prepare: an unknown field holding an integer JSON.parse would round
    const text = JSON.stringify(aDeployFailedEvent({}, 'e-2')).replace(
      /}$/,
      ',"trace":12345678901234567890}',
    );
    // Act
    const record = archiveRecord(new TextEncoder().encode(text), arrived);
    // Assess
    expect(record).toMatchObject({ area: 'events', unknownFields: ['/trace'], line: text });
  });

  it('quarantines an event that breaks its contract in the hour of its time, with its reasons, PII masked', () => {
    // Prepare
    const event = aDeployFailedEvent(
      { error: 'rolled back by jane.doe@example.com', service: undefined },
      'e-3',
    );
    // Act
    const record = archiveRecord(JSON.stringify(event), arrived);
    // Assess
    expect(record).toMatchObject({ area: '_quarantine', status: 'rejected', dt: '2026-11-27', hour: '10' });
    const line = JSON.parse(record.line) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual(['receivedAt', 'reasons', 'event']);
    expect(line.receivedAt).toBe('2026-12-01T08:30:05.250Z');
    expect(line.reasons).toEqual([
      { pointer: '/detail/service', message: 'is required' },
      expect.objectContaining({ pointer: '/detail/error' }),
    ]);
    expect(record.line).not.toContain('jane.doe@example.com');
    expect((line.event as { id: string }).id).toBe('e-3');
  });

  it('quarantines a body that is not JSON, masked, in the hour it arrived', () => {
    // Act
    const record = archiveRecord('{"id": "x", "by": "jane.doe@example.com"', arrived);
    // Assess
    expect(record).toMatchObject({ area: '_quarantine', dt: '2026-12-01', hour: '08' });
    const line = JSON.parse(record.line) as { reasons: { pointer: string }[]; event: unknown };
    expect(line.reasons.map((r) => r.pointer)).toEqual(['']);
    expect(typeof line.event).toBe('string');
    expect(record.line).not.toContain('jane.doe@example.com');
  });

  it('falls back to the arrival hour when the time is not RFC 3339', () => {
    // Prepare
    const event = { ...aDeployFailedEvent(), time: 'yesterday' };
    // Act
    const record = archiveRecord(event, arrived);
    // Assess
    expect(record).toMatchObject({ area: '_quarantine', dt: '2026-12-01', hour: '08' });
    expect(record.status === 'rejected' && record.reasons).toEqual([
      { pointer: '/time', message: 'must be an RFC 3339 timestamp' },
    ]);
  });

  it('puts 24:00:00 in hour 00 of the next day', () => {
    // Act
    const record = archiveRecord({ ...aDeployFailedEvent(), time: '2026-11-27T24:00:00Z' }, arrived);
    // Assess
    expect(record).toMatchObject({ area: 'events', dt: '2026-11-28', hour: '00' });
  });
});
