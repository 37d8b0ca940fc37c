import type { DeployFailedV1 } from '@lakeops/contracts';
import { describe, expect, it } from 'vitest';
import { type Notification, notifyDeployment } from '../src/index.ts';

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

describe('notifyDeployment', () => {
  it('sends one error notification for a failed deploy, keyed by the event id', async () => {
    // Prepare
    const sent: Notification[] = [];
    // Act
    await notifyDeployment({ notifier: { send: async (n) => void sent.push(n) } }, failed);
    // Assess
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
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
    expect(sent[0]?.text).toContain('Error: migration 42 timed out');
  });

  it('sends an info notification for a successful deploy, without error text', async () => {
    const sent: Notification[] = [];
    const { error: _unused, ...detail } = failed.detail;
    await notifyDeployment(
      { notifier: { send: async (n) => void sent.push(n) } },
      { ...failed, 'detail-type': 'deploy.succeeded', detail },
    );
    expect(sent[0]?.severity).toBe('info');
    expect(sent[0]?.title).toBe('Deployed: payments-api 1.4.2 → production');
    expect(sent[0]?.text).not.toContain('Error');
  });

  it('survives timestamps in the wrong order', async () => {
    const sent: Notification[] = [];
    await notifyDeployment(
      { notifier: { send: async (n) => void sent.push(n) } },
      { ...failed, detail: { ...failed.detail, finished_at: '2026-11-27T09:00:00Z' } },
    );
    expect(sent[0]?.fields.duration).toBe('an unknown time');
  });

  it('propagates a notifier failure so the caller can retry', async () => {
    const boom = new Error('slack down');
    await expect(
      notifyDeployment({ notifier: { send: async () => Promise.reject(boom) } }, failed),
    ).rejects.toBe(boom);
  });
});
