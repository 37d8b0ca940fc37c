import { afterEach, describe, expect, it } from 'vitest';
import { notifyDeps } from '../lib/aws-deps.ts';
import { readAwsEnv } from '../lib/aws-env.ts';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('the AWS composition root', () => {
  it('reads its settings from the environment the stacks set', () => {
    expect(
      readAwsEnv({ LAKEOPS_DEAD_LETTER_QUEUE_URL: 'https://sqs/q', SLACK_WEBHOOK_URL: 'unset' }),
    ).toEqual({ deadLetterQueueUrl: 'https://sqs/q', slackWebhookUrl: undefined, tracing: true });
    expect(
      readAwsEnv({
        LAKEOPS_DEAD_LETTER_QUEUE_URL: 'https://sqs/q',
        SLACK_WEBHOOK_URL: 'https://hooks.slack.com/x',
        POWERTOOLS_TRACE_ENABLED: 'false',
      }),
    ).toEqual({
      deadLetterQueueUrl: 'https://sqs/q',
      slackWebhookUrl: 'https://hooks.slack.com/x',
      tracing: false,
    });
  });

  it('fails with a clear error when a variable the stacks set is missing', () => {
    expect(() => readAwsEnv({})).toThrow('environment variable LAKEOPS_DEAD_LETTER_QUEUE_URL is not set');
  });

  it('builds the notify deps: Slack when configured, tracing only when enabled', async () => {
    process.env.LAKEOPS_DEAD_LETTER_QUEUE_URL = 'https://sqs/q';
    process.env.SLACK_WEBHOOK_URL = 'https://hooks.slack.com/x';
    process.env.POWERTOOLS_TRACE_ENABLED = 'false';
    const off = await notifyDeps();
    expect(off.notifier.constructor.name).toBe('SlackWebhookNotifier');
    expect(off.deadLetter.constructor.name).toBe('SqsDeadLetter');
    expect(off.tracing).toBeUndefined();
    process.env.POWERTOOLS_TRACE_ENABLED = 'true';
    const on = await notifyDeps();
    expect(typeof on.tracing?.before).toBe('function');
  });
});
