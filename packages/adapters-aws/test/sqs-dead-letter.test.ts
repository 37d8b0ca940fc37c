import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { ParkedEvent } from '@lakeops/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { readParkedMessage, routeIdFromArn, SqsDeadLetter } from '../src/index.ts';

const sqs = mockClient(SQSClient);
const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/111122223333/lakeops-prod-DeadLetter';
const routeIds = ['notify', 'notify-deploy', 'sre-waf', 'nightly-purge'];
const resolver = { routeOfArn: (arn: string) => routeIdFromArn(arn, routeIds) };

const event = {
  version: '0',
  id: '5b1f0c3e-8a4d-4c62-9f0e-2d7a9c1e4b11',
  'detail-type': 'deploy.failed',
  source: 'marketplace.deploy',
  account: '111122223333',
  time: '2026-11-27T10:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: { v: 1, service: 'api' },
};
const functionArn =
  'arn:aws:lambda:eu-west-1:111122223333:function:lakeops-prod-EventsSubscriberNotifyDeployFunction-a1b2c3';
const sent = { SentTimestamp: String(Date.parse('2026-11-27T10:05:00Z')) };
const str = (StringValue: string) => ({ DataType: 'String', StringValue });

const parked: ParkedEvent = {
  v: 1,
  routeId: 'notify-deploy',
  event,
  reason: { code: 'EventInvalid', message: '/detail/version: required', retryable: false },
  attempts: 1,
  parkedAt: '2026-11-27T10:00:01.000Z',
  parkedBy: 'function',
  functionArn,
};

describe('SqsDeadLetter', () => {
  beforeEach(() => sqs.reset());

  it('parks the v1 shape as the body, with route, code and parker as attributes', async () => {
    // Prepare
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    const dl = new SqsDeadLetter({ client: new SQSClient({}), queueUrl });
    // Act
    await dl.park(parked);
    // Assess
    expect(sqs).toHaveReceivedCommandExactlyOnceWith(SendMessageCommand, {
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(parked),
      MessageAttributes: {
        routeId: str('notify-deploy'),
        code: str('EventInvalid'),
        parkedBy: str('function'),
      },
    });
  });

  it('fails retryably when SQS is unavailable, so the event is not lost', async () => {
    // Prepare
    sqs.on(SendMessageCommand).rejects(new Error('throttled'));
    const dl = new SqsDeadLetter({ client: new SQSClient({}), queueUrl: 'q' });
    // Act
    const parking = dl.park(parked);
    // Assess
    await expect(parking).rejects.toMatchObject({ code: 'DependencyUnavailable', retryable: true });
  });

  it('receives a page with every attribute and reads each message; deletes and releases by handle', async () => {
    // Prepare
    sqs.on(ReceiveMessageCommand).resolves({
      Messages: [{ MessageId: 'm1', ReceiptHandle: 'h1', Body: JSON.stringify(parked), Attributes: sent }],
    });
    const dl = new SqsDeadLetter({ client: new SQSClient({}), queueUrl });
    const handles = Array.from({ length: 12 }, (_, i) => `h${i}`);
    // Act
    const page = await dl.receive(resolver, { visibilitySeconds: 30, waitSeconds: 1 });
    await dl.delete('h1');
    await dl.release(handles);
    // Assess
    expect(page).toEqual([{ id: 'm1', receiptHandle: 'h1', ok: true, parked }]);
    expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, {
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 30,
      WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['SentTimestamp'],
    });
    expect(sqs).toHaveReceivedCommandWith(DeleteMessageCommand, { QueueUrl: queueUrl, ReceiptHandle: 'h1' });
    expect(sqs).toHaveReceivedCommandTimes(ChangeMessageVisibilityBatchCommand, 2);
    expect(sqs).toHaveReceivedNthCommandWith(ChangeMessageVisibilityBatchCommand, 2, {
      QueueUrl: queueUrl,
      Entries: [
        { Id: '10', ReceiptHandle: 'h10', VisibilityTimeout: 0 },
        { Id: '11', ReceiptHandle: 'h11', VisibilityTimeout: 0 },
      ],
    });
  });
});

describe('readParkedMessage: every dead-letter path into one shape', () => {
  it('reads a message EventBridge parked after its retry policy ran out', () => {
    // Prepare
    const message: Message = {
      MessageId: 'm-eb',
      ReceiptHandle: 'h-eb',
      Body: JSON.stringify(event),
      Attributes: sent,
      MessageAttributes: {
        RULE_ARN: str(
          'arn:aws:events:eu-west-1:111122223333:rule/lakeops-prod-Events/lakeops-prod-EventsSubscriberNotifyDeployRule',
        ),
        TARGET_ARN: str(functionArn),
        ERROR_CODE: str('SDK_CLIENT_ERROR'),
        ERROR_MESSAGE: str('Unable to invoke Lambda function'),
        EXHAUSTED_RETRY_CONDITION: str('MaximumRetryAttempts'),
        RETRY_ATTEMPTS: str('185'),
      },
    };
    // Act
    const read = readParkedMessage(message, resolver);
    // Assess
    expect(read).toEqual({
      id: 'm-eb',
      receiptHandle: 'h-eb',
      ok: true,
      parked: {
        v: 1,
        routeId: 'notify-deploy',
        event,
        reason: {
          code: 'SDK_CLIENT_ERROR',
          message: 'Unable to invoke Lambda function',
          retryable: true,
          details: {
            ruleArn:
              'arn:aws:events:eu-west-1:111122223333:rule/lakeops-prod-Events/lakeops-prod-EventsSubscriberNotifyDeployRule',
            targetArn: functionArn,
            exhaustedRetryCondition: 'MaximumRetryAttempts',
          },
        },
        attempts: 186,
        parkedAt: '2026-11-27T10:05:00.000Z',
        parkedBy: 'eventbridge',
        functionArn,
      },
    });
  });

  it('reads a message EventBridge parked without retrying (no EXHAUSTED_RETRY_CONDITION) as permanent', () => {
    // Prepare
    const message: Message = {
      MessageId: 'm-perm',
      ReceiptHandle: 'h',
      Body: JSON.stringify(event),
      Attributes: sent,
      MessageAttributes: {
        RULE_ARN: str(
          'arn:aws:events:eu-west-1:111122223333:rule/bus/lakeops-prod-EventsSubscriberSreWafRule',
        ),
        TARGET_ARN: str('arn:aws:lambda:eu-west-1:111122223333:function:gone'),
        ERROR_CODE: str('NO_PERMISSIONS'),
        ERROR_MESSAGE: str('EventBridge is not authorized to invoke the target'),
        RETRY_ATTEMPTS: str('0'),
      },
    };
    // Act
    const read = readParkedMessage(message, resolver);
    // Assess: the route from the rule when the target name says nothing
    expect(read).toMatchObject({
      ok: true,
      parked: { routeId: 'sre-waf', reason: { code: 'NO_PERMISSIONS', retryable: false }, attempts: 1 },
    });
  });

  it('reads a message Lambda parked after the retries of an asynchronous invocation (route from the event)', () => {
    // Prepare
    const message: Message = {
      MessageId: 'm-la',
      ReceiptHandle: 'h-la',
      Body: JSON.stringify(event),
      Attributes: sent,
      MessageAttributes: {
        RequestID: str('c7a8d1b2-0000-4000-8000-000000000001'),
        ErrorCode: { DataType: 'Number', StringValue: '200' },
        ErrorMessage: str('Slack webhook answered 503'),
      },
    };
    // Act
    const read = readParkedMessage(message, {
      ...resolver,
      routeOfEvent: (e) =>
        (e as { source?: string }).source === 'marketplace.deploy' ? 'notify-deploy' : undefined,
    });
    // Assess
    expect(read).toEqual({
      id: 'm-la',
      receiptHandle: 'h-la',
      ok: true,
      parked: {
        v: 1,
        routeId: 'notify-deploy',
        event,
        reason: {
          code: 'AsyncInvokeFailed',
          message: 'Slack webhook answered 503',
          retryable: true,
          details: { requestId: 'c7a8d1b2-0000-4000-8000-000000000001', errorCode: 200 },
        },
        attempts: null,
        parkedAt: '2026-11-27T10:05:00.000Z',
        parkedBy: 'lambda-async',
      },
    });
  });

  it('reads a Lambda on-failure destination record (function ARN, payload, attempts)', () => {
    // Prepare
    const record = {
      version: '1.0',
      timestamp: '2026-11-27T10:04:00.000Z',
      requestContext: {
        requestId: 'r-1',
        functionArn: `${functionArn}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: {
        errorType: 'DependencyUnavailableError',
        errorMessage: 'Slack webhook answered 503',
      },
    };
    // Act
    const read = readParkedMessage(
      { MessageId: 'm-d', ReceiptHandle: 'h-d', Body: JSON.stringify(record) },
      resolver,
    );
    // Assess
    expect(read).toMatchObject({
      ok: true,
      parked: {
        routeId: 'notify-deploy',
        event,
        reason: {
          code: 'RetriesExhausted',
          message: 'Slack webhook answered 503',
          retryable: true,
          details: { requestId: 'r-1', errorType: 'DependencyUnavailableError' },
        },
        attempts: 3,
        parkedAt: '2026-11-27T10:04:00.000Z',
        parkedBy: 'lambda-async',
        functionArn: `${functionArn}:$LATEST`,
      },
    });
  });

  it('reads a message EventBridge Scheduler parked, and refuses a truncated payload', () => {
    // Prepare
    const schedulerEvent = {
      ...event,
      source: 'aws.scheduler',
      'detail-type': 'Scheduled Event',
      detail: {},
    };
    const attributes = {
      ERROR_CODE: str('AWS.Lambda.TooManyRequestsException'),
      ERROR_MESSAGE: str('Rate exceeded'),
      EXECUTION_ID: str('x-1'),
      EXHAUSTED_RETRY_CONDITION: str('MaximumRetryAttempts'),
      IS_PAYLOAD_TRUNCATED: str('false'),
      RETRY_ATTEMPTS: str('2'),
      SCHEDULED_TIME: str('2026-11-27T03:00:00Z'),
      SCHEDULE_ARN: str(
        'arn:aws:scheduler:eu-west-1:111122223333:schedule/default/lakeops-prod-NightlyPurge',
      ),
      TARGET_ARN: str(
        'arn:aws:lambda:eu-west-1:111122223333:function:lakeops-prod-NightlyPurgeHandlerFunction-x9',
      ),
    };
    const message: Message = {
      MessageId: 'm-s',
      ReceiptHandle: 'h-s',
      Body: JSON.stringify(schedulerEvent),
      Attributes: sent,
      MessageAttributes: attributes,
    };
    // Act
    const read = readParkedMessage(message, resolver);
    const truncated = readParkedMessage(
      {
        ...message,
        Body: '{"version":"0","id":',
        MessageAttributes: { ...attributes, IS_PAYLOAD_TRUNCATED: str('true') },
      },
      resolver,
    );
    // Assess
    expect(read).toMatchObject({
      ok: true,
      parked: {
        routeId: 'nightly-purge',
        event: schedulerEvent,
        reason: {
          code: 'AWS.Lambda.TooManyRequestsException',
          retryable: true,
          details: { executionId: 'x-1', scheduledTime: '2026-11-27T03:00:00Z' },
        },
        attempts: 3,
        parkedBy: 'scheduler',
        functionArn:
          'arn:aws:lambda:eu-west-1:111122223333:function:lakeops-prod-NightlyPurgeHandlerFunction-x9',
      },
    });
    expect(truncated).toMatchObject({ ok: false, problem: expect.stringContaining('truncated') });
  });

  it('reads a body written by an earlier lakeops (unversioned) and flags what no path writes', () => {
    // Prepare
    const legacy = {
      routeId: 'sre-waf',
      reason: { code: 'EventInvalid', message: 'bad' },
      event,
      parkedAt: '2026-01-01T00:00:00.000Z',
    };
    // Act
    const old = readParkedMessage(
      { MessageId: 'a', ReceiptHandle: 'a', Body: JSON.stringify(legacy) },
      resolver,
    );
    const junk = readParkedMessage({ MessageId: 'b', ReceiptHandle: 'b', Body: 'hello' }, resolver);
    const stranger = readParkedMessage({ MessageId: 'c', ReceiptHandle: 'c', Body: '{"a":1}' }, resolver);
    // Assess
    expect(old).toMatchObject({
      ok: true,
      parked: { v: 1, routeId: 'sre-waf', parkedBy: 'function', attempts: 1 },
    });
    expect(junk).toMatchObject({ ok: false, problem: 'the body is not JSON' });
    expect(stranger).toMatchObject({ ok: false, problem: expect.stringContaining('not a message') });
  });
});

describe('routeIdFromArn', () => {
  it.each([
    [functionArn, 'notify-deploy'],
    ['arn:aws:lambda:eu-west-1:1:function:lakeops-prod-NotifyFunction-zz:$LATEST', 'notify'],
    [
      'arn:aws:events:eu-west-1:1:rule/lakeops-prod-Events/lakeops-prod-EventsSubscriberSreWafRule',
      'sre-waf',
    ],
    ['arn:aws-cn:scheduler:cn-north-1:1:schedule/default/lakeops-prod-NightlyPurge', 'nightly-purge'],
    ['arn:aws:lambda:eu-west-1:1:function:something-else', undefined],
  ])('%s → %s (longest route id in the resource name)', (arn, expected) => {
    // Act
    const routeId = routeIdFromArn(arn, routeIds);
    // Assess
    expect(routeId).toBe(expected);
  });

  it('prefers the deployed function names when given', () => {
    // Act
    const routeId = routeIdFromArn('arn:aws:lambda:eu-west-1:1:function:fn-123', routeIds, {
      'sre-waf': 'fn-123',
    });
    // Assess
    expect(routeId).toBe('sre-waf');
  });
});
