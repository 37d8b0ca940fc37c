import { aDeployFailedEvent, anEvent } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { ingestEvent, MAX_EVENT_BYTES } from '../src/index.ts';

describe('ingestEvent', () => {
  it('accepts a valid event and returns it as it came', () => {
    // Prepare
    const event = aDeployFailedEvent();
    // Act
    const result = ingestEvent(event);
    // Assess
    expect(result).toEqual({ status: 'accepted', event, unknownFields: [] });
    expect(result.status === 'accepted' && result.event).toBe(event);
  });

  it('accepts a valid event with one extra field, flags it, and keeps the event whole', () => {
    // Prepare
    const event = aDeployFailedEvent({ rollout_wave: 3 });
    const before = JSON.stringify(event);
    // Act
    const result = ingestEvent(event);
    // Assess
    expect(result).toEqual({ status: 'accepted', event, unknownFields: ['/detail/rollout_wave'] });
    expect(JSON.stringify(result.status === 'accepted' ? result.event : undefined)).toBe(before);
  });

  it('accepts the raw body as JSON text or bytes', () => {
    const event = aDeployFailedEvent();
    const text = JSON.stringify(event);
    expect(ingestEvent(text)).toMatchObject({ status: 'accepted', event });
    expect(ingestEvent(new TextEncoder().encode(text))).toMatchObject({ status: 'accepted', event });
  });

  it('rejects an email in any string field, names the field, and masks it for the quarantine', () => {
    // Prepare
    const event = aDeployFailedEvent({ error: 'rolled back by jane.doe@example.com' });
    event.resources.push('ops+pager@example.com');
    // Act
    const result = ingestEvent(event);
    // Assess
    expect(result).toEqual({
      status: 'rejected',
      reasons: [
        { pointer: '/resources/0', message: 'looks like an email address; events must not carry raw emails' },
        {
          pointer: '/detail/error',
          message: 'looks like an email address; events must not carry raw emails',
        },
      ],
      quarantined: {
        ...event,
        resources: ['[masked:email]'],
        detail: { ...event.detail, error: '[masked:email]' },
      },
    });
    expect(JSON.stringify(result)).not.toMatch(/jane\.doe|ops\+pager/);
  });

  it('rejects a malformed envelope with every reason', () => {
    // Prepare
    const { id: _id, ...noId } = aDeployFailedEvent();
    const event = { ...noId, account: 'me', time: 'yesterday', resources: 'x', source: '' };
    // Act
    const result = ingestEvent(event);
    // Assess
    expect(result.status).toBe('rejected');
    expect(result.status === 'rejected' && result.reasons).toEqual([
      { pointer: '/id', message: 'is required' },
      { pointer: '/source', message: 'must not be empty' },
      { pointer: '/account', message: 'must be a 12-digit AWS account id' },
      { pointer: '/time', message: 'must be an RFC 3339 timestamp' },
      { pointer: '/resources', message: 'must be an array of strings' },
    ]);
    expect(result.status === 'rejected' && result.quarantined).toEqual(event);
  });

  it('rejects something that is not an event at all', () => {
    expect(ingestEvent([1, 2])).toMatchObject({
      status: 'rejected',
      reasons: [{ pointer: '' }],
      quarantined: [1, 2],
    });
    expect(ingestEvent({ hello: 'world' })).toMatchObject({ status: 'rejected' });
  });

  it('rejects a body that is not JSON, and masks PII in the text it quarantines', () => {
    // Act
    const result = ingestEvent('{"detail-type": "deploy.failed", "detail": {"by": "jane@example.com"');
    // Assess
    expect(result).toMatchObject({
      status: 'rejected',
      reasons: [{ pointer: '', message: expect.stringMatching(/^not JSON: /) }],
      quarantined: '{"detail-type": "deploy.failed", "detail": {"by": "[masked:email]"',
    });
  });

  it('rejects a 300 KB detail (EventBridge takes 256 KB)', () => {
    // Prepare
    const event = aDeployFailedEvent({ error: 'x'.repeat(300 * 1024) });
    // Act
    const result = ingestEvent(event);
    // Assess
    expect(result.status).toBe('rejected');
    const reasons = result.status === 'rejected' ? result.reasons : [];
    expect(reasons[0]).toEqual({
      pointer: '',
      message: `event is ${JSON.stringify(event).length} bytes; EventBridge's limit is ${MAX_EVENT_BYTES} bytes (256 KB)`,
    });
    // The schema also caps the field: both reasons are reported.
    expect(reasons.map((r) => r.pointer)).toEqual(['', '/detail/error']);
  });

  it('rejects an unknown detail-type and an unknown version', () => {
    expect(ingestEvent(anEvent('deploy.exploded', 'marketplace.deploy', { v: 1 }))).toMatchObject({
      status: 'rejected',
      reasons: [{ pointer: '/detail', message: "no schema for detail-type 'deploy.exploded'" }],
    });
    expect(ingestEvent(aDeployFailedEvent({ v: 7 }))).toMatchObject({
      status: 'rejected',
      reasons: [{ pointer: '/detail/v', message: "no schema for 'deploy.failed' v7 (known: 1)" }],
    });
  });

  it('accepts a native CloudWatch alarm (normalised to alarm.triggered for the check) and keeps it as it came', () => {
    // Prepare
    const event = anEvent('CloudWatch Alarm State Change', 'aws.cloudwatch', {
      alarmName: 'search-latency',
      state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: '2026-11-27T10:00:00.000+0000' },
      previousState: { value: 'OK', reason: 'ok', timestamp: '2026-11-27T09:00:00.000+0000' },
      configuration: { metrics: [] },
    });
    // Act
    const result = ingestEvent(event);
    // Assess
    expect(result).toEqual({ status: 'accepted', event, unknownFields: [] });
  });
});
