import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  BatchGrantPermissionsCommand,
  CreateDataCellsFilterCommand,
  GetDataLakeSettingsCommand,
  GrantPermissionsCommand,
  LakeFormationClient,
  ListDataCellsFilterCommand,
  ListPermissionsCommand,
} from '@aws-sdk/client-lakeformation';
import { validateDetail } from '@lakeops/contracts';
import { putEventsToEndpoint } from '@lakeops/local-cloud';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { policy } from '../../../permissions/policy.ts';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

const ANALYST = 'arn:aws:iam::123456789012:role/lakeops-analyst';
const OUTSIDER = 'arn:aws:iam::123456789012:role/outsider';
const GOLD = 'lakeops_prod_gold';
const SILVER = 'lakeops_prod_silver';

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cleanup: (() => void | Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** `lakeops start --no-seed` in this process, on a free port; stop() aborts it like Ctrl-C. */
async function startPlatform(home: string) {
  const { ctx, out, controller } = captureContext({ env: { LAKEOPS_HOME: home, LAKEOPS_STAGE: 'prod' } });
  const running = main(['start', '--port', '0', '--no-seed'], ctx);
  await until(() => out.stdout.includes('Ready.'), 'Ready.');
  const url = /lake formation (http:\/\/127\.0\.0\.1:\d+)/.exec(out.stdout)?.[1] as string;
  const stop = async () => {
    controller.abort();
    return running;
  };
  return { url, out, stop };
}

async function perms(args: string[], home: string) {
  const { ctx, out } = captureContext({ env: { LAKEOPS_HOME: home, LAKEOPS_STAGE: 'prod' } });
  const code = await main(['perms', ...args], ctx);
  return { code, stdout: out.stdout, stderr: out.stderr };
}

function lfClient(url: string) {
  const client = new LakeFormationClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  cleanup.push(() => client.destroy());
  return client;
}

describe('lakeops perms against the local Lake Formation endpoint of lakeops start', () => {
  it('applies the repo policy, plans nothing after, revokes out-of-band grants of managed principals only, and keeps grants over a restart', async () => {
    // Prepare
    const home = await mkdtemp(join(tmpdir(), 'lakeops-perms-'));
    const platform = await startPlatform(home);
    cleanup.push(async () => void (await platform.stop()));
    const lf = lfClient(platform.url);

    // Act 1: apply, then plan
    const applied = await perms(['apply', '--endpoint', platform.url], home);
    const planned = await perms(['plan', '--detailed-exitcode', '--endpoint', platform.url], home);
    // Assess 1
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(
      `+ filter ${SILVER}.fact_booking_legs.lakeops__analyst_lis__fact_booking_legs: city_id IN ('lis')`,
    );
    expect(applied.stdout).toContain(
      `+ analyst-lis SELECT on filter:${SILVER}.fact_booking_legs.lakeops__analyst_lis__fact_booking_legs`,
    );
    expect(applied.stdout).toContain(
      `+ privacy-officer DESCRIBE,SELECT on table:lakeops_prod_silver_private.users_private`,
    );
    expect(applied.stdout).toContain('11 to grant, 0 to revoke, 0 unchanged');
    expect(planned).toMatchObject({ code: 0, stderr: '' });
    expect(planned.stdout).toContain('No changes.');
    const filters = await lf.send(new ListDataCellsFilterCommand({}));
    expect(
      filters.DataCellsFilters?.map((f) => [
        f.Name,
        f.RowFilter?.FilterExpression,
        f.ColumnWildcard?.ExcludedColumnNames,
      ]),
    ).toEqual([['lakeops__analyst_lis__fact_booking_legs', "city_id IN ('lis')", ['user_id', 'seller_id']]]);
    await until(
      () => platform.out.stdout.includes('lakeops.governance / permissions.sync.completed'),
      'the sync event on the bus',
    );
    expect(platform.out.stdout).not.toMatch(/permissions\.sync\.completed refused/);

    // Act 2: grants out of band, on a managed principal and on an unmanaged one
    await lf.send(
      new GrantPermissionsCommand({
        Principal: { DataLakePrincipalIdentifier: ANALYST },
        Resource: { Table: { DatabaseName: GOLD, Name: 'kpi_gmv_daily' } },
        Permissions: ['ALTER'],
      }),
    );
    await lf.send(
      new GrantPermissionsCommand({
        Principal: { DataLakePrincipalIdentifier: OUTSIDER },
        Resource: { Table: { DatabaseName: GOLD, Name: 'kpi_gmv_daily' } },
        Permissions: ['SELECT'],
      }),
    );
    const drift = await perms(['plan', '--detailed-exitcode', '--endpoint', platform.url], home);
    const repaired = await perms(['apply', '--endpoint', platform.url], home);
    const listed = await lf.send(
      new ListPermissionsCommand({ Resource: { Table: { DatabaseName: GOLD, Name: 'kpi_gmv_daily' } } }),
    );
    // Assess 2
    expect(drift.code).toBe(2);
    expect(drift.stdout).toContain(`- analyst ALTER on table:${GOLD}.kpi_gmv_daily`);
    expect(drift.stdout).not.toContain('outsider');
    expect(repaired.code).toBe(0);
    expect(
      listed.PrincipalResourcePermissions?.map((p) => [
        p.Principal?.DataLakePrincipalIdentifier,
        p.Permissions,
      ]),
    ).toEqual([[ANALYST, ['DESCRIBE']]]);
    const outsider = await lf.send(
      new ListPermissionsCommand({ Principal: { DataLakePrincipalIdentifier: OUTSIDER } }),
    );
    expect(outsider.PrincipalResourcePermissions?.map((p) => p.Permissions)).toEqual([['SELECT']]);

    // Act 3: restart lakeops start on the same home
    expect(await platform.stop()).toBe(0);
    const again = await startPlatform(home);
    cleanup.push(async () => void (await again.stop()));
    const afterRestart = await perms(['plan', '--detailed-exitcode', '--endpoint', again.url], home);
    // Assess 3
    expect(afterRestart.stdout).toContain('No changes.');
    expect(afterRestart.code).toBe(0);
  });

  it('runs the permission-sync function on a deploy.succeeded of the data platform, against the same local endpoint', async () => {
    // Prepare
    const home = await mkdtemp(join(tmpdir(), 'lakeops-perms-deploy-'));
    const platform = await startPlatform(home);
    cleanup.push(async () => void (await platform.stop()));
    const deploy = (service: string) => ({
      version: '0',
      id: `deploy-${service}`,
      'detail-type': 'deploy.succeeded',
      source: 'marketplace.deploy',
      account: '000000000000',
      time: '2026-12-01T16:04:00Z',
      region: 'us-east-1',
      resources: [],
      detail: {
        v: 1,
        service,
        environment: 'production',
        version: '2026.12.01-1',
        started_at: '2026-12-01T16:00:00Z',
        finished_at: '2026-12-01T16:04:00Z',
      },
    });
    // Act
    await putEventsToEndpoint(platform.url, [deploy('payments-api'), deploy('data-platform')]);
    await until(
      () => /permission-sync ← event \S+: processed/.test(platform.out.stdout),
      'the permission-sync delivery',
    );
    await until(
      () => platform.out.stdout.includes('lakeops.governance / permissions.sync.completed'),
      "the function's permissions.sync.completed on the local bus",
    );
    const planned = await perms(['plan', '--detailed-exitcode', '--endpoint', platform.url], home);
    // The same deploy also rebuilds the NRT views: that delivery ends before the platform stops
    // here, so no function of it still runs (and publishes) while a later test mocks the SDK.
    await until(() => /nrt-rebuild ← event \S+: \w+/.test(platform.out.stdout), 'the nrt-rebuild delivery');
    await platform.stop();
    // Assess
    expect(platform.out.stdout).toMatch(/deploy\.succeeded → notify-deploy, nrt-rebuild, permission-sync\n/);
    expect(platform.out.stdout).toMatch(/deploy\.succeeded → notify-deploy\n/);
    expect(planned.stdout).toContain('No changes.');
    expect(planned.code).toBe(0);
  });

  it('trips the mass-revoke guard unless --force, and refuses an empty policy', async () => {
    // Prepare
    const home = await mkdtemp(join(tmpdir(), 'lakeops-perms-guard-'));
    const platform = await startPlatform(home);
    cleanup.push(async () => void (await platform.stop()));
    await perms(['apply', '--endpoint', platform.url], home);
    // Every table stays in the policy (the managed scope), but only DESCRIBE on each: SELECT goes.
    const small = join(home, 'describe-only-policy.json');
    const describeOnly = policy.grants.map((g) => ({ ...g, permissions: ['DESCRIBE'] }));
    await writeFile(small, JSON.stringify({ principals: policy.principals, grants: describeOnly }));
    const empty = join(home, 'empty-policy.json');
    await writeFile(empty, JSON.stringify({ principals: policy.principals, grants: [] }));
    // Act
    const share = ['--max-revoke-share', '0.3'];
    const refused = await perms(['apply', '--policy', small, ...share, '--endpoint', platform.url], home);
    const refusedEmpty = await perms(['apply', '--policy', empty, '--endpoint', platform.url], home);
    const plan = await perms(['plan', '--policy', small, ...share, '--endpoint', platform.url], home);
    const forced = await perms(['apply', '--force', '--policy', small, '--endpoint', platform.url], home);
    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'lakeops perms: the plan revokes 5 of 11 managed permissions (more than 30%)\n',
    );
    expect(refusedEmpty.stderr).toBe(
      'lakeops perms: the policy grants nothing: refusing to revoke every managed permission\n',
    );
    expect(plan.stdout).toContain('Warning: apply would refuse without --force');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('0 to grant, 5 to revoke, 6 unchanged');
  });

  it('names the file, principal and column of a policy that breaks the privacy rules', async () => {
    // Prepare
    const home = await mkdtemp(join(tmpdir(), 'lakeops-perms-bad-'));
    const bad = join(home, 'bad-policy.json');
    await writeFile(
      bad,
      JSON.stringify({
        principals: policy.principals,
        grants: [{ principal: 'analyst', table: 'silver_private.users_private', permissions: ['SELECT'] }],
      }),
    );
    // Act
    const result = await perms(['plan', '--policy', bad, '--endpoint', 'http://127.0.0.1:9'], home);
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `lakeops perms: ${bad}: principal analyst: column silver_private.users_private.email_sha256: restricted column granted to a principal without privacy: true\n` +
        `${bad}: principal analyst: column silver_private.users_private.phone_sha256: restricted column granted to a principal without privacy: true\n`,
    );
  });

  it('says when no local endpoint is listening', async () => {
    // Prepare
    const home = await mkdtemp(join(tmpdir(), 'lakeops-perms-none-'));
    // Act
    const result = await perms(['plan', '--endpoint', 'http://127.0.0.1:9'], home);
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'lakeops perms: no Lake Formation endpoint at http://127.0.0.1:9 (is lakeops start running?)\n',
    );
  });
});

describe('lakeops perms apply --aws (Lake Formation and EventBridge under aws-sdk-client-mock)', () => {
  it('applies through the SDK and puts permissions.sync.completed on the lakeops bus', async () => {
    // Prepare
    const lf = mockClient(LakeFormationClient);
    const eb = mockClient(EventBridgeClient);
    cleanup.push(() => {
      lf.restore();
      eb.restore();
    });
    lf.on(ListPermissionsCommand).resolves({ PrincipalResourcePermissions: [] });
    lf.on(ListDataCellsFilterCommand).resolves({ DataCellsFilters: [] });
    lf.on(GetDataLakeSettingsCommand).resolves({ DataLakeSettings: {} });
    lf.on(BatchGrantPermissionsCommand).resolves({ Failures: [] });
    lf.on(CreateDataCellsFilterCommand).resolves({});
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const env = {
      LAKEOPS_STAGE: 'prod',
      LAKEOPS_CATALOG_ID: '123456789012',
      LAKEOPS_EVENT_BUS_NAME: 'lakeops-prod-events',
      AWS_REGION: 'eu-west-1',
    };
    const { ctx, out } = captureContext({ env });
    // Act
    const code = await main(['perms', 'apply', '--aws'], ctx);
    // Assess
    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    expect(lf).toHaveReceivedCommandWith(ListPermissionsCommand, { CatalogId: '123456789012' });
    expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entries = eb.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    const detail = JSON.parse(entries[0]?.Detail ?? '{}') as Record<string, unknown>;
    expect(entries).toEqual([
      {
        EventBusName: 'lakeops-prod-events',
        Source: 'lakeops.governance',
        DetailType: 'permissions.sync.completed',
        Detail: JSON.stringify({
          v: 1,
          plan_sha256: detail.plan_sha256,
          grants: 11,
          revokes: 0,
          unchanged: 0,
          dry_run: false,
          completed_at: detail.completed_at,
          trigger: 'manual',
          environment: 'prod',
        }),
      },
    ]);
    expect(out.stdout).toContain(`plan ${String(detail.plan_sha256).slice(0, 12)}`);
    expect(validateDetail('permissions.sync.completed', detail)).toEqual({ ok: true, unknownFields: [] });
  });

  it('refuses apply --aws without a bus before calling Lake Formation; plan --aws needs none', async () => {
    // Prepare
    const lf = mockClient(LakeFormationClient);
    cleanup.push(() => lf.restore());
    lf.on(ListPermissionsCommand).resolves({ PrincipalResourcePermissions: [] });
    lf.on(ListDataCellsFilterCommand).resolves({ DataCellsFilters: [] });
    lf.on(GetDataLakeSettingsCommand).resolves({ DataLakeSettings: {} });
    const cwd = await mkdtemp(join(tmpdir(), 'lakeops-perms-aws-'));
    await writeFile(join(cwd, 'policy.json'), JSON.stringify(policy));
    const env = { LAKEOPS_STAGE: 'prod', LAKEOPS_CATALOG_ID: '123456789012' };
    const applied = captureContext({ env, cwd });
    const planned = captureContext({ env, cwd });
    // Act
    const applyCode = await main(['perms', 'apply', '--aws', '--policy', 'policy.json'], applied.ctx);
    const callsAfterApply = lf.calls().length;
    const planCode = await main(['perms', 'plan', '--aws', '--policy', 'policy.json'], planned.ctx);
    // Assess
    expect(applyCode).toBe(2);
    expect(applied.out.stderr).toBe(
      'lakeops perms: apply --aws publishes permissions.sync.completed: pass --event-bus <name>, set LAKEOPS_EVENT_BUS_NAME, or run where .sst/outputs.json has bus\n',
    );
    expect(callsAfterApply).toBe(0);
    expect(planCode).toBe(0);
    expect(planned.out.stdout).toContain('11 to grant, 0 to revoke, 0 unchanged');
  });
});
