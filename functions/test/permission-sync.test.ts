import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import {
  BatchGrantPermissionsCommand,
  BatchRevokePermissionsCommand,
  CreateDataCellsFilterCommand,
  DeleteDataCellsFilterCommand,
  GetDataLakeSettingsCommand,
  LakeFormationClient,
  ListDataCellsFilterCommand,
  ListPermissionsCommand,
  type Permission,
} from '@aws-sdk/client-lakeformation';
import { SQSClient } from '@aws-sdk/client-sqs';
import { toResource } from '@lakeops/adapters-aws/lakeformation-permissions';
import { validateDetail } from '@lakeops/contracts';
import { type PublishedEvent, resolvePolicy, type Zone, zones } from '@lakeops/core';
import { glueDatabaseName, glueDatabasePrefix, tables } from '@lakeops/lake';
import { anEvent, InMemoryDeadLetter, InMemoryLakePermissions, ManualClock } from '@lakeops/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { policy } from '../../permissions/policy.ts';
import { PERMISSION_POLICY_FILE, permissionPolicyModule } from '../codegen/permission-policy.ts';
import { functionsDir } from '../codegen/route-validators.ts';
import { lambdaContext } from '../lib/lambda-context.ts';
import { parkInDeadLetter, writeTraces } from '../lib/route.ts';
import { bundledRepoPolicy, type PermissionSyncDeps } from '../lib/sync-repo-permissions.ts';
import { make as makeDriftCheck } from '../permission-drift-check.ts';
import { make as makeSync } from '../permission-sync.ts';
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

  it.each(['dev', 'prod'])(
    'resolves the bundled policy for %s exactly as against the whole catalog',
    (stage) => {
      // Prepare
      const name = (zone: Zone) => glueDatabaseName(glueDatabasePrefix(stage), zone);
      // Act
      const bundled = bundledRepoPolicy(stage, name);
      const full = resolvePolicy(policy, 'permissions/policy.ts', stage, { tables, databaseName: name });
      // Assess
      expect(bundled).toEqual({ desired: full, stage });
    },
  );
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
    expect(second).toMatchObject({
      status: 'processed',
      result: { changed: false, grants: 0, unchanged: 11 },
    });
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
      repoPolicy: async () => ({
        ...full,
        desired: { ...full.desired, grants: full.desired.grants.slice(0, 1) },
      }),
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
    expect(lf.calls.map((c) => c.op)).toEqual([
      'ListPermissions',
      'ListDataCellsFilter',
      'GetDataLakeSettings',
    ]);
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
    expect(lf.held.has('arn:aws:iam::123456789012:role/outsider|table:lakeops_prod_gold.kpi_gmv_daily')).toBe(
      true,
    );
    expect(published.map((e) => e.detail.trigger)).toEqual(['schedule', 'schedule']);
  });
});

describe('on AWS: the IAM permissions of the route are exactly what the function calls', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('records every command of a full sync (pages, revoke, filter replaced, grants, event) and maps it to the route', async () => {
    // Prepare
    const CATALOG = '123456789012';
    const databases = Object.fromEntries(zones.map((z) => [z, `lakeops_prod_${z}`]));
    Object.assign(process.env, {
      LAKEOPS_DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
      LAKEOPS_STAGE: 'prod',
      LAKEOPS_CATALOG_ID: CATALOG,
      LAKEOPS_GLUE_DATABASE_PREFIX: 'lakeops_prod',
      POWERTOOLS_TRACE_ENABLED: 'false',
      AWS_REGION: 'eu-west-1',
      LAKEOPS_EVENT_BUS_NAME: 'lakeops-prod-events',
    });
    const lf = mockClient(LakeFormationClient);
    const eb = mockClient(EventBridgeClient);
    const sqs = mockClient(SQSClient);
    const glue = mockClient(GlueClient);
    // Lake Formation holds the policy but the privacy officer's grants, an out-of-band ALTER (revoked)
    // and the analyst-lis filter with another expression (deleted, created again), over two pages
    // of ListPermissions and of ListDataCellsFilter.
    const held = bundledRepoPolicy('prod', (zone) => databases[zone] ?? '')
      .desired.grants.filter((g) => !g.principal.endsWith('/lakeops-privacy-officer'))
      .map((g) => ({
        Principal: { DataLakePrincipalIdentifier: g.principal },
        Resource: toResource(g.resource, CATALOG),
        Permissions: [...g.permissions] as Permission[],
      }));
    lf.on(ListPermissionsCommand)
      .resolvesOnce({
        PrincipalResourcePermissions: [
          {
            Principal: { DataLakePrincipalIdentifier: ANALYST },
            Resource: {
              Table: { CatalogId: CATALOG, DatabaseName: 'lakeops_prod_gold', Name: 'kpi_gmv_daily' },
            },
            Permissions: ['ALTER'],
          },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({ PrincipalResourcePermissions: held });
    lf.on(ListDataCellsFilterCommand)
      .resolvesOnce({ DataCellsFilters: [], NextToken: 'f-2' })
      .resolvesOnce({
        DataCellsFilters: [
          {
            TableCatalogId: CATALOG,
            DatabaseName: 'lakeops_prod_silver',
            TableName: 'fact_booking_legs',
            Name: 'lakeops__analyst_lis__fact_booking_legs',
            RowFilter: { FilterExpression: "city_id IN ('opo')" },
            ColumnWildcard: { ExcludedColumnNames: ['user_id', 'seller_id'] },
          },
        ],
      });
    lf.on(GetDataLakeSettingsCommand).resolves({ DataLakeSettings: { DataLakeAdmins: [] } });
    lf.on(BatchRevokePermissionsCommand).resolves({ Failures: [] });
    lf.on(BatchGrantPermissionsCommand).resolves({ Failures: [] });
    lf.on(DeleteDataCellsFilterCommand).resolves({});
    lf.on(CreateDataCellsFilterCommand).resolves({});
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const { handler } = await import('../permission-sync.ts');
    const route = routeById('permission-sync');
    // Act
    const result = await handler(deploy('data-platform', 'evt-aws'), lambdaContext(route, 'req-aws'));
    // Assess
    expect(result).toMatchObject({
      status: 'processed',
      result: { changed: true, revokes: 1, filtersCreated: 1 },
    });
    const called = new Set([
      ...iamActions('lakeformation', lf.calls()),
      ...iamActions('events', eb.calls()),
      ...iamActions('sqs', sqs.calls()),
      ...iamActions('glue', glue.calls()),
    ]);
    const granted = new Set(route.permissions.flatMap((p) => p.actions));
    const chain = new Set([...parkInDeadLetter.actions, ...writeTraces.actions]);
    expect([...called].sort()).toEqual([...granted].filter((a) => !chain.has(a)).sort());
    expect(routeById('permission-drift-check').permissions).toEqual(route.permissions);
    expect(lf).toHaveReceivedNthCommandWith(ListPermissionsCommand, 2, {
      CatalogId: CATALOG,
      NextToken: 'page-2',
    });
    expect(lf).toHaveReceivedCommandWith(DeleteDataCellsFilterCommand, {
      TableCatalogId: CATALOG,
      DatabaseName: 'lakeops_prod_silver',
      TableName: 'fact_booking_legs',
      Name: 'lakeops__analyst_lis__fact_booking_legs',
    });
    expect(lf).toHaveReceivedCommandWith(BatchRevokePermissionsCommand, {
      CatalogId: CATALOG,
      Entries: [
        {
          Id: '0',
          Principal: { DataLakePrincipalIdentifier: ANALYST },
          Resource: {
            Table: { CatalogId: CATALOG, DatabaseName: 'lakeops_prod_gold', Name: 'kpi_gmv_daily' },
          },
          Permissions: ['ALTER'],
        },
      ],
    });
    const put = eb.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(put).toMatchObject({
      EventBusName: 'lakeops-prod-events',
      Source: 'lakeops.governance',
      DetailType: 'permissions.sync.completed',
    });
    expect(validateDetail('permissions.sync.completed', JSON.parse(put?.Detail ?? '{}'))).toEqual({
      ok: true,
      unknownFields: [],
    });
  });
});

/**
 * The IAM action of each command a mocked client received: `<service>:<operation>`, the operation
 * being the command's name without `Command` (Lake Formation's and EventBridge's IAM actions are
 * named after their API operations: Service Authorization Reference).
 */
function iamActions(
  service: string,
  calls: readonly { args: readonly [{ constructor: { name: string } }, ...unknown[]] }[],
): string[] {
  return calls.map((c) => `${service}:${c.args[0].constructor.name.replace(/Command$/, '')}`);
}
