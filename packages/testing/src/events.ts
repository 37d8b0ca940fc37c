import { randomUUID } from 'node:crypto';

/** Builds a whole EventBridge event around a detail, with sensible envelope defaults. */
export function anEvent<D>(
  detailType: string,
  source: string,
  detail: D,
  overrides: Partial<{ id: string; time: string; account: string; region: string }> = {},
) {
  return {
    version: '0',
    id: overrides.id ?? randomUUID(),
    'detail-type': detailType,
    source,
    account: overrides.account ?? '000000000000',
    time: overrides.time ?? '2026-11-27T10:02:05Z',
    region: overrides.region ?? 'eu-west-1',
    resources: [] as string[],
    detail,
  };
}

/** A valid `deploy.failed` v1 event. */
export function aDeployFailedEvent(overrides: Record<string, unknown> = {}, id?: string) {
  return anEvent(
    'deploy.failed',
    'marketplace.deploy',
    {
      v: 1,
      service: 'payments-api',
      environment: 'production',
      version: '1.4.2',
      started_at: '2026-11-27T10:00:00Z',
      finished_at: '2026-11-27T10:02:05Z',
      commit: '4f3c2a1b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a',
      error: 'migration 42 timed out',
      ...overrides,
    },
    id === undefined ? {} : { id },
  );
}
