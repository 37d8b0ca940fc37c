import { describe, expect, it } from 'vitest';
import { parseEventsInput } from '../src/index.ts';

const defaults = {
  account: '000000000000',
  region: 'us-east-1',
  now: () => new Date('2026-11-27T10:00:00.123Z'),
  newId: () => 'id-1',
};
const detail = { v: 1, service: 'api' };

describe('parseEventsInput', () => {
  it('reads the AWS CLI --entries format (Detail as a JSON string)', () => {
    const text = JSON.stringify([
      {
        Source: 'marketplace.deploy',
        DetailType: 'deploy.failed',
        Detail: JSON.stringify(detail),
        EventBusName: 'default',
      },
    ]);
    expect(parseEventsInput(text, defaults)).toEqual([
      {
        version: '0',
        id: 'id-1',
        'detail-type': 'deploy.failed',
        source: 'marketplace.deploy',
        account: '000000000000',
        time: '2026-11-27T10:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail,
      },
    ]);
  });

  it('reads the --cli-input-json shape ({ "Entries": [...] })', () => {
    const text = JSON.stringify({
      Entries: [{ Source: 's', DetailType: 't', Detail: '{}', Time: '2026-01-01T00:00:00Z' }],
    });
    expect(parseEventsInput(text, defaults)[0]).toMatchObject({
      source: 's',
      'detail-type': 't',
      time: '2026-01-01T00:00:00Z',
    });
  });

  it('reads whole events: one object, an array, or JSON lines', () => {
    const event = { id: 'e1', source: 's', 'detail-type': 't', detail, time: '2026-01-01T00:00:00Z' };
    expect(parseEventsInput(JSON.stringify(event), defaults)).toHaveLength(1);
    expect(
      parseEventsInput(JSON.stringify([event, { ...event, id: 'e2' }]), defaults).map((e) => e.id),
    ).toEqual(['e1', 'e2']);
    const lines = `${JSON.stringify(event)}\n\n${JSON.stringify({ ...event, id: 'e3' })}\n`;
    expect(parseEventsInput(lines, defaults).map((e) => e.id)).toEqual(['e1', 'e3']);
    expect(parseEventsInput(JSON.stringify(event), defaults)[0]).toMatchObject({
      account: '000000000000',
      version: '0',
    });
  });

  it.each([
    ['', 'no events in the input'],
    ['{not json', 'not JSON'],
    ['{"a":1}\n{oops', 'line 2 is not JSON'],
    ['[1]', 'event 1: expected a JSON object'],
    ['[{"foo":1}]', 'event 1: neither a PutEvents entry'],
    ['[{"Source":"s","DetailType":"t","Detail":"{bad"}]', 'event 1: Detail is not valid JSON'],
    ['[{"Source":"s","DetailType":"t","Detail":"[]"}]', 'event 1: Detail must be a JSON object'],
    ['[{"Source":"s","Detail":"{}"}]', 'event 1: DetailType is missing'],
    ['{"source":"s","detail-type":"t","detail":"x"}', 'event 1: detail must be a JSON object'],
    ['{"source":"s","detail-type":"t","detail":{},"time":"yesterday"}', 'event 1: time is not a timestamp'],
  ])('rejects %j with a clear reason', (text, message) => {
    expect(() => parseEventsInput(text, defaults)).toThrow(message);
  });
});
