import { describe, expect, it } from 'vitest';
import { type ParkedEvent, parkedEnvelope, readParkedEvent } from '../src/index.ts';

const parked: ParkedEvent = {
  v: 1,
  routeId: 'notify-deploy',
  event: { id: 'e1', source: 'marketplace.deploy', 'detail-type': 'deploy.failed', detail: { who: 'x@y.z' } },
  reason: {
    code: 'EventInvalid',
    message: 'bad',
    retryable: false,
    details: [{ pointer: '/v', message: 'required' }],
  },
  attempts: 1,
  parkedAt: '2026-11-27T10:00:00.000Z',
  parkedBy: 'function',
  functionArn: 'arn:aws:lambda:eu-west-1:1:function:f',
};

describe('readParkedEvent', () => {
  it('reads a v1 record back exactly (a JSON round trip)', () => {
    // Act
    const read = readParkedEvent(JSON.parse(JSON.stringify(parked)));
    // Assess
    expect(read).toEqual(parked);
  });

  it('upgrades the earlier unversioned record (function-parked, permanent, one attempt)', () => {
    // Act
    const read = readParkedEvent({
      routeId: 'notify-deploy',
      reason: { code: 'EventInvalid', message: 'bad' },
      event: { id: 'e1' },
      parkedAt: '2026-01-01T00:00:00.000Z',
    });
    // Assess
    expect(read).toEqual({
      v: 1,
      routeId: 'notify-deploy',
      event: { id: 'e1' },
      reason: { code: 'EventInvalid', message: 'bad', retryable: false },
      attempts: 1,
      parkedAt: '2026-01-01T00:00:00.000Z',
      parkedBy: 'function',
    });
  });

  it.each([
    ['a later version', { ...parked, v: 2 }],
    ['an unknown parker', { ...parked, parkedBy: 'someone' }],
    ['a reason without retryable', { ...parked, reason: { code: 'x', message: 'y' } }],
    ['negative attempts', { ...parked, attempts: -1 }],
    ['no event', { ...parked, event: undefined }],
    [
      'a null route in an unversioned record',
      { routeId: null, reason: { code: 'x', message: 'y' }, event: {}, parkedAt: 't' },
    ],
    ['an EventBridge event', { id: 'e', source: 's', 'detail-type': 'd', detail: {} }],
  ])('refuses %s', (_name, value) => {
    // Act
    const read = readParkedEvent(value);
    // Assess
    expect(read).toBeUndefined();
  });
});

describe('parkedEnvelope', () => {
  it('gives the envelope only, never the detail', () => {
    // Act
    const envelope = parkedEnvelope(parked);
    // Assess
    expect(envelope).toEqual({ id: 'e1', source: 'marketplace.deploy', detailType: 'deploy.failed' });
    expect(JSON.stringify(envelope)).not.toContain('x@y.z');
  });
});
