import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Notification } from '@lakeops/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackWebhookNotifier } from '../src/index.ts';

const notification: Notification = {
  key: 'deploy:e1',
  severity: 'error',
  title: 'Deploy failed: api 1.0 → prod',
  text: 'api 1.0 failed to deploy',
  fields: { service: 'api', environment: 'prod' },
  link: 'https://ci.example/1',
  sourceEventId: 'e1',
};

let server: Server;
let base: string;
const received: { path: string; body: unknown; contentType: string | undefined }[] = [];
let status = 200;

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

describe('SlackWebhookNotifier (real HTTP on loopback)', () => {
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      received.push({
        path: req.url ?? '',
        body: JSON.parse(await readBody(req)),
        contentType: req.headers['content-type'],
      });
      res
        .writeHead(status, {
          'content-type': 'text/plain',
          ...(status === 429 ? { 'retry-after': '12' } : {}),
        })
        .end(status === 200 ? 'ok' : 'invalid_payload');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('posts a Block Kit message with a text fallback', async () => {
    // Prepare
    status = 200;
    received.length = 0;
    // Act
    await new SlackWebhookNotifier({ url: `${base}/services/T/B/X` }).send(notification);
    // Assess
    expect(received).toHaveLength(1);
    expect(received[0]?.path).toBe('/services/T/B/X');
    expect(received[0]?.contentType).toBe('application/json');
    expect(received[0]?.body).toMatchObject({
      text: 'Deploy failed: api 1.0 → prod\napi 1.0 failed to deploy',
      blocks: [
        { type: 'header' },
        { type: 'section', text: { text: ':x: api 1.0 failed to deploy' } },
        { type: 'section', fields: [{ text: '*service*\napi' }, { text: '*environment*\nprod' }] },
        { type: 'context' },
      ],
    });
  });

  it('treats 5xx and 429 as retryable, other 4xx as permanent', async () => {
    const notifier = new SlackWebhookNotifier({ url: `${base}/x` });
    status = 503;
    await expect(notifier.send(notification)).rejects.toMatchObject({ retryable: true });
    status = 429;
    await expect(notifier.send(notification)).rejects.toMatchObject({ retryable: true });
    status = 400;
    await expect(notifier.send(notification)).rejects.toMatchObject({
      code: 'NotificationRejected',
      retryable: false,
    });
  });

  it('treats an unreachable webhook as retryable', async () => {
    const notifier = new SlackWebhookNotifier({ url: 'http://127.0.0.1:1/x', timeoutMs: 1000 });
    await expect(notifier.send(notification)).rejects.toMatchObject({ code: 'DependencyUnavailable' });
  });

  it.each([400, 403, 404, 410])(
    'treats %i as permanent (no retry: the message or the channel is wrong)',
    async (code) => {
      // Prepare
      status = code;
      // Act
      const error = await new SlackWebhookNotifier({ url: `${base}/x` })
        .send(notification)
        .catch((e: unknown) => e);
      // Assess
      expect(error).toMatchObject({ code: 'NotificationRejected', retryable: false, status: code });
    },
  );

  it('reads the Retry-After of a 429 and keeps the webhook URL out of the error', async () => {
    // Prepare
    status = 429;
    // Act
    const error = await new SlackWebhookNotifier({ url: `${base}/services/T/B/SECRET` })
      .send(notification)
      .catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ retryable: true, status: 429, retryAfterMs: 12_000 });
    expect(JSON.stringify(error)).not.toContain('SECRET');
    expect(String((error as Error).message)).not.toContain('SECRET');
  });
});
