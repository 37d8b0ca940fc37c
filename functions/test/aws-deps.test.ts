import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Notification } from '@lakeops/core';
import { repoRoot } from '@lakeops/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  alertFlushDeps,
  dsarIntakeDeps,
  eventPublisher,
  notifyDeps,
  permissionSyncDeps,
  saltFrom,
} from '../lib/aws-deps.ts';
import { EnvironmentMissingError, readAwsEnv } from '../lib/aws-env.ts';
import { logger } from '../lib/observability.ts';

const saved = { ...process.env };
const ssm = mockClient(SSMClient);
beforeEach(() => ssm.reset());
afterEach(() => {
  process.env = { ...saved };
  vi.restoreAllMocks();
  logger.setLogLevel('SILENT');
});

/** Everything the shared logger writes, at DEBUG, while the test runs. */
function captureLogs(): () => string {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  logger.setLogLevel('DEBUG');
  return () => lines.join('');
}

const notification: Notification = {
  key: 'deploy:e1',
  severity: 'error',
  title: 'Deploy failed: api 1.0 → prod',
  text: 'api 1.0 failed',
  fields: {},
  sourceEventId: 'e1',
};

/** A Slack webhook on 127.0.0.1 that counts what it was sent. */
async function slackHook(): Promise<{ url: string; posts: string[]; close: () => Promise<void> }> {
  const posts: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += String(c);
    });
    req.on('end', () => {
      posts.push(body);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T0/B0/secret`,
    posts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the AWS composition root', () => {
  it('reads its settings from the environment the stacks set (the webhook parameter by name only)', () => {
    // Act
    const plain = readAwsEnv({
      LAKEOPS_DEAD_LETTER_QUEUE_URL: 'https://sqs/q',
      SLACK_WEBHOOK_URL: 'https://x',
    });
    const full = readAwsEnv({
      LAKEOPS_DEAD_LETTER_QUEUE_URL: 'https://sqs/q',
      LAKEOPS_SLACK_WEBHOOK_PARAMETER: '/lakeops/prod/slack-webhook-url',
      POWERTOOLS_TRACE_ENABLED: 'false',
    });
    // Assess: a webhook in the environment is ignored on AWS
    expect(plain).toEqual({
      deadLetterQueueUrl: 'https://sqs/q',
      slackWebhookParameter: undefined,
      tracing: true,
    });
    expect(full).toEqual({
      deadLetterQueueUrl: 'https://sqs/q',
      slackWebhookParameter: '/lakeops/prod/slack-webhook-url',
      tracing: false,
    });
    // toEqual ignores undefined properties: the alerting ones are read only when set.
    expect(
      readAwsEnv({
        LAKEOPS_DEAD_LETTER_QUEUE_URL: 'q',
        LAKEOPS_ALERTING_CONFIG: 'examples/a.yml',
        LAMBDA_TASK_ROOT: '/var/task',
      }).alertingConfigFile,
    ).toBe('/var/task/examples/a.yml');
  });

  it('fails with a clear error when a variable the stacks set is missing', () => {
    expect(() => readAwsEnv({})).toThrow('environment variable LAKEOPS_DEAD_LETTER_QUEUE_URL is not set');
  });

  it('reads the Slack webhook from SSM at the first send, decrypted, once for two sends, and never logs it', async () => {
    // Prepare
    const hook = await slackHook();
    const logs = captureLogs();
    ssm.on(GetParameterCommand).resolves({
      Parameter: { Name: '/lakeops/prod/slack-webhook-url', Type: 'SecureString', Value: hook.url },
    });
    process.env.LAKEOPS_DEAD_LETTER_QUEUE_URL = 'https://sqs/q';
    process.env.LAKEOPS_SLACK_WEBHOOK_PARAMETER = '/lakeops/prod/slack-webhook-url';
    process.env.POWERTOOLS_TRACE_ENABLED = 'false';
    try {
      // Act
      const deps = await notifyDeps();
      const callsBeforeSend = ssm.commandCalls(GetParameterCommand).length;
      await deps.notifiers.slack?.send(notification);
      await deps.notifiers.slack?.send({ ...notification, key: 'deploy:e2' });
      // Assess
      expect(callsBeforeSend).toBe(0);
      expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
      expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, {
        Name: '/lakeops/prod/slack-webhook-url',
        WithDecryption: true,
      });
      expect(hook.posts).toHaveLength(2);
      expect(deps.deadLetter.constructor.name).toBe('SqsDeadLetter');
      expect(deps.tracing).toBeUndefined();
      expect(logs()).not.toContain('secret');
    } finally {
      await hook.close();
    }
  });

  it('logs notifications when the parameter holds the placeholder, and fails retryably when SSM fails', async () => {
    // Prepare
    const logs = captureLogs();
    ssm
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: 'unset' } })
      .rejects(new Error('ThrottlingException'));
    process.env.LAKEOPS_DEAD_LETTER_QUEUE_URL = 'https://sqs/q';
    process.env.LAKEOPS_SLACK_WEBHOOK_PARAMETER = '/lakeops/dev/slack-webhook-url';
    process.env.POWERTOOLS_TRACE_ENABLED = 'true';
    const deps = await notifyDeps();
    const other = await notifyDeps();
    // Act
    await deps.notifiers.slack?.send(notification);
    const failing = other.notifiers.slack?.send(notification);
    // Assess
    expect(logs()).toContain('"message":"notification"');
    await expect(failing).rejects.toMatchObject({ code: 'DependencyUnavailable', retryable: true });
    expect(typeof deps.tracing?.before).toBe('function');
  });
});

describe('the alert-flush deps', () => {
  it('reads the PagerDuty routing key from SSM at the first page, decrypted, once for two, never logged, and the bundled routing config', async () => {
    // Prepare
    const pages: string[] = [];
    const server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      pages.push(body);
      res.writeHead(202).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const logs = captureLogs();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'R0UT1NGKEYSECRET' } });
    process.env.LAKEOPS_DEAD_LETTER_QUEUE_URL = 'https://sqs/q';
    process.env.LAKEOPS_STATE_TABLE = 'State';
    process.env.LAKEOPS_PAGERDUTY_ROUTING_KEY_PARAMETER = '/lakeops/prod/pagerduty-routing-key';
    process.env.PAGERDUTY_EVENTS_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/enqueue`;
    process.env.LAKEOPS_ALERTING_CONFIG = 'examples/alerting/alertmanager.yml';
    process.env.LAMBDA_TASK_ROOT = repoRoot;
    process.env.POWERTOOLS_TRACE_ENABLED = 'false';
    try {
      // Act
      const deps = await alertFlushDeps();
      const callsBeforeSend = ssm.commandCalls(GetParameterCommand).length;
      await deps.notifiers.pagerduty?.send({ ...notification, severity: 'critical' });
      await deps.notifiers.pagerduty?.send({ ...notification, key: 'deploy:e2', action: 'resolve' });
      const config = await deps.alertingConfig();
      // Assess
      expect(callsBeforeSend).toBe(0);
      expect(deps.notifiers.slack).toBeUndefined();
      expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
      expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, {
        Name: '/lakeops/prod/pagerduty-routing-key',
        WithDecryption: true,
      });
      expect(pages.map((p) => JSON.parse(p).routing_key)).toEqual(['R0UT1NGKEYSECRET', 'R0UT1NGKEYSECRET']);
      expect(logs()).not.toContain('R0UT1NGKEYSECRET');
      expect(config.route.receiver).toBe('slack-data');
      expect(config.receivers.get('pager')?.pagerduty).toHaveLength(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
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

describe('permissionSyncDeps (the permission sync on AWS)', () => {
  it('refuses to start without its stage or its Glue database prefix', async () => {
    // Prepare
    process.env.LAKEOPS_DEAD_LETTER_QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq';
    process.env.LAKEOPS_CATALOG_ID = '123456789012';
    process.env.LAKEOPS_EVENT_BUS_NAME = 'lakeops-prod-events';
    process.env.POWERTOOLS_TRACE_ENABLED = 'false';
    process.env.LAKEOPS_GLUE_DATABASE_PREFIX = 'lakeops_prod';
    delete process.env.LAKEOPS_STAGE;
    // Act
    const noStage = await permissionSyncDeps().catch((e: unknown) => e);
    process.env.LAKEOPS_STAGE = 'prod';
    delete process.env.LAKEOPS_GLUE_DATABASE_PREFIX;
    const noPrefix = await permissionSyncDeps().catch((e: unknown) => e);
    // Assess
    expect(noStage).toBeInstanceOf(EnvironmentMissingError);
    expect((noStage as Error).message).toContain('LAKEOPS_STAGE');
    expect(noPrefix).toBeInstanceOf(EnvironmentMissingError);
    expect((noPrefix as Error).message).toContain('LAKEOPS_GLUE_DATABASE_PREFIX');
  });
});

describe('the event publisher', () => {
  it("puts lakeops' own events on the bus named in the environment", async () => {
    // Prepare
    const { mockClient } = await import('aws-sdk-client-mock');
    const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const eventBridge = mockClient(EventBridgeClient);
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    process.env.LAKEOPS_DEAD_LETTER_QUEUE_URL = 'https://sqs/q';
    process.env.LAKEOPS_EVENT_BUS_NAME = 'lakeops-dev-EventsBus';
    // Act
    const events = await eventPublisher();
    await events.publish([{ source: 'lakeops.nrt', detailType: 'nrt.refreshed', detail: { v: 1 } }]);
    // Assess
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        {
          Source: 'lakeops.nrt',
          DetailType: 'nrt.refreshed',
          Detail: '{"v":1}',
          EventBusName: 'lakeops-dev-EventsBus',
        },
      ],
    });
    eventBridge.restore();
  });

  it('refuses to start without the bus name', async () => {
    // Prepare
    process.env.LAKEOPS_DEAD_LETTER_QUEUE_URL = 'https://sqs/q';
    delete process.env.LAKEOPS_EVENT_BUS_NAME;
    // Act
    const building = eventPublisher();
    // Assess
    await expect(building).rejects.toThrow('LAKEOPS_EVENT_BUS_NAME is not set');
  });
});
