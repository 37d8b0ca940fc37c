import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  deliverNotification,
  type Notification,
  type ParkedEvent,
  type ParkedNotification,
} from '@lakeops/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PagerDutyEventsNotifier, SlackWebhookNotifier } from '../src/index.ts';

// deliverNotification (core) driving the real HTTP adapters against scripted servers on 127.0.0.1.

type Answer = { status: number; retryAfter?: string } | 'hang';
let script: Answer[] = [];
let hits = 0;
const hanging: ServerResponse[] = [];
let server: Server;
let base: string;

const notification = (key: string): Notification => ({
  key,
  severity: 'critical',
  title: `Alarm ${key}`,
  text: 'lake storage 5xx above threshold',
  fields: { table: 'silver.orders' },
  sourceEventId: `e-${key}`,
});

function harness() {
  const parked: ParkedEvent[] = [];
  const waits: number[] = [];
  return {
    parked,
    waits,
    deps: (notifier: SlackWebhookNotifier | PagerDutyEventsNotifier) => ({
      notifier,
      deadLetter: { park: async (p: ParkedEvent) => void parked.push(p) },
      sleep: async (ms: number) => void waits.push(ms),
      random: () => 1,
      now: () => new Date('2026-12-01T12:00:00Z'),
      routeId: 'alert-flush',
      channel: notifier instanceof SlackWebhookNotifier ? ('slack' as const) : ('pagerduty' as const),
    }),
  };
}

describe('deliverNotification over real HTTP', () => {
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      for await (const _ of req);
      hits++;
      const answer = script.shift() ?? { status: 202 };
      if (answer === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(answer.status, answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}).end('x');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    hits = 0;
    script = [];
  });
  afterAll(async () => {
    for (const res of hanging) res.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('waits what a 429 Retry-After asks, then sends (PagerDuty and Slack)', async () => {
    // Prepare
    const h = harness();
    script = [
      { status: 429, retryAfter: '3' },
      { status: 202 },
      { status: 429, retryAfter: '2' },
      { status: 200 },
    ];
    // Act
    const pd = await deliverNotification(
      h.deps(new PagerDutyEventsNotifier({ routingKey: 'k', eventsUrl: `${base}/v2/enqueue` })),
      notification('a'),
    );
    const slack = await deliverNotification(
      h.deps(new SlackWebhookNotifier({ url: `${base}/hook` })),
      notification('b'),
    );
    // Assess
    expect(pd).toEqual({ status: 'sent', attempts: 2 });
    expect(slack).toEqual({ status: 'sent', attempts: 2 });
    expect(h.waits).toEqual([3000, 2000]);
    expect(hits).toBe(4);
    expect(h.parked).toEqual([]);
  });

  it('retries 500s with growing jittered backoff and sends', async () => {
    // Prepare
    const h = harness();
    script = [{ status: 500 }, { status: 502 }, { status: 503 }, { status: 202 }];
    // Act
    const outcome = await deliverNotification(
      h.deps(new PagerDutyEventsNotifier({ routingKey: 'k', eventsUrl: `${base}/v2/enqueue` })),
      notification('c'),
    );
    // Assess
    expect(outcome).toEqual({ status: 'sent', attempts: 4 });
    expect(h.waits).toEqual([500, 1000, 2000]);
    expect(h.parked).toEqual([]);
  });

  it('parks a 400 (PagerDuty) and a 410 (Slack) at once with the reason', async () => {
    // Prepare
    const h = harness();
    script = [{ status: 400 }, { status: 410 }];
    // Act
    const pd = await deliverNotification(
      h.deps(new PagerDutyEventsNotifier({ routingKey: 'k', eventsUrl: `${base}/v2/enqueue` })),
      notification('d'),
    );
    const slack = await deliverNotification(
      h.deps(new SlackWebhookNotifier({ url: `${base}/hook` })),
      notification('e'),
    );
    // Assess
    expect(hits).toBe(2);
    expect(h.waits).toEqual([]);
    expect(pd).toMatchObject({ status: 'parked', attempts: 1 });
    expect(slack).toMatchObject({ status: 'parked', attempts: 1 });
    expect(h.parked).toEqual([
      expect.objectContaining({
        routeId: 'alert-flush',
        event: { kind: 'notification', channel: 'pagerduty', notification: notification('d') },
        reason: expect.objectContaining({
          code: 'NotificationDeliveryFailed',
          retryable: false,
          details: { status: 400 },
        }),
        attempts: 1,
      }),
      expect.objectContaining({
        event: { kind: 'notification', channel: 'slack', notification: notification('e') },
        reason: expect.objectContaining({ code: 'NotificationRejected', retryable: false }),
      }),
    ]);
  });

  it('retries a server that times out, then parks it as retryable after the last attempt', async () => {
    // Prepare
    const h = harness();
    script = ['hang', 'hang', 'hang'];
    // Act
    const outcome = await deliverNotification(
      h.deps(new SlackWebhookNotifier({ url: `${base}/hook`, timeoutMs: 150 })),
      notification('f'),
      { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
    );
    // Assess
    expect(hits).toBe(3);
    expect(outcome).toMatchObject({ status: 'parked', attempts: 3 });
    expect(h.parked).toEqual([
      expect.objectContaining({
        reason: expect.objectContaining({ code: 'DependencyUnavailable', retryable: true }),
      }),
    ]);
  });

  it('parks rather than waits a Retry-After longer than the policy allows', async () => {
    // Prepare
    const h = harness();
    script = [{ status: 429, retryAfter: '3600' }];
    // Act
    const outcome = await deliverNotification(
      h.deps(new SlackWebhookNotifier({ url: `${base}/hook` })),
      notification('g'),
    );
    // Assess
    expect(outcome).toMatchObject({ status: 'parked', attempts: 1, reason: { retryable: true } });
    expect(h.waits).toEqual([]);
  });

  it('loses nothing: every one of a mixed batch is sent or parked', async () => {
    // Prepare
    const h = harness();
    script = [
      { status: 500 },
      { status: 202 },
      { status: 400 },
      { status: 429, retryAfter: '1' },
      { status: 202 },
      'hang',
      { status: 202 },
      { status: 410 },
    ];
    const pager = new PagerDutyEventsNotifier({
      routingKey: 'k',
      eventsUrl: `${base}/v2/enqueue`,
      timeoutMs: 150,
    });
    // Act
    const outcomes = [];
    for (const key of ['1', '2', '3', '4', '5'])
      outcomes.push(await deliverNotification(h.deps(pager), notification(key)));
    // Assess
    expect(outcomes.map((o) => o.status)).toEqual(['sent', 'parked', 'sent', 'sent', 'parked']);
    expect(h.parked.map((p) => (p.event as ParkedNotification).notification.key)).toEqual(['2', '5']);
  });
});
