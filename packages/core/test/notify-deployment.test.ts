import type { DeployFailedV1 } from '@lakeops/contracts';
import { InMemoryDeadLetter, RecordingNotifier } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import {
  type DeploymentDeps,
  LakeopsError,
  NotificationDeliveryFailedError,
  notifyDeployment,
  type OpsMetric,
} from '../src/index.ts';

const failed: { id: string; 'detail-type': 'deploy.failed'; detail: DeployFailedV1 } = {
  id: 'evt-1',
  'detail-type': 'deploy.failed',
  detail: {
    v: 1,
    service: 'payments-api',
    environment: 'production',
    version: '1.4.2',
    started_at: '2026-11-27T10:00:00Z',
    finished_at: '2026-11-27T10:02:05Z',
    commit: '0123456789abcdef0123',
    url: 'https://ci.example/run/42',
    error: 'migration 42 timed out',
  },
};

function harness(options: { pager?: boolean } = {}) {
  const slack = new RecordingNotifier();
  const pager = new RecordingNotifier();
  const fallback = new RecordingNotifier();
  const deadLetter = new InMemoryDeadLetter();
  const recorded: { metrics: readonly OpsMetric[]; dimensions: Record<string, string> }[] = [];
  const waits: number[] = [];
  const deps: DeploymentDeps = {
    notifiers: { slack, ...(options.pager ? { pagerduty: pager } : {}), fallback },
    deadLetter,
    metrics: {
      record: (metrics, dimensions) => void recorded.push({ metrics, dimensions: { ...dimensions } }),
    },
    clock: { now: () => new Date('2026-11-27T12:00:00Z') },
    sleep: async (ms) => void waits.push(ms),
    random: () => 1,
  };
  return { slack, pager, fallback, deadLetter, recorded, waits, deps };
}

describe('notifyDeployment', () => {
  it('sends one error notification for a failed deploy, keyed by the event id', async () => {
    // Prepare
    const h = harness();
    // Act
    const report = await notifyDeployment(h.deps, failed);
    // Assess
    expect(report).toEqual({ key: 'deploy:evt-1', severity: 'error', chat: 'sent' });
    expect(h.slack.sent).toHaveLength(1);
    expect(h.slack.sent[0]).toMatchObject({
      key: 'deploy:evt-1',
      severity: 'error',
      title: 'Deploy failed: payments-api 1.4.2 → production',
      link: 'https://ci.example/run/42',
      fields: {
        service: 'payments-api',
        environment: 'production',
        duration: '2m 05s',
        commit: '0123456789ab',
      },
    });
    expect(h.slack.sent[0]?.text).toContain('Error: migration 42 timed out');
    expect(h.fallback.sent).toEqual([]);
  });

  it('sends an info notification for a successful deploy, without error text', async () => {
    // Prepare
    const h = harness();
    const { error: _unused, ...detail } = failed.detail;
    // Act
    await notifyDeployment(h.deps, { ...failed, 'detail-type': 'deploy.succeeded', detail });
    // Assess
    expect(h.slack.sent[0]?.severity).toBe('info');
    expect(h.slack.sent[0]?.title).toBe('Deployed: payments-api 1.4.2 → production');
    expect(h.slack.sent[0]?.text).not.toContain('Error');
  });

  it('survives timestamps in the wrong order (no duration metric then)', async () => {
    // Prepare
    const h = harness();
    // Act
    await notifyDeployment(h.deps, {
      ...failed,
      detail: { ...failed.detail, finished_at: '2026-11-27T09:00:00Z' },
    });
    // Assess
    expect(h.slack.sent[0]?.fields.duration).toBe('an unknown time');
    expect(h.recorded[0]?.metrics.map((m) => m.name)).toEqual(['Deploys', 'DeployFailed']);
  });

  it('records count, failure (0/1: its average is the failure rate) and duration by service', async () => {
    // Prepare
    const h = harness();
    const { error: _unused, ...detail } = failed.detail;
    // Act
    await notifyDeployment(h.deps, failed);
    await notifyDeployment(h.deps, { ...failed, id: 'evt-2', 'detail-type': 'deploy.succeeded', detail });
    // Assess
    expect(h.recorded).toEqual([
      {
        metrics: [
          { name: 'Deploys', unit: 'Count', value: 1 },
          { name: 'DeployFailed', unit: 'Count', value: 1 },
          { name: 'DeployDuration', unit: 'Milliseconds', value: 125_000 },
        ],
        dimensions: { service: 'payments-api' },
      },
      {
        metrics: [
          { name: 'Deploys', unit: 'Count', value: 1 },
          { name: 'DeployFailed', unit: 'Count', value: 0 },
          { name: 'DeployDuration', unit: 'Milliseconds', value: 125_000 },
        ],
        dimensions: { service: 'payments-api' },
      },
    ]);
  });

  it('sends a PagerDuty change event (pages nobody) when a routing key is configured', async () => {
    // Prepare
    const h = harness({ pager: true });
    // Act
    const report = await notifyDeployment(h.deps, failed);
    // Assess
    expect(report.change).toBe('sent');
    expect(h.pager.sent).toEqual([expect.objectContaining({ key: 'deploy:evt-1', action: 'change' })]);
    expect(h.slack.sent[0]?.action).toBeUndefined();
  });

  it('goes to the outbox when Slack is not configured', async () => {
    // Prepare
    const h = harness();
    const deps = { ...h.deps, notifiers: { fallback: h.fallback } };
    // Act
    await notifyDeployment(deps, failed);
    // Assess
    expect(h.fallback.sent).toHaveLength(1);
  });

  it('retries a transient failure, then parks the notification under notify-deploy', async () => {
    // Prepare
    const h = harness();
    h.slack.failWith = new LakeopsError('DependencyUnavailable', 'slack down', { retryable: true });
    // Act
    const report = await notifyDeployment(h.deps, failed, {
      maxAttempts: 3,
      baseDelayMs: 10,
      maxDelayMs: 100,
    });
    // Assess
    expect(report.chat).toBe('parked');
    expect(h.waits).toEqual([10, 20]);
    expect(h.deadLetter.parked).toEqual([
      expect.objectContaining({
        routeId: 'notify-deploy',
        attempts: 3,
        event: expect.objectContaining({ kind: 'notification', channel: 'slack' }),
      }),
    ]);
  });

  it('parks a 4xx at once', async () => {
    // Prepare
    const h = harness();
    h.slack.failWith = new NotificationDeliveryFailedError('Slack answered 410', {
      retryable: false,
      status: 410,
    });
    // Act
    const report = await notifyDeployment(h.deps, failed);
    // Assess
    expect(report.chat).toBe('parked');
    expect(h.waits).toEqual([]);
    expect(h.deadLetter.parked[0]?.reason).toMatchObject({ retryable: false, details: { status: 410 } });
  });
});
