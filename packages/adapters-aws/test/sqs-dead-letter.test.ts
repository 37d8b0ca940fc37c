import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsDeadLetter } from '../src/index.ts';

const sqs = mockClient(SQSClient);
const parked = {
  routeId: 'notify-deploy',
  reason: { code: 'EventInvalid', message: '/detail/version: required' },
  event: { id: 'e1' },
  parkedAt: '2026-01-01T00:00:00.000Z',
};

describe('SqsDeadLetter', () => {
  beforeEach(() => sqs.reset());

  it('sends the parked event with route and code attributes', async () => {
    // Prepare
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    const dl = new SqsDeadLetter({
      client: new SQSClient({}),
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/dlq',
    });
    // Act
    await dl.park(parked);
    // Assess
    expect(sqs).toHaveReceivedCommandExactlyOnceWith(SendMessageCommand, {
      QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/dlq',
      MessageBody: JSON.stringify(parked),
      MessageAttributes: {
        routeId: { DataType: 'String', StringValue: 'notify-deploy' },
        code: { DataType: 'String', StringValue: 'EventInvalid' },
      },
    });
  });

  it('fails retryably when SQS is unavailable, so the event is not lost', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('throttled'));
    const dl = new SqsDeadLetter({ client: new SQSClient({}), queueUrl: 'q' });
    await expect(dl.park(parked)).rejects.toMatchObject({ code: 'DependencyUnavailable', retryable: true });
  });
});
