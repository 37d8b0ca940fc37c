import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Notification } from '@lakeops/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PagerDutyEventsNotifier, pagerDutyDedupKey } from '../src/index.ts';

const routingKey = 'R0UTINGKEYSECRET0000000000000000';
const alert: Notification = {
  key: 'expectation.failed:silver.orders:not_null(order_id)',
  severity: 'error',
  title: 'Expectation failed: silver.orders',
  text: 'not_null(order_id) failed on 12 rows\nsecond line',
  fields: { table: 'silver.orders' },
  link: 'https://lakeops.example/runs/1',
  sourceEventId: 'e1',
};

let server: Server;
let base: string;
const received: { path: string; body: Record<string, unknown> }[] = [];
let answer: { status: number; headers?: Record<string, string>; body?: string } = { status: 202 };

describe('PagerDutyEventsNotifier (real HTTP on loopback)', () => {
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      received.push({ path: req.url ?? '', body: JSON.parse(body) });
      res
        .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
        .end(answer.body ?? '{"status":"success","message":"Event processed"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('triggers an alert with the stable dedup key, mapped severity and a summary of at most 1024 characters', async () => {
    // Prepare
    answer = { status: 202 };
    received.length = 0;
    const long = { ...alert, text: 'x'.repeat(5000) };
    const pager = new PagerDutyEventsNotifier({ routingKey, eventsUrl: `${base}/v2/enqueue` });
    // Act
    await pager.send(alert);
    await pager.send(long);
    // Assess
    expect(received[0]).toEqual({
      path: '/v2/enqueue',
      body: {
        routing_key: routingKey,
        event_action: 'trigger',
        dedup_key: 'expectation.failed:silver.orders:not_null(order_id)',
        payload: {
          summary: 'Expectation failed: silver.orders: not_null(order_id) failed on 12 rows',
          source: 'silver.orders',
          severity: 'error',
          custom_details: { table: 'silver.orders', text: alert.text },
        },
        client: 'lakeops',
        links: [{ href: 'https://lakeops.example/runs/1', text: 'details' }],
      },
    });
    const summary = (received[1]?.body.payload as { summary?: string } | undefined)?.summary;
    expect(summary).toHaveLength(1024);
  });

  it('resolves with the same dedup key and sends deploys to the change events endpoint', async () => {
    // Prepare
    answer = { status: 202 };
    received.length = 0;
    const pager = new PagerDutyEventsNotifier({ routingKey, eventsUrl: `${base}/v2/enqueue` });
    // Act
    await pager.send({ ...alert, action: 'resolve' });
    await pager.send({ ...alert, key: 'deploy:e9', action: 'change', fields: { service: 'api' } });
    // Assess
    expect(received[0]).toEqual({
      path: '/v2/enqueue',
      body: { routing_key: routingKey, event_action: 'resolve', dedup_key: alert.key },
    });
    expect(received[1]?.path).toBe('/v2/change/enqueue');
    expect(received[1]?.body).not.toHaveProperty('event_action');
    expect(received[1]?.body).toMatchObject({ routing_key: routingKey, payload: { source: 'api' } });
  });

  it('keeps a long key stable and within 255 characters', () => {
    // Prepare
    const key = `expectation.failed:${'t'.repeat(400)}`;
    // Act
    const a = pagerDutyDedupKey(key);
    const b = pagerDutyDedupKey(key);
    const other = pagerDutyDedupKey(`${key}x`);
    // Assess
    expect(a.length).toBeLessThanOrEqual(255);
    expect(a).toBe(b);
    expect(other).not.toBe(a);
  });

  it.each([
    [400, { retryable: false, status: 400 }],
    [500, { retryable: true, status: 500 }],
    [503, { retryable: true, status: 503 }],
  ])('answers %i → %o, never echoing the routing key', async (status, expected) => {
    // Prepare
    answer = { status, body: `{"status":"invalid event","message":"bad key ${routingKey}"}` };
    const pager = new PagerDutyEventsNotifier({ routingKey, eventsUrl: `${base}/v2/enqueue` });
    // Act
    const error = await pager.send(alert).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ code: 'NotificationDeliveryFailed', ...expected });
    expect(String((error as Error).message)).not.toContain(routingKey);
  });

  it('reads Retry-After of a 429', async () => {
    // Prepare
    answer = { status: 429, headers: { 'retry-after': '7' } };
    const pager = new PagerDutyEventsNotifier({ routingKey, eventsUrl: `${base}/v2/enqueue` });
    // Act
    const error = await pager.send(alert).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ retryable: true, status: 429, retryAfterMs: 7000 });
  });
});
