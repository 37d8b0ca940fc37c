import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateDetail } from '@lakeops/contracts';
import { type PublishedEvent, resolvePolicy, type Zone } from '@lakeops/core';
import { glueDatabaseName, glueDatabasePrefix, tables } from '@lakeops/lake';
import { anEvent, InMemoryDeadLetter, InMemoryLakePermissions, ManualClock } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { policy } from '../../permissions/policy.ts';
import { PERMISSION_POLICY_FILE, permissionPolicyModule } from '../codegen/permission-policy.ts';
import { functionsDir } from '../codegen/route-validators.ts';
import { make as makeDriftCheck } from '../permission-drift-check.ts';
import { make as makeSync } from '../permission-sync.ts';
import { lambdaContext } from '../lib/lambda-context.ts';
import { bundledRepoPolicy, type PermissionSyncDeps } from '../lib/sync-repo-permissions.ts';
import { routeById } from '../routes.ts';

const STAGE = 'prod';
const databaseName = (zone: Zone) => glueDatabaseName(glueDatabasePrefix(STAGE), zone);
const ANALYST = 'arn:aws:iam::123456789012:role/lakeops-analyst';

const deploy = (service: string, id: string) =>
  anEvent(
    'deploy.succeeded',
    'marketplace.deploy',
    {
      v: 1,
      service,
      environment: 'production',
      version: '2026.12.01-1',
      started_at: '2026-12-01T16:00:00Z',
      finished_at: '2026-12-01T16:04:00Z',
    },
    { id },
  );

function build(lf = new InMemoryLakePermissions()) {
  const published: PublishedEvent[] = [];
  const deadLetter = new InMemoryDeadLetter();
  const deps: PermissionSyncDeps & { deadLetter: InMemoryDeadLetter } = {
    lakePermissions: lf,
    events: { publish: async (events) => void published.push(...events) },
    clock: new ManualClock('2026-12-01T16:05:00Z'),
    repoPolicy: async () => bundledRepoPolicy(STAGE, databaseName),
    sleep: async () => undefined,
    random: () => 0,
    deadLetter,
  };
  return { lf, published, deadLetter, deps };
}

describe('permission-policy.generated.ts (the catalog entries bundled with the policy)', () => {
  it('is up to date with permissions/policy.ts and the catalog (run node functions/codegen/permission-policy.ts)', () => {
    // Act
    const content = permissionPolicyModule();
    // Assess
    expect(readFileSync(join(functionsDir, PERMISSION_POLICY_FILE), 'utf8')).toBe(content);
  });

  it.each(['dev', 'prod'])('resolves the bundled policy for %s exactly as against the whole catalog', (stage) => {
    // Prepare
    const name = (zone: Zone) => glueDatabaseName(glueDatabasePrefix(stage), zone);
    // Act
    const bundled = bundledRepoPolicy(stage, name);
    const full = resolvePolicy(policy, 'permissions/policy.ts', stage, { tables, databaseName: name });
    // Assess
    expect(bundled).toEqual({ desired: full, stage });
  });
});

describe('permission-sync (deploy.succeeded of the data platform)', () => {
  it('applies the repo policy, publishes permissions.sync.completed, and a second deploy changes nothing', async () => {
    // Prepare
    const { lf, published, deps } = build();
    const handler = makeSync(deps);
    const ctx = lambdaContext(routeById('permission-sync'), 'req-1');
    // Act
    const first = await handler(deploy('data-platform', 'evt-1'), ctx);
    const second = await handler(deploy('data-platform', 'evt-2'), ctx);
    // Assess
    expect(first).toMatchObject({
      status: 'processed',
      result: { changed: true, grants: 11, revokes: 0, filtersCreated: 1 },
    });
    expect(second).toMatchObject({ status: 'processed', result: { changed: false, grants: 0, unchanged: 11 } });
    expect(lf.held.has(`${ANALYST}|table:lakeops_prod_gold.kpi_gmv_daily`)).toBe(true);
    expect(published.map((e) => [e.source, e.detailType, e.detail.trigger, e.detail.environment])).toEqual([
      ['lakeops.governance', 'permissions.sync.completed', 'deploy', STAGE],
      ['lakeops.governance', 'permissions.sync.completed', 'deploy', STAGE],
    ]);
    for (const e of published) {
      expect(validateDetail('permissions.sync.completed', e.detail)).toEqual({ ok: true, unknownFields: [] });
    }
  });

  it('parks the event, and publishes nothing, when the guard refuses a mass revoke', async () => {
    // Prepare: the repo policy is applied; then a policy that keeps one grant of the same scope.
    const { lf, deps } = build();
    const ctx = lambdaContext(routeById('permission-sync'), 'req-3');
    await makeSync(deps)(deploy('data-platform', 'evt-0'), ctx);
    const full = bundledRepoPolicy(STAGE, databaseName);
    const shrunk = build(lf);
    const handler = makeSync({
      ...shrunk.deps,
      repoPolicy: async () => ({ ...full, desired: { ...full.desired, grants: full.desired.grants.slice(0, 1) } }),
    });
    const before = [...lf.held.keys()];
    lf.calls.length = 0;
    // Act
    const result = await handler(deploy('data-platform', 'evt-3'), ctx);
    // Assess
    expect(result).toMatchObject({ status: 'parked', code: 'PermissionsGuardTripped' });
    expect(shrunk.deadLetter.parked).toHaveLength(1);
    expect(shrunk.published).toEqual([]);
    expect([...lf.held.keys()]).toEqual(before);
    expect(lf.calls.map((c) => c.op)).toEqual(['ListPermissions', 'ListDataCellsFilter', 'GetDataLakeSettings']);
  });
});

describe('permission-drift-check (hourly)', () => {
  it('revokes a grant added out of band to a managed principal and leaves an unmanaged one alone', async () => {
    // Prepare
    const { lf, published, deps } = build();
    const run = makeDriftCheck(deps);
    const ctx = lambdaContext(routeById('permission-drift-check'), 'req-4');
    await run({ id: 'tick-1', time: '2026-12-01T16:00:00Z' }, ctx);
    lf.seed([
      {
        principal: ANALYST,
        resource: { kind: 'table', database: 'lakeops_prod_gold', table: 'kpi_gmv_daily' },
        permissions: ['ALTER'],
      },
      {
        principal: 'arn:aws:iam::123456789012:role/outsider',
        resource: { kind: 'table', database: 'lakeops_prod_gold', table: 'kpi_gmv_daily' },
        permissions: ['SELECT'],
      },
    ]);
    // Act
    const result = await run({ id: 'tick-2', time: '2026-12-01T17:00:00Z' }, ctx);
    // Assess
    expect(result).toMatchObject({ changed: true, grants: 0, revokes: 1 });
    expect(lf.held.get(`${ANALYST}|table:lakeops_prod_gold.kpi_gmv_daily`)?.permissions).toEqual(
      new Set(['DESCRIBE', 'SELECT']),
    );
    expect(lf.held.has('arn:aws:iam::123456789012:role/outsider|table:lakeops_prod_gold.kpi_gmv_daily')).toBe(true);
    expect(published.map((e) => e.detail.trigger)).toEqual(['schedule', 'schedule']);
  });
});
