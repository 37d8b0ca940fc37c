import { validateDetail } from '@lakeops/contracts';
import { InMemoryLakePermissions } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import {
  type DesiredPermissions,
  formatPlan,
  IamAllowedPrincipalsActiveError,
  PermissionsApplyIncompleteError,
  PermissionsGuardTrippedError,
  type PermissionsSyncCompletedDetail,
  planIsEmpty,
  type SyncPermissionsDeps,
  syncPermissions,
} from '../src/index.ts';

const A = 'arn:aws:iam::123456789012:role/analyst';
const OUTSIDER = 'arn:aws:iam::123456789012:role/outsider';
const DB = 'lakeops_prod_silver';

function desiredFor(tables: string[], principals = [A]): DesiredPermissions {
  return {
    grants: principals.flatMap((principal) =>
      tables.flatMap((table) => [
        {
          principal,
          resource: { kind: 'table' as const, database: DB, table },
          permissions: ['SELECT', 'DESCRIBE'],
        },
      ]),
    ),
    filters: [],
    principals,
    tables: tables.map((table) => ({ database: DB, table })),
    databases: [DB],
  };
}

const filtered: DesiredPermissions = {
  grants: [
    { principal: A, resource: { kind: 'table', database: DB, table: 'legs' }, permissions: ['DESCRIBE'] },
    {
      principal: A,
      resource: { kind: 'dataCellsFilter', database: DB, table: 'legs', name: 'lakeops__a__legs' },
      permissions: ['SELECT'],
    },
    {
      principal: A,
      resource: {
        kind: 'tableWithColumns',
        database: DB,
        table: 'pay',
        columns: { exclude: ['user_id', 'amount'] },
      },
      permissions: ['SELECT'],
    },
    { principal: A, resource: { kind: 'database', database: DB }, permissions: ['DESCRIBE'] },
  ],
  filters: [
    {
      database: DB,
      table: 'legs',
      name: 'lakeops__a__legs',
      rowFilter: "city_id = 'lis'",
      columns: { exclude: ['user_id'] },
    },
  ],
  principals: [A],
  tables: [
    { database: DB, table: 'legs' },
    { database: DB, table: 'pay' },
  ],
  databases: [DB],
};

function setup(lf = new InMemoryLakePermissions()) {
  const events: PermissionsSyncCompletedDetail[] = [];
  const sleeps: number[] = [];
  const deps: SyncPermissionsDeps = {
    lakePermissions: lf,
    events: { syncCompleted: async (d) => void events.push(d) },
    clock: { now: () => new Date('2026-11-27T10:03:40.123Z') },
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
  };
  return { lf, deps, events, sleeps };
}

describe('syncPermissions', () => {
  it('applies a policy, and a second run plans nothing (filters, column exclusions, table SELECT listed as columns)', async () => {
    // Prepare
    const { deps, events } = setup();
    // Act
    const first = await syncPermissions(deps, { desired: filtered, trigger: 'deploy', environment: 'prod' });
    const second = await syncPermissions(deps, { desired: filtered, dryRun: true });
    // Assess
    expect(formatPlan(first.plan).split('\n')).toEqual([
      `+ filter ${DB}.legs.lakeops__a__legs: city_id = 'lis'`,
      `+ ${A} SELECT on columns:${DB}.pay:-amount,user_id`,
      `+ ${A} DESCRIBE on db:${DB}`,
      `+ ${A} SELECT on filter:${DB}.legs.lakeops__a__legs`,
      `+ ${A} DESCRIBE on table:${DB}.legs`,
      '4 to grant, 0 to revoke, 0 unchanged',
    ]);
    expect(planIsEmpty(second.plan)).toBe(true);
    expect(second.plan.unchanged).toBe(4);
    expect(events[0]).toEqual({
      v: 1,
      plan_sha256: first.planSha256,
      grants: 4,
      revokes: 0,
      unchanged: 0,
      dry_run: false,
      trigger: 'deploy',
      environment: 'prod',
      completed_at: '2026-11-27T10:03:40Z',
    });
    expect(validateDetail('permissions.sync.completed', events[0])).toEqual({ ok: true, unknownFields: [] });
    expect(events[1]?.dry_run).toBe(true);
  });

  it('normalises ALL, a bare column wildcard and the TRUE filter so that equal states plan nothing', async () => {
    // Prepare
    const { lf, deps } = setup();
    lf.seed([
      {
        principal: A,
        resource: { kind: 'tableWithColumns', database: DB, table: 't1', columns: { exclude: [] } },
        permissions: ['SELECT'],
      },
    ]);
    lf.seed([
      { principal: A, resource: { kind: 'table', database: DB, table: 't1' }, permissions: ['DESCRIBE'] },
    ]);
    lf.filters.set(`${DB}.t1.lakeops__a__t1`, {
      database: DB,
      table: 't1',
      name: 'lakeops__a__t1',
      rowFilter: 'true',
      columns: { include: ['b', 'a'] },
    });
    const desired: DesiredPermissions = {
      ...desiredFor(['t1']),
      filters: [
        {
          database: DB,
          table: 't1',
          name: 'lakeops__a__t1',
          rowFilter: 'TRUE',
          columns: { include: ['a', 'b'] },
        },
      ],
    };
    // Act
    const result = await syncPermissions(deps, { desired, dryRun: true });
    // Assess
    expect(formatPlan(result.plan)).toBe('0 to grant, 0 to revoke, 2 unchanged');
  });

  it('replaces a literal ALL that grants more than the policy by revoking ALL and granting the policy', async () => {
    // Prepare
    const { lf, deps } = setup();
    lf.seed([{ principal: A, resource: { kind: 'table', database: DB, table: 't1' }, permissions: ['ALL'] }]);
    // Act
    const result = await syncPermissions(deps, { desired: desiredFor(['t1']), force: true });
    // Assess
    expect(result.plan.revokes).toEqual([
      { principal: A, resource: { kind: 'table', database: DB, table: 't1' }, permissions: ['ALL'] },
    ]);
    expect(result.plan.grants).toEqual([
      {
        principal: A,
        resource: { kind: 'table', database: DB, table: 't1' },
        permissions: ['DESCRIBE', 'SELECT'],
      },
    ]);
    expect([...lf.held.values()].map((h) => [...h.permissions].sort())).toEqual([['DESCRIBE', 'SELECT']]);
  });

  it('revokes an out-of-band grant on a managed principal and leaves unmanaged principals and tables alone', async () => {
    // Prepare
    const { lf, deps } = setup();
    await syncPermissions(deps, { desired: desiredFor(['t1', 't2', 't3']) });
    lf.seed([
      { principal: A, resource: { kind: 'table', database: DB, table: 't1' }, permissions: ['INSERT'] },
      {
        principal: A,
        resource: { kind: 'tableWithColumns', database: DB, table: 't2', columns: { include: ['x'] } },
        permissions: ['SELECT'],
      },
      {
        principal: OUTSIDER,
        resource: { kind: 'table', database: DB, table: 't1' },
        permissions: ['SELECT'],
      },
      {
        principal: A,
        resource: { kind: 'table', database: DB, table: 'unmanaged' },
        permissions: ['SELECT'],
      },
      { principal: A, resource: { kind: 'other', description: 'catalog' }, permissions: ['CREATE_DATABASE'] },
    ]);
    // Act
    const result = await syncPermissions(deps, { desired: desiredFor(['t1', 't2', 't3']) });
    const again = await syncPermissions(deps, { desired: desiredFor(['t1', 't2', 't3']), dryRun: true });
    // Assess
    expect(formatPlan(result.plan).split('\n')).toEqual([
      `- ${A} SELECT on columns:${DB}.t2:+x`,
      `- ${A} INSERT on table:${DB}.t1`,
      '0 to grant, 2 to revoke, 6 unchanged',
    ]);
    expect(planIsEmpty(again.plan)).toBe(true);
    expect(lf.held.has(`${OUTSIDER}|table:${DB}.t1`)).toBe(true);
    expect(lf.held.has(`${A}|table:${DB}.unmanaged`)).toBe(true);
    expect(lf.held.has(`${A}|other:catalog`)).toBe(true);
  });

  it('changes a filter (~) by deleting and creating it, then granting on it again', async () => {
    // Prepare
    const { lf, deps } = setup();
    await syncPermissions(deps, { desired: filtered });
    const changed: DesiredPermissions = {
      ...filtered,
      filters: [
        {
          ...(filtered.filters[0] as DesiredPermissions['filters'][number]),
          rowFilter: "city_id IN ('lis','opo')",
        },
      ],
    };
    lf.calls.length = 0;
    // Act
    const result = await syncPermissions(deps, { desired: changed });
    // Assess
    expect(formatPlan(result.plan).split('\n')).toEqual([
      `~ filter ${DB}.legs.lakeops__a__legs: city_id IN ('lis','opo')`,
      `+ ${A} SELECT on filter:${DB}.legs.lakeops__a__legs`,
      '1 to grant, 0 to revoke, 3 unchanged',
    ]);
    expect(lf.calls.map((c) => c.op)).toEqual([
      'ListPermissions',
      'ListDataCellsFilter',
      'GetDataLakeSettings',
      'DeleteDataCellsFilter',
      'CreateDataCellsFilter',
      'BatchGrantPermissions',
    ]);
    expect(lf.filters.get(`${DB}.legs.lakeops__a__legs`)?.rowFilter).toBe("city_id IN ('lis','opo')");
  });

  it('sends batches of at most 20 entries', async () => {
    // Prepare
    const { lf, deps } = setup();
    const tables = Array.from({ length: 45 }, (_, i) => `t${i}`);
    // Act
    const result = await syncPermissions(deps, { desired: desiredFor(tables) });
    // Assess
    expect(lf.calls.filter((c) => c.op === 'BatchGrantPermissions').map((c) => c.ids.length)).toEqual([
      20, 20, 5,
    ]);
    expect(result.calls.BatchGrantPermissions).toBe(3);
  });

  it('retries only the 3 of 20 entries that failed with ConcurrentModificationException, after a jittered backoff', async () => {
    // Prepare
    const { lf, deps, sleeps } = setup();
    const tables = Array.from({ length: 20 }, (_, i) => `t${i}`);
    lf.failEntries.push(
      new Map([
        ['3', 'ConcurrentModificationException'],
        ['7', 'ThrottlingException'],
        ['19', 'ConcurrentModificationException'],
      ]),
    );
    // Act
    const result = await syncPermissions(deps, { desired: desiredFor(tables), baseDelayMs: 100 });
    // Assess
    const batches = lf.calls.filter((c) => c.op === 'BatchGrantPermissions');
    expect(batches.map((c) => c.ids)).toEqual([tables.map((_, i) => String(i)), ['3', '7', '19']]);
    expect(result.retried).toBe(3);
    expect(sleeps).toEqual([50]);
    expect(lf.held.size).toBe(20);
  });

  it('reports entries that keep failing, and entries that cannot be retried, without retrying the rest', async () => {
    // Prepare
    const { lf, deps, events } = setup();
    const tables = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const always = new Map([['5', 'ConcurrentModificationException']]);
    lf.failEntries.push(new Map([...always, ['6', 'AccessDeniedException']]), always, always);
    // Act
    const run = syncPermissions(deps, { desired: desiredFor(tables), maxAttempts: 3 });
    // Assess
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionsApplyIncompleteError);
    expect((error as PermissionsApplyIncompleteError).failures.map((f) => [f.id, f.code])).toEqual([
      ['6', 'AccessDeniedException'],
      ['5', 'ConcurrentModificationException'],
    ]);
    expect(lf.calls.filter((c) => c.op === 'BatchGrantPermissions').map((c) => c.ids.length)).toEqual([
      20, 1, 1,
    ]);
    expect(events).toEqual([]);
  });

  it('treats "No permissions revoked" as done', async () => {
    // Prepare
    const { lf, deps } = setup();
    await syncPermissions(deps, { desired: desiredFor(['t1', 't2', 't3']) });
    lf.seed([
      { principal: A, resource: { kind: 'table', database: DB, table: 't1' }, permissions: ['DROP'] },
    ]);
    const original = lf.batchRevoke.bind(lf);
    lf.batchRevoke = async (entries) => {
      await original(entries); // someone else revoked it first: the second revoke finds nothing
      return original(entries);
    };
    // Act
    const result = await syncPermissions(deps, { desired: desiredFor(['t1', 't2', 't3']) });
    // Assess
    expect(result.plan.revokes).toHaveLength(1);
  });

  it('refuses an empty desired state and a mass revoke unless forced', async () => {
    // Prepare
    const { lf, deps } = setup();
    await syncPermissions(deps, { desired: desiredFor(['t1', 't2', 't3', 't4']) });
    const empty: DesiredPermissions = { ...desiredFor(['t1', 't2', 't3', 't4']), grants: [] };
    // Act
    const refusedEmpty = await syncPermissions(deps, { desired: empty }).catch((e: unknown) => e);
    const refusedShare = await syncPermissions(deps, {
      desired: { ...desiredFor(['t1']), tables: desiredFor(['t1', 't2', 't3', 't4']).tables },
    }).catch((e: unknown) => e);
    const allowedShare = await syncPermissions(deps, {
      desired: { ...desiredFor(['t1', 't2']), tables: desiredFor(['t1', 't2', 't3', 't4']).tables },
    });
    const forced = await syncPermissions(deps, { desired: empty, force: true });
    // Assess
    expect(refusedEmpty).toBeInstanceOf(PermissionsGuardTrippedError);
    expect(refusedShare).toBeInstanceOf(PermissionsGuardTrippedError);
    expect((refusedShare as Error).message).toBe(
      'the plan revokes 6 of 8 managed permissions (more than 50%)',
    );
    expect(allowedShare.plan.revokes).toHaveLength(2);
    expect(forced.plan.revokes).toHaveLength(2);
    expect(lf.held.size).toBe(0);
  });

  it('refuses to report success while IAMAllowedPrincipals still holds a managed table', async () => {
    // Prepare
    const { lf, deps, events } = setup();
    lf.seed([
      {
        principal: 'IAM_ALLOWED_PRINCIPALS',
        resource: { kind: 'table', database: DB, table: 't1' },
        permissions: ['ALL'],
      },
    ]);
    // Act
    const error = await syncPermissions(deps, { desired: desiredFor(['t1']) }).catch((e: unknown) => e);
    lf.held.clear();
    lf.settings = { admins: [], createTableDefaultPrincipals: ['IAM_ALLOWED_PRINCIPALS'] };
    const defaults = await syncPermissions(deps, { desired: desiredFor(['t1']) }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(IamAllowedPrincipalsActiveError);
    expect((error as IamAllowedPrincipalsActiveError).tables).toEqual([`${DB}.t1`]);
    expect(defaults).toBeInstanceOf(IamAllowedPrincipalsActiveError);
    expect(events).toEqual([]);
  });
});
