import { afterEach, describe, expect, it } from 'vitest';
import { dsarIntakeDeps, notifyDeps, saltFrom } from '../lib/aws-deps.ts';
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

describe('the DSAR intake deps', () => {
  it('reads the salt from the SSM SecureString named in the environment, decrypted, once', async () => {
    // Prepare
    const { mockClient } = await import('aws-sdk-client-mock');
    const { GetParameterCommand, SSMClient } = await import('@aws-sdk/client-ssm');
    const ssm = mockClient(SSMClient);
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'a-salt-of-enough-length' } });
    process.env.LAKEOPS_DEAD_LETTER_QUEUE_URL = 'https://sqs/q';
    process.env.LAKEOPS_STATE_TABLE = 'lakeops-State';
    process.env.LAKEOPS_DSAR_SALT_PARAMETER = '/lakeops/dev/dsar-salt';
    process.env.POWERTOOLS_TRACE_ENABLED = 'false';
    // Act
    const deps = await dsarIntakeDeps();
    const first = await deps.salt.get();
    const second = await deps.salt.get();
    // Assess
    expect(deps.state.constructor.name).toBe('DynamoDbStateStore');
    expect(first).toBe('a-salt-of-enough-length');
    expect(second).toBe(first);
    expect(ssm).toHaveReceivedCommandExactlyOnceWith(GetParameterCommand, {
      Name: '/lakeops/dev/dsar-salt',
      WithDecryption: true,
    });
    ssm.restore();
  });

  it('refuses to start without the state table or the salt parameter', async () => {
    // Prepare
    process.env.LAKEOPS_DEAD_LETTER_QUEUE_URL = 'https://sqs/q';
    process.env.LAKEOPS_STATE_TABLE = 'lakeops-State';
    delete process.env.LAKEOPS_DSAR_SALT_PARAMETER;
    // Act
    const building = dsarIntakeDeps();
    // Assess
    await expect(building).rejects.toThrow('LAKEOPS_DSAR_SALT_PARAMETER is not set');
  });

  it('reports an empty or short salt as a retryable dependency fault, never queuing without a hash', async () => {
    // Prepare
    const salt = saltFrom(async () => 'short');
    // Act
    const reading = salt.get();
    // Assess
    await expect(reading).rejects.toMatchObject({ code: 'DependencyUnavailable', retryable: true });
  });
});
