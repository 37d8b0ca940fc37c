import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { ParkedEvent } from '@lakeops/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

const tmpHome = () => mkdtemp(join(tmpdir(), 'lakeops-dlq-cli-'));

/** The environment of a local platform whose alert routing config is a file the test writes. */
const alertEnv = (home: string) => ({
  LAKEOPS_HOME: home,
  LAKEOPS_ALERTING_CONFIG: join(home, 'routing.yml'),
});
const goodConfig = 'route:\n  receiver: team\n  group_wait: 0s\nreceivers:\n  - name: team\n';
const expectationFailed = {
  id: 'dl-1',
  source: 'lakeops.quality',
  'detail-type': 'expectation.failed',
  time: '2026-12-01T10:00:00Z',
  detail: {
    v: 1,
    run_id: 'qr-1',
    suite: 'silver_payments',
    table: 'silver.fact_payments',
    expectation: 'expect_column_values_to_not_be_null(booking_id)',
    severity: 'error',
    observed: 12,
  },
};

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

async function cli(args: string[], env: Record<string, string>, cwd?: string) {
  const { ctx, out } = captureContext({ env, ...(cwd ? { cwd } : {}) });
  const code = await main(args, ctx);
  return { code, ...out };
}

describe('lakeops dead-letter, locally (through the real CLI)', () => {
  it('a failing function parks the event; list shows it; after the fix redrive delivers it once and it is gone', async () => {
    // Prepare: alert-record with a routing config it refuses (a permanent failure: the event is parked)
    const home = await tmpHome();
    const env = alertEnv(home);
    await writeFile(env.LAKEOPS_ALERTING_CONFIG, 'route:\n  receiver: nobody\n');
    await writeFile(join(home, 'failed.json'), JSON.stringify(expectationFailed));
    const put = await cli(['put-events', join(home, 'failed.json')], env);
    // Act
    const listed = await cli(['dead-letter', 'list'], env);
    const json = await cli(['dead-letter', 'list', '--json', '--route', 'alert-record'], env);
    await writeFile(env.LAKEOPS_ALERTING_CONFIG, goodConfig); // the fix
    const redrive = await cli(['dead-letter', 'redrive'], env);
    const after = await cli(['dead-letter', 'list'], env);
    const again = await cli(['dead-letter', 'redrive'], env);
    // Assess
    expect(put.code).toBe(1);
    expect(put.stdout).toContain('parked in the dead-letter place (AlertConfigInvalid');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      /^[0-9a-f]{12} {2}alert-record {2}parked by function at \S+, 1 attempt: AlertConfigInvalid: line 2: undefined receiver "nobody" used in route \(lakeops\.quality \/ expectation\.failed, event id dl-1\)\n1 event parked\n$/,
    );
    expect(listed.stdout).not.toContain('silver.fact_payments'); // the detail is never printed
    const [entry] = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(entry).toMatchObject({
      routeId: 'alert-record',
      parkedBy: 'function',
      attempts: 1,
      reason: { code: 'AlertConfigInvalid', retryable: false },
      event: { source: 'lakeops.quality', detailType: 'expectation.failed' },
    });
    expect(redrive).toMatchObject({ code: 0, stderr: '' });
    expect(redrive.stdout).toBe(`[1/1] ${entry.id} → alert-record: processed\nredriven 1 of 1\n`);
    expect(after.stdout).toBe('nothing parked\n');
    expect(again.stdout).toBe('redriven 0 of 0\n');
    const groups = await cli(['run', 'alert-flush'], env);
    expect(groups.code).toBe(0);
    const outbox = await readFile(join(home, 'outbox', 'notifications.jsonl'), 'utf8');
    expect(outbox.trim().split('\n')).toHaveLength(1); // delivered once
  });

  it('keeps the event parked when the function fails again; --dry-run changes nothing', async () => {
    // Prepare: parked by a refused config, then the config file is gone (a transient failure: the function throws)
    const home = await tmpHome();
    const env = alertEnv(home);
    await writeFile(env.LAKEOPS_ALERTING_CONFIG, 'route:\n  receiver: nobody\n');
    await writeFile(join(home, 'failed.json'), JSON.stringify(expectationFailed));
    await cli(['put-events', join(home, 'failed.json')], env);
    await rm(env.LAKEOPS_ALERTING_CONFIG);
    // Act
    const dry = await cli(['dead-letter', 'redrive', '--dry-run'], env);
    const failing = await cli(['dead-letter', 'redrive', '--route', 'alert-record'], env);
    const still = await cli(['dead-letter', 'list'], env);
    // Assess
    expect(dry.stdout).toMatch(
      /^\[1\/1\] [0-9a-f]{12} → alert-record: would redrive\nwould redrive 1 event\n$/,
    );
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(
      /: failed, stays parked: ENOENT: no such file or directory.*\nredriven 0 of 1; 1 not processed\n$/,
    );
    expect(still.stdout).toContain('1 event parked');
  });

  it.each([
    [['dead-letter'], /^lakeops dead-letter: missing action: list or redrive/],
    [['dead-letter', 'purge'], /^lakeops dead-letter: unknown action 'purge' \(list or redrive\)\n$/],
    [
      ['dead-letter', 'list', '--route', 'nope'],
      /^lakeops dead-letter: no route 'nope' \(routes: .*notify-deploy/,
    ],
    [['dead-letter', 'redrive', '--id', 'abc'], /^lakeops dead-letter: no parked event with id abc\n$/],
    [
      ['dead-letter', 'list', '--queue-url', 'x'],
      /^lakeops dead-letter: --queue-url and --max go with --aws\n$/,
    ],
    [['dead-letter', 'list', '--aws'], /^lakeops dead-letter: no dead-letter queue: pass --queue-url/],
  ])('refuses %j with one line and exit 2', async (args, message) => {
    // Prepare: run outside the repository, so no .sst/outputs.json is found
    const home = await tmpHome();
    // Act
    const run = await cli(args, { LAKEOPS_HOME: home }, home);
    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('has --help', async () => {
    // Act
    const help = await cli(['dead-letter', '--help'], {});
    // Assess
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: lakeops dead-letter list');
    expect(help.stdout).toContain('LAKEOPS_FUNCTION_NAMES');
  });
});

describe('lakeops dead-letter --aws (SQS and Lambda mocked on exact inputs)', () => {
  const sqs = mockClient(SQSClient);
  const lambda = mockClient(LambdaClient);
  beforeEach(() => {
    sqs.reset();
    lambda.reset();
  });

  const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/111122223333/lakeops-prod-DeadLetter';
  const fnArn =
    'arn:aws:lambda:eu-west-1:111122223333:function:lakeops-prod-EventsSubscriberNotifyDeployFunction-a1';
  const event = (id: string) => ({
    version: '0',
    id,
    source: 'marketplace.deploy',
    'detail-type': 'deploy.failed',
    time: '2026-11-27T10:00:00Z',
    detail: { v: 1, service: 'payments-api' },
  });
  const str = (StringValue: string) => ({ DataType: 'String', StringValue });
  const parked = (id: string): ParkedEvent => ({
    v: 1,
    routeId: 'notify-deploy',
    event: event(id),
    reason: { code: 'NotificationRejected', message: 'Slack rejected the message (404)', retryable: false },
    attempts: 1,
    parkedAt: '2026-11-27T10:00:01.000Z',
    parkedBy: 'function',
    functionArn: fnArn,
  });
  const page = {
    Messages: [
      {
        MessageId: 'm-eb',
        ReceiptHandle: 'h-eb',
        Body: JSON.stringify(event('e-1')),
        Attributes: { SentTimestamp: '1795773600000' },
        MessageAttributes: {
          RULE_ARN: str('arn:aws:events:eu-west-1:111122223333:rule/lakeops-prod-Events/NotifyDeployRule'),
          TARGET_ARN: str(fnArn),
          ERROR_CODE: str('NO_PERMISSIONS'),
          ERROR_MESSAGE: str('not authorized'),
          RETRY_ATTEMPTS: str('0'),
        },
      },
      { MessageId: 'm-fn', ReceiptHandle: 'h-fn', Body: JSON.stringify(parked('e-2')) },
      { MessageId: 'm-bad', ReceiptHandle: 'h-bad', Body: 'not json' },
    ],
  };

  it('redrive: receives, invokes each function asynchronously with the original event, deletes only what Lambda accepted', async () => {
    // Prepare: the second invoke fails
    sqs.on(ReceiveMessageCommand).resolvesOnce(page).resolves({ Messages: [] });
    lambda
      .on(InvokeCommand)
      .resolvesOnce({ StatusCode: 202 })
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    // Act
    const run = await cli(['dead-letter', 'redrive', '--aws', '--queue-url', queueUrl], {});
    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      [
        `[1] m-eb → notify-deploy: handed to ${fnArn}`,
        '[2] m-fn → notify-deploy: invoke failed, stays parked: Rate exceeded',
        'redriven 1 of 2; 1 stays parked',
        '',
      ].join('\n'),
    );
    expect(sqs).toHaveReceivedNthCommandWith(ReceiveMessageCommand, 1, {
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 120,
      WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['SentTimestamp'],
    });
    expect(lambda).toHaveReceivedNthCommandWith(InvokeCommand, 1, {
      FunctionName: fnArn,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(JSON.stringify(event('e-1'))),
    });
    expect(lambda).toHaveReceivedNthCommandWith(InvokeCommand, 2, {
      FunctionName: fnArn,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(JSON.stringify(event('e-2'))),
    });
    expect(sqs).toHaveReceivedCommandTimes(DeleteMessageCommand, 1);
    expect(sqs).toHaveReceivedCommandWith(DeleteMessageCommand, {
      QueueUrl: queueUrl,
      ReceiptHandle: 'h-eb',
    });
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityBatchCommand, {
      QueueUrl: queueUrl,
      Entries: [
        { Id: '0', ReceiptHandle: 'h-fn', VisibilityTimeout: 0 },
        { Id: '1', ReceiptHandle: 'h-bad', VisibilityTimeout: 0 },
      ],
    });
    // Order: receive → invoke → delete (only after the invoke was accepted) → invoke → release
    const [receive] = sqs.commandCalls(ReceiveMessageCommand);
    const [invoke1, invoke2] = lambda.commandCalls(InvokeCommand);
    const [deleted] = sqs.commandCalls(DeleteMessageCommand);
    const [release] = sqs.commandCalls(ChangeMessageVisibilityBatchCommand);
    if (!receive || !invoke1 || !invoke2 || !deleted || !release) throw new Error('a call is missing');
    expect([
      invoke1.calledAfter(receive),
      deleted.calledAfter(invoke1),
      invoke2.calledAfter(deleted),
      release.calledAfter(invoke2),
    ]).toEqual([true, true, true, true]);
  });

  it('list: pages until the queue is empty, deletes nothing, releases every message, never prints the detail', async () => {
    // Prepare
    sqs.on(ReceiveMessageCommand).resolvesOnce(page).resolves({ Messages: [] });
    // Act
    const run = await cli(['dead-letter', 'list', '--aws', '--queue-url', queueUrl], {});
    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'm-eb  notify-deploy  parked by eventbridge at 2026-11-27T10:00:00.000Z, 1 attempt: NO_PERMISSIONS: not authorized (marketplace.deploy / deploy.failed, event id e-1)',
      'm-fn  notify-deploy  parked by function at 2026-11-27T10:00:01.000Z, 1 attempt: NotificationRejected: Slack rejected the message (404) (marketplace.deploy / deploy.failed, event id e-2)',
      'm-bad  unreadable: the body is not JSON',
      '3 events parked (1 unreadable)',
      '',
    ]);
    expect(run.stdout).not.toContain('payments-api');
    expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, {
      QueueUrl: queueUrl,
      VisibilityTimeout: 30,
    });
    expect(sqs).toHaveReceivedCommandTimes(ReceiveMessageCommand, 2);
    expect(sqs).toHaveReceivedCommandTimes(DeleteMessageCommand, 0);
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityBatchCommand, {
      Entries: [
        { Id: '0', ReceiptHandle: 'h-eb', VisibilityTimeout: 0 },
        { Id: '1', ReceiptHandle: 'h-fn', VisibilityTimeout: 0 },
        { Id: '2', ReceiptHandle: 'h-bad', VisibilityTimeout: 0 },
      ],
    });
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  });

  it('list: shows progress as it reads and stops at --max, releasing every message it received', async () => {
    // Prepare: 6 pages of 10 messages
    const pageOf = (n: number) => ({
      Messages: Array.from({ length: 10 }, (_, i) => ({
        MessageId: `m-${n}-${i}`,
        ReceiptHandle: `h-${n}-${i}`,
        Body: JSON.stringify(parked(`e-${n}-${i}`)),
      })),
    });
    const receive = sqs.on(ReceiveMessageCommand);
    for (let n = 0; n < 6; n++) receive.resolvesOnce(pageOf(n));
    receive.resolves({ Messages: [] });
    // Act
    const run = await cli(['dead-letter', 'list', '--aws', '--queue-url', queueUrl, '--max', '55'], {});
    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('… 50 messages read\n');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(
      '55 events parked (stopped after 55 messages; --max)',
    );
    expect(sqs).toHaveReceivedCommandTimes(ReceiveMessageCommand, 6);
    const released = sqs
      .commandCalls(ChangeMessageVisibilityBatchCommand)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .map((e) => e.ReceiptHandle);
    expect(released).toHaveLength(60);
    expect(new Set(released).size).toBe(60);
  });

  it('names the function from LAKEOPS_FUNCTION_NAMES when the message names none (Lambda’s own DLQ)', async () => {
    // Prepare: a Lambda async DLQ message (no ARN), the route found by the event's pattern
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          {
            MessageId: 'm-la',
            ReceiptHandle: 'h-la',
            Body: JSON.stringify(event('e-3')),
            MessageAttributes: {
              RequestID: str('r-1'),
              ErrorCode: { DataType: 'Number', StringValue: '200' },
              ErrorMessage: str('Slack webhook answered 503'),
            },
          },
        ],
      })
      .resolves({ Messages: [] });
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    // Act
    const run = await cli(
      ['dead-letter', 'redrive', '--aws', '--queue-url', queueUrl, '--route', 'notify-deploy'],
      {
        LAKEOPS_FUNCTION_NAMES: JSON.stringify({ 'notify-deploy': 'lakeops-prod-notify' }),
      },
    );
    // Assess
    expect(run.code).toBe(0);
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, {
      FunctionName: 'lakeops-prod-notify',
      InvocationType: 'Event',
    });
    expect(sqs).toHaveReceivedCommandWith(DeleteMessageCommand, { ReceiptHandle: 'h-la' });
  });
});
