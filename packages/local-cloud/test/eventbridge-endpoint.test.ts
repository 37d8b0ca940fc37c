import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeRuleCommand,
  type EventBridgeClient,
  ListRulesCommand,
  PutEventsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { InMemoryDeadLetter } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurableEventBus, EventBridgeEndpoint, putEventsToEndpoint } from '../src/index.ts';
import { clientFor, readNdjson, wafEntry, wafEvent } from './helpers.ts';

const rules = [
  {
    id: 'waf-metrics',
    pattern: { source: ['marketplace.edge'], 'detail-type': ['waf.block'] },
    description: 'SRE',
  },
  { id: 'waf-blocks', pattern: { detail: { action: ['BLOCK'] } } },
  { id: 'zz-other', pattern: { source: [{ prefix: 'other.' }] } },
];

let home: string;
let bus: DurableEventBus;
let endpoint: EventBridgeEndpoint;
let client: EventBridgeClient;
const delivered: string[] = [];

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'lakeops-endpoint-'));
  bus = await DurableEventBus.open({
    home,
    rules,
    invoke: async (routeId, event) => {
      delivered.push(`${routeId} ${String(event.id)}`);
      return { status: 'processed', result: null };
    },
    deadLetter: new InMemoryDeadLetter(),
  });
  endpoint = await EventBridgeEndpoint.start({ bus, port: 0 });
  client = clientFor(endpoint.url);
});

afterAll(async () => {
  client?.destroy();
  await endpoint?.close();
  await bus?.close();
});

describe('PutEvents through @aws-sdk/client-eventbridge', () => {
  it('accepts good entries: an EventId each, archived in Bronze, delivered to the matching routes', async () => {
    // Prepare
    const entries = [wafEntry(0), wafEntry(1)];
    // Act
    const out = await client.send(new PutEventsCommand({ Entries: entries }));
    await bus.idle();
    // Assess
    expect(out.FailedEntryCount).toBe(0);
    const ids = (out.Entries ?? []).map((e) => e.EventId);
    expect(ids).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/), expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    const archived = await readNdjson(join(home, 'lake/bronze/events'));
    expect(archived.map((e) => e.id)).toEqual(expect.arrayContaining(ids));
    expect(archived.find((e) => e.id === ids[0])).toMatchObject({
      source: 'marketplace.edge',
      'detail-type': 'waf.block',
      account: '000000000000',
      detail: JSON.parse(wafEntry(0).Detail),
    });
    expect(delivered).toEqual(
      expect.arrayContaining([`waf-metrics ${ids[0]}`, `waf-blocks ${ids[0]}`, `waf-metrics ${ids[1]}`]),
    );
    expect(delivered).not.toContain(`waf-blocks ${ids[1]}`);
  });

  it('accepts a well-formed event that breaks its contract, as EventBridge does: an EventId, quarantined with its reasons, delivered', async () => {
    // Prepare: waf.block without blocked_at, web_acl, rule_id, action, count
    const entries = [
      { Source: 'marketplace.edge', DetailType: 'waf.block', Detail: '{"v":1,"action":"BLOCK"}' },
    ];
    // Act
    const out = await client.send(new PutEventsCommand({ Entries: entries }));
    await bus.idle();
    // Assess
    expect(out.FailedEntryCount).toBe(0);
    const id = out.Entries?.[0]?.EventId;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const quarantined = await readNdjson(join(home, 'lake/bronze/_quarantine'));
    const record = quarantined.find((q) => (q.event as { id?: string }).id === id);
    expect(record?.reasons).toEqual(
      expect.arrayContaining([{ pointer: '/detail/blocked_at', message: 'is required' }]),
    );
    expect((await readNdjson(join(home, 'lake/bronze/events'))).map((e) => e.id)).not.toContain(id);
    expect(delivered).toEqual(expect.arrayContaining([`waf-metrics ${id}`, `waf-blocks ${id}`]));
  });

  it('fails the entries EventBridge fails, per entry, and stores none of them', async () => {
    // Prepare
    const entries = [
      wafEntry(2),
      { Source: 'marketplace.edge', DetailType: 'waf.block', Detail: '{not json' },
      { Source: 'marketplace.edge', DetailType: 'waf.block', Detail: '[1, 2]' },
      { DetailType: 'waf.block', Detail: '{}' },
      { Source: 'marketplace.edge', DetailType: 'x'.repeat(129), Detail: '{}' },
    ];
    const before = (await readNdjson(join(home, 'lake/bronze'))).length;
    // Act
    const out = await client.send(new PutEventsCommand({ Entries: entries }));
    // Assess
    expect(out.FailedEntryCount).toBe(4);
    expect(out.Entries?.[0]?.EventId).toBeDefined();
    expect(out.Entries?.slice(1)).toEqual([
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is longer than 128 characters.',
      },
    ]);
    expect((await readNdjson(join(home, 'lake/bronze'))).length).toBe(before + 1);
  });

  it('with strictContracts, refuses an event that breaks its contract with InvalidArgument and stores nothing', async () => {
    // Prepare: a second endpoint on the same bus, strict
    const strict = await EventBridgeEndpoint.start({ bus, port: 0, strictContracts: true });
    const strictClient = clientFor(strict.url);
    const entries = [
      { Source: 'marketplace.edge', DetailType: 'waf.block', Detail: '{"v":1,"action":"BLOCK"}' },
      wafEntry(4),
    ];
    const before = (await readNdjson(join(home, 'lake/bronze/_quarantine'))).length;
    try {
      // Act
      const out = await strictClient.send(new PutEventsCommand({ Entries: entries }));
      // Assess
      expect(out.FailedEntryCount).toBe(1);
      expect(out.Entries?.[0]).toEqual({
        ErrorCode: 'InvalidArgument',
        ErrorMessage: expect.stringMatching(
          /^Event failed its contract \(strict contracts\): .*\/detail\/blocked_at is required/,
        ),
      });
      expect(out.Entries?.[1]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await readNdjson(join(home, 'lake/bronze/_quarantine'))).length).toBe(before);
    } finally {
      strictClient.destroy();
      await strict.close();
    }
  });

  it('refuses more than 10 entries with a ValidationException', async () => {
    // Prepare
    const entries = Array.from({ length: 11 }, (_, i) => wafEntry(i));
    // Act
    const sent = client.send(new PutEventsCommand({ Entries: entries }));
    // Assess
    await expect(sent).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length less than or equal to 10'),
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses a request whose entries add up to more than 256 KB', async () => {
    // Prepare: 2 entries of ~130 KB of detail each
    const big = (n: number) => ({
      ...wafEntry(n),
      Detail: JSON.stringify({ ...JSON.parse(wafEntry(n).Detail), rule_group: 'x'.repeat(130 * 1024) }),
    });
    // Act
    const sent = client.send(new PutEventsCommand({ Entries: [big(1), big(2)] }));
    // Assess
    await expect(sent).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
  });

  it('refuses an empty Entries list', async () => {
    // Act / Assess (one call, one expectation each)
    await expect(client.send(new PutEventsCommand({ Entries: [] }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});

describe('TestEventPattern through the SDK', () => {
  const event = JSON.stringify(wafEvent('t-1', 0));

  it('says whether an event matches a pattern', async () => {
    // Act
    const yes = await client.send(
      new TestEventPatternCommand({ EventPattern: '{"detail":{"action":["BLOCK"]}}', Event: event }),
    );
    const no = await client.send(
      new TestEventPatternCommand({
        EventPattern: '{"detail":{"count":[{"numeric":[">",500]}]}}',
        Event: event,
      }),
    );
    // Assess
    expect(yes.Result).toBe(true);
    expect(no.Result).toBe(false);
  });

  it('rejects an invalid pattern with InvalidEventPatternException and an invalid event with ValidationException', async () => {
    // Act / Assess (one call, one expectation each)
    await expect(
      client.send(new TestEventPatternCommand({ EventPattern: '{"source":"not-an-array"}', Event: event })),
    ).rejects.toMatchObject({
      name: 'InvalidEventPatternException',
      message: expect.stringMatching(/^Event pattern is not valid\. Reason: /),
    });
    await expect(
      client.send(new TestEventPatternCommand({ EventPattern: '{"source":["x"]}', Event: '{"source":"x"}' })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: 'Parameter Event is not valid' });
  });
});

describe('ListRules and DescribeRule: the route table', () => {
  it('lists the event routes as rules, by prefix and page', async () => {
    // Act
    const all = await client.send(new ListRulesCommand({}));
    const page = await client.send(new ListRulesCommand({ NamePrefix: 'waf-', Limit: 1 }));
    const rest = await client.send(
      new ListRulesCommand({ NamePrefix: 'waf-', Limit: 1, NextToken: page.NextToken }),
    );
    // Assess
    expect(all.Rules?.map((r) => r.Name)).toEqual(['waf-blocks', 'waf-metrics', 'zz-other']);
    expect(page.Rules?.map((r) => r.Name)).toEqual(['waf-blocks']);
    expect(rest.Rules?.map((r) => r.Name)).toEqual(['waf-metrics']);
    expect(rest.NextToken).toBeUndefined();
  });

  it('describes one rule with its pattern, and answers ResourceNotFoundException for others', async () => {
    // Act
    const rule = await client.send(new DescribeRuleCommand({ Name: 'waf-metrics' }));
    // Assess
    expect(rule).toMatchObject({
      Name: 'waf-metrics',
      Arn: 'arn:aws:events:us-east-1:000000000000:rule/waf-metrics',
      State: 'ENABLED',
      Description: 'SRE',
      EventBusName: 'default',
    });
    expect(JSON.parse(rule.EventPattern ?? '')).toEqual(rules[0]?.pattern);
    await expect(client.send(new DescribeRuleCommand({ Name: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});

describe('raw protocol', () => {
  it('answers an unknown operation and a non-JSON body with AWS-style error JSON', async () => {
    // Act
    const unknown = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.CreateEventBus', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    const notJson = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.PutEvents', 'content-type': 'application/x-amz-json-1.1' },
      body: '{"Entries": [',
    });
    // Assess
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      __type: 'UnknownOperationException',
      message: 'Operation AWSEvents.CreateEventBus is not supported by the local endpoint.',
    });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ __type: 'SerializationException' });
    expect(notJson.headers.get('content-type')).toBe('application/x-amz-json-1.1');
  });
});

describe('putEventsToEndpoint', () => {
  it('sends any number of events in batches of 10 and returns one answer per event', async () => {
    // Prepare
    const events = Array.from({ length: 23 }, (_, i) => ({ ...wafEvent(`c-${i}`, i), resources: [] }));
    // Act
    const answers = await putEventsToEndpoint(endpoint.url, events);
    // Assess
    expect(answers).toHaveLength(23);
    expect(answers.every((a) => 'eventId' in a)).toBe(true);
    expect(answers.map((a) => a.index)).toEqual(events.map((_, i) => i));
  });

  it('says plainly when nothing answers', async () => {
    // Act / Assess (one call, one expectation each)
    await expect(putEventsToEndpoint('http://127.0.0.1:9', [wafEvent('x')])).rejects.toMatchObject({
      code: 'EndpointRequestFailed',
      message: expect.stringContaining('nothing answers at http://127.0.0.1:9'),
    });
  });
});
