import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SlackWebhookNotifier, SqsDeadLetter } from '@lakeops/adapters-aws';
import type { ParkedEvent, ParkedNotification } from '@lakeops/core';
import { aDeployFailedEvent } from '@lakeops/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outboxAws } from '../src/commands/outbox.ts';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

// Parked notifications are made by the real path (put-events → notify-deploy → Slack and
// PagerDuty on 127.0.0.1 answering 410 / 400), then `lakeops outbox retry` sends them again.

let server: Server;
let base: string;
let answer = { slack: 200, pager: 202 };
const slack: { text: string }[] = [];
const pager: { routing_key: string; payload: { summary: string }; event_action?: string }[] = [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (req.url === '/slack') {
      if (answer.slack < 300) slack.push(JSON.parse(body));
      res.writeHead(answer.slack).end(answer.slack === 410 ? 'channel_is_archived' : 'ok');
    } else {
      if (answer.pager < 300) pager.push(JSON.parse(body));
      res.writeHead(answer.pager, { 'content-type': 'application/json' }).end('{}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  slack.length = 0;
  pager.length = 0;
});

async function parkedDeploy() {
  const home = await mkdtemp(join(tmpdir(), 'lakeops-outbox-'));
  const env = {
    LAKEOPS_HOME: home,
    SLACK_WEBHOOK_URL: `${base}/slack`,
    PAGERDUTY_ROUTING_KEY: 'rk-outbox',
    PAGERDUTY_EVENTS_URL: `${base}/v2/enqueue`,
  };
  const run = async (args: string[], override: Record<string, string> = env) => {
    const { ctx, out } = captureContext({ env: override });
    return { code: await main(args, ctx), ...out };
  };
  answer = { slack: 410, pager: 400 };
  const put = await run(['put-events', 'examples/deploy-failed.json']);
  answer = { slack: 200, pager: 202 };
  return { home, env, run, put };
}

describe('lakeops outbox', () => {
  it('lists the notifications parked under their route and channel, and retry sends them once', async () => {
    // Prepare
    const { home, run, put } = await parkedDeploy();
    // Act
    const list = await run(['outbox', 'list', '--json']);
    const retry = await run(['outbox', 'retry']);
    const after = await run(['outbox', 'list']);
    // Assess
    expect(put.code).toBe(0); // the deploy was processed; its notifications are parked, not lost
    const listed = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(listed.map((l) => [l.routeId, l.channel, l.key, l.reason.code])).toEqual([
      ['notify-deploy', 'slack', expect.stringMatching(/^deploy:/), 'NotificationRejected'],
      ['notify-deploy', 'pagerduty', expect.stringMatching(/^deploy:/), 'NotificationDeliveryFailed'],
    ]);
    expect(retry.code, retry.stdout).toBe(0);
    expect(retry.stdout).toContain('sent 2 of 2');
    expect(slack).toHaveLength(1);
    expect(slack[0]?.text).toContain('Deploy failed');
    expect(pager).toEqual([expect.objectContaining({ routing_key: 'rk-outbox' })]);
    expect(pager[0]?.event_action).toBeUndefined(); // a change event: it pages nobody
    expect(after.stdout).toBe('nothing parked\n');
    expect(JSON.stringify(listed)).not.toContain('rk-outbox');
    expect(JSON.stringify(listed)).not.toContain(base);
    await expect(readFile(join(home, 'dead-letter', 'notify-deploy.jsonl'), 'utf8')).rejects.toThrow();
  });

  it('keeps a notification parked when it fails again or its channel is not configured', async () => {
    // Prepare
    const { env, run } = await parkedDeploy();
    answer = { slack: 404, pager: 202 };
    const { PAGERDUTY_ROUTING_KEY: _k, ...noPager } = env;
    // Act
    const retry = await run(['outbox', 'retry'], noPager);
    const list = await run(['outbox', 'list', '--json']);
    // Assess
    expect(retry.code).toBe(1);
    expect(retry.stdout).toMatch(/slack: .*not sent, stays parked \(NotificationRejected/);
    expect(retry.stdout).toMatch(/pagerduty: .*not sent, stays parked \(NotificationChannelUnset/);
    expect(list.stdout.trim().split('\n')).toHaveLength(2);
    expect(pager).toEqual([]);
    answer = { slack: 200, pager: 202 };
  });

  it('dead-letter redrive leaves a parked notification to outbox retry', async () => {
    // Prepare
    const { run } = await parkedDeploy();
    // Act
    const redrive = await run(['dead-letter', 'redrive']);
    const list = await run(['outbox', 'list', '--json']);
    // Assess
    expect(redrive.stdout).toContain('skipped (a notification: lakeops outbox retry sends it again)');
    expect(list.stdout.trim().split('\n')).toHaveLength(2);
    expect(slack).toEqual([]);
  });

  it('--aws: re-sends the notifications of the SQS queue, deletes only those, releases the rest', async () => {
    // Prepare
    const sqs = mockClient(SQSClient);
    const notification: ParkedNotification = {
      kind: 'notification',
      channel: 'slack',
      notification: {
        key: 'lakeops:slack-data:abc',
        severity: 'error',
        title: '[FIRING:1] alertname=expectation.failed',
        text: '• silver.orders: not null',
        fields: {},
        sourceEventId: 'abc',
      },
    };
    const parked = (event: unknown, routeId: string): ParkedEvent => ({
      v: 1,
      routeId,
      event,
      reason: { code: 'NotificationDeliveryFailed', message: 'Slack answered 503', retryable: true },
      attempts: 5,
      parkedAt: '2026-12-01T10:00:00.000Z',
      parkedBy: 'function',
    });
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          {
            MessageId: 'm1',
            ReceiptHandle: 'rh-1',
            Body: JSON.stringify(parked(notification, 'alert-flush')),
          },
          {
            MessageId: 'm2',
            ReceiptHandle: 'rh-2',
            Body: JSON.stringify(parked(aDeployFailedEvent(), 'notify-deploy')),
          },
        ],
      })
      .resolves({ Messages: [] });
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    const queue = new SqsDeadLetter({
      client: new SQSClient({ region: 'us-east-1' }),
      queueUrl: 'https://sqs.test/q',
    });
    const { ctx, out } = captureContext();
    // Act
    const code = await outboxAws(
      queue,
      { routeOfArn: () => undefined },
      { slack: new SlackWebhookNotifier({ url: `${base}/slack` }), fallback: { send: async () => {} } },
      'retry',
      { ids: [], json: false, dryRun: false },
      ctx,
    );
    // Assess
    expect(code, out.stdout).toBe(0);
    expect(slack).toHaveLength(1);
    expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, {
      QueueUrl: 'https://sqs.test/q',
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 120,
      WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['SentTimestamp'],
    });
    expect(sqs).toHaveReceivedCommandTimes(DeleteMessageCommand, 1);
    expect(sqs).toHaveReceivedCommandWith(DeleteMessageCommand, {
      QueueUrl: 'https://sqs.test/q',
      ReceiptHandle: 'rh-1',
    });
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityBatchCommand, {
      QueueUrl: 'https://sqs.test/q',
      Entries: [{ Id: '0', ReceiptHandle: 'rh-2', VisibilityTimeout: 0 }],
    });
    sqs.restore();
  });
});
