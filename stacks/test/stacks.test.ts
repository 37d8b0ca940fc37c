import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zones } from '@lakeops/core';
import { glueDatabaseName } from '@lakeops/lake/glue-databases';
import { repoRoot } from '@lakeops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { deployedOnAws, handlerOf, type ResourceRef, type Route } from '../../functions/lib/route.ts';
import { routes } from '../../functions/routes.ts';
import { type SynthResource, synthesize } from '../synth/index.ts';
import { testRoutes as allTestRoutes } from './fixtures/routes.ts';
import { input } from './synth-app.ts';

// The real stacks on SST 4.17.1's real components under Pulumi's mocks (stacks/synth), with the
// test route table (fixtures/: the real routes plus a schedule and an `$or` route).
let resources: SynthResource[];
beforeAll(async () => {
  resources = await synthesize({ stage: 'test', config: 'stacks/test/fixtures/sst.test.config.ts' });
}, 240_000);

// Routes marked `runs: 'local-only'` are not deployed (asserted in the last test).
const testRoutes = allTestRoutes.filter(deployedOnAws);
const eventRoutes = testRoutes.filter((r) => r.kind === 'event');
const scheduleRoutes = testRoutes.filter((r) => r.kind === 'schedule');

function ofType(type: string): SynthResource[] {
  return resources.filter((r) => r.type === type);
}
function named(type: string, name: string): SynthResource {
  const found = resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
}
function text(r: SynthResource, key: string): string {
  const v = r.inputs[key];
  if (typeof v !== 'string') throw new Error(`${r.name}.${key} is not a string: ${JSON.stringify(v)}`);
  return v;
}

// What the mocked provider returns as ARNs (stacks/synth/runtime.ts mockState), by physical name.
const lambdaArn = (fn: SynthResource) => `arn:aws:lambda:us-east-1:123456789012:function:${text(fn, 'name')}`;
const deadLetterArn = () =>
  `arn:aws:sqs:us-east-1:123456789012:${text(named('aws:sqs/queue:Queue', 'DeadLetterQueue'), 'name')}`;
const bucketArn = (name: string) => `arn:aws:s3:::${text(named('aws:s3/bucket:Bucket', name), 'bucket')}`;

/** The ARNs a route's resource reference must resolve to, from the synthesized resources. */
function expectedArns(ref: ResourceRef): string[] {
  switch (ref) {
    case 'dead-letter-queue':
      return [deadLetterArn()];
    case 'bus':
      return [
        `arn:aws:events:us-east-1:123456789012:event-bus/${text(named('aws:cloudwatch/eventBus:EventBus', 'EventsBus'), 'name')}`,
      ];
    case 'lake-bucket':
      return [bucketArn('LakeBucket'), `${bucketArn('LakeBucket')}/*`];
    case 'athena-results-bucket':
      return [bucketArn('AthenaResultsBucket'), `${bucketArn('AthenaResultsBucket')}/*`];
    case 'athena-read-workgroup':
      return [
        `arn:aws:athena:us-east-1:123456789012:workgroup/${text(named('aws:athena/workgroup:Workgroup', 'AthenaReads'), 'name')}`,
      ];
    case 'athena-write-workgroup':
      return [
        `arn:aws:athena:us-east-1:123456789012:workgroup/${text(named('aws:athena/workgroup:Workgroup', 'AthenaWrites'), 'name')}`,
      ];
    case 'glue-catalog': {
      // The catalog, every zone and staging database, and their tables: no `*` account or region.
      const databases = ofType('aws:glue/catalogDatabase:CatalogDatabase').map((d) => text(d, 'name'));
      const glue = 'arn:aws:glue:us-east-1:123456789012';
      expect(databases).toHaveLength(zones.length + 1);
      return [
        `${glue}:catalog`,
        ...databases.map((d) => `${glue}:database/${d}`),
        ...databases.map((d) => `${glue}:table/${d}/*`),
      ];
    }
    case 'slack-webhook-parameter':
      return [
        `arn:aws:ssm:us-east-1:123456789012:parameter${text(named('aws:ssm/parameter:Parameter', 'SlackWebhookParameter'), 'name')}`,
      ];
    case 'pagerduty-routing-key-parameter':
      return [
        `arn:aws:ssm:us-east-1:123456789012:parameter${text(named('aws:ssm/parameter:Parameter', 'PagerDutyRoutingKeyParameter'), 'name')}`,
      ];
    case 'dsar-salt-parameter':
      return [
        `arn:aws:ssm:us-east-1:123456789012:parameter${text(named('aws:ssm/parameter:Parameter', 'DsarSaltParameter'), 'name')}`,
      ];
    case 'state-table':
      return [
        `arn:aws:dynamodb:us-east-1:123456789012:table/${text(named('aws:dynamodb/table:Table', 'StateTable'), 'name')}`,
      ];
    case 'experiments-config': {
      // application/<app id>/environment/<env id>/configuration/<profile id> (the mock's ids:
      // the application's `<name>-id`, AppConfig-like 7 characters for the others).
      const app = named('aws:appconfig/application:Application', 'ExperimentsApp');
      expect(app.inputs.name).toBe('lakeops-test-experiments');
      return [
        'arn:aws:appconfig:us-east-1:123456789012:application/ExperimentsApp-id/environment/ronment/configuration/profile',
      ];
    }
    case 'lake-formation':
      return ['*'];
    case 'xray':
      return ['*'];
  }
}

/** The names SST gives a route's resources: Bus.subscribe → `<bus>Subscriber<id>…`, CronV2 → `<id>…`. */
function functionOf(route: Route): SynthResource {
  return named(
    'aws:lambda/function:Function',
    route.kind === 'event' ? `EventsSubscriber${route.id}FunctionFunction` : `${route.id}HandlerFunction`,
  );
}
function roleOf(route: Route): SynthResource {
  return named(
    'aws:iam/role:Role',
    route.kind === 'event' ? `EventsSubscriber${route.id}FunctionRole` : `${route.id}HandlerRole`,
  );
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  [k: string]: unknown;
}
const list = (v: string | string[]) => (Array.isArray(v) ? [...v] : [v]);

describe('stacks generated from the route table, as SST declares them', () => {
  it('gives every event route one rule with exactly its pattern, $or and numeric matching included', () => {
    // Prepare
    // The subscribers' rules (the archive rule, archive.ts, has its own tests).
    const rules = ofType('aws:cloudwatch/eventRule:EventRule').filter((r) =>
      r.name.startsWith('EventsSubscriber'),
    );

    // Act
    const patterns = eventRoutes.map((route) => {
      const rule = named('aws:cloudwatch/eventRule:EventRule', `EventsSubscriber${route.id}Rule`);
      return JSON.parse(text(rule, 'eventPattern')) as unknown;
    });

    // Assess
    expect(rules).toHaveLength(eventRoutes.length);
    expect(patterns).toEqual(eventRoutes.map((r) => r.pattern));
    for (const rule of rules) {
      expect(rule.inputs.eventBusName).toBe(
        named('aws:cloudwatch/eventBus:EventBus', 'EventsBus').inputs.name,
      );
    }
  });

  it("targets each rule at its route's function, with the dead-letter queue and a retry policy", () => {
    for (const route of eventRoutes) {
      // Prepare
      const rule = named('aws:cloudwatch/eventRule:EventRule', `EventsSubscriber${route.id}Rule`);

      // Act
      const target = named('aws:cloudwatch/eventTarget:EventTarget', `EventsSubscriber${route.id}Target`);

      // Assess
      expect(target.inputs.rule, route.id).toBe(rule.inputs.name);
      expect(target.inputs.arn, route.id).toBe(lambdaArn(functionOf(route)));
      expect(target.inputs.deadLetterConfig, route.id).toEqual({ arn: deadLetterArn() });
      // EventBridge RetryPolicy limits: MaximumRetryAttempts 0–185, MaximumEventAgeInSeconds 60–86400.
      const retry = target.inputs.retryPolicy as {
        maximumRetryAttempts: number;
        maximumEventAgeInSeconds: number;
      };
      expect(retry.maximumRetryAttempts).toBeGreaterThanOrEqual(0);
      expect(retry.maximumRetryAttempts).toBeLessThanOrEqual(185);
      expect(retry.maximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
      expect(retry.maximumEventAgeInSeconds).toBeLessThanOrEqual(86_400);
    }
    expect(
      ofType('aws:cloudwatch/eventTarget:EventTarget').filter((t) => t.name.startsWith('EventsSubscriber')),
    ).toHaveLength(eventRoutes.length);
  });

  it('schedules every schedule route once (EventBridge Scheduler), with its expression, zone and DLQ', () => {
    // Prepare
    expect(scheduleRoutes.length).toBeGreaterThan(0);

    // Act
    const schedules = ofType('aws:scheduler/schedule:Schedule');

    // Assess
    expect(schedules.map((s) => s.name).sort()).toEqual(scheduleRoutes.map((r) => `${r.id}Schedule`).sort());
    for (const route of scheduleRoutes) {
      if (route.kind !== 'schedule') continue;
      const schedule = named('aws:scheduler/schedule:Schedule', `${route.id}Schedule`);
      expect(schedule.inputs).toMatchObject({
        scheduleExpression: route.schedule,
        // SST's CronV2 sets a zone for cron() only; a rate() does not depend on one.
        ...(route.schedule.startsWith('cron(')
          ? { scheduleExpressionTimezone: route.timezone ?? 'UTC' }
          : {}),
        state: 'ENABLED',
        target: { arn: lambdaArn(functionOf(route)), deadLetterConfig: { arn: deadLetterArn() } },
      });
      // Scheduler RetryPolicy limits: MaximumRetryAttempts 0–185.
      const retries = (schedule.inputs.target as { retryPolicy?: { maximumRetryAttempts?: number } })
        .retryPolicy?.maximumRetryAttempts;
      expect(retries).toBeGreaterThanOrEqual(0);
      expect(retries).toBeLessThanOrEqual(185);
    }
  });

  it('grants each function exactly the statements its route lists, on the resources they name', () => {
    // Permissions narrowed to zones or state items become several statements with conditions:
    // those routes are worked out by hand (console.test.ts, checks.test.ts).
    const scoped = (r: Route) =>
      r.permissions.some((p) => p.zones !== undefined || p.stateKeys !== undefined);
    expect(testRoutes.filter(scoped).map((r) => r.id)).toEqual(['quality-check', 'kpi-check']);
    for (const route of testRoutes.filter((r) => !scoped(r))) {
      // Prepare
      const expected = route.permissions.map((p) => ({
        Effect: 'Allow',
        Action: [...p.actions].sort(),
        Resource: expectedArns(p.resource).sort(),
      }));

      // Act
      const role = roleOf(route);
      const inline = role.inputs.inlinePolicies as { name: string; policy: string }[];
      const statements = inline.flatMap(
        (p) => (JSON.parse(p.policy) as { Statement: Statement[] }).Statement,
      );

      // Assess
      expect(inline, route.id).toHaveLength(1);
      expect(
        statements.map((s) => ({ ...s, Action: list(s.Action).sort(), Resource: list(s.Resource).sort() })),
        route.id,
      ).toEqual(expected);
      // Only the AWS-managed policy for CloudWatch Logs comes on top.
      expect(role.inputs.managedPolicyArns, route.id).toEqual([
        'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
      ]);
    }
  });

  it('runs every function on Node 24 (arm64) with its handler, limits, tracing and the DLQ', () => {
    for (const route of testRoutes) {
      // Act
      const fn = functionOf(route);

      // Assess
      expect(fn.inputs, route.id).toMatchObject({
        runtime: 'nodejs24.x',
        architectures: ['arm64'],
        handler: handlerOf(route),
        timeout: route.timeoutSeconds,
        memorySize: route.memoryMB,
        tracingConfig: { mode: 'Active' },
        deadLetterConfig: { targetArn: deadLetterArn() },
      });
    }
    // The routes' functions, the Firehose transform of the archive (archive.ts) and the console (console.ts).
    expect(ofType('aws:lambda/function:Function')).toHaveLength(testRoutes.length + 2);
  });

  it('tells every function its bus, stage, catalog and the Glue database of each zone (the permission sync reads them)', () => {
    // Prepare
    const databases = Object.fromEntries(
      ofType('aws:glue/catalogDatabase:CatalogDatabase').map((d) => {
        const name = text(d, 'name');
        return [name.replace(/^lakeops_test_/, ''), name];
      }),
    );
    const expected = Object.fromEntries(zones.map((zone) => [zone, databases[zone]]));
    for (const route of testRoutes) {
      // Act
      const variables = input(functionOf(route), 'environment', 'variables') as Record<string, string>;
      // Assess
      expect(variables.LAKEOPS_STAGE, route.id).toBe('test');
      expect(variables.LAKEOPS_EVENT_BUS_NAME, route.id).toBe(
        text(named('aws:cloudwatch/eventBus:EventBus', 'EventsBus'), 'name'),
      );
      expect(variables.LAKEOPS_CATALOG_ID, route.id).toBe('123456789012');
      // The database names the function derives from its prefix are the databases the stack made.
      const prefix = variables.LAKEOPS_GLUE_DATABASE_PREFIX ?? '';
      expect(
        Object.fromEntries(zones.map((zone) => [zone, glueDatabaseName(prefix, zone)])),
        route.id,
      ).toEqual(expected);
    }
  });

  it('points every handler at a function file that exports make and handler', async () => {
    for (const route of testRoutes) {
      // Prepare
      const [file, exported] = handlerOf(route).split('.');
      const path = join(repoRoot, `${file}.ts`);

      // Act
      const mod = (await import(path)) as Record<string, unknown>;

      // Assess
      expect(existsSync(path), path).toBe(true);
      expect(exported).toBe('handler');
      expect(typeof mod.handler, route.id).toBe('function');
      expect(typeof mod.make, route.id).toBe('function');
    }
  });

  it('keeps parked events 14 days and versions the lake bucket', () => {
    // Act
    const queue = named('aws:sqs/queue:Queue', 'DeadLetterQueue');
    const versioning = named('aws:s3/bucketVersioning:BucketVersioning', 'LakeVersioning');

    // Assess
    expect(queue.inputs.messageRetentionSeconds).toBe(14 * 24 * 3600);
    expect(versioning.inputs).toEqual({
      bucket: named('aws:s3/bucket:Bucket', 'LakeBucket').inputs.bucket,
      versioningConfiguration: { status: 'Enabled' },
    });
  });

  it('leaves out the routes marked local-only: no rule, schedule, function or role of theirs', () => {
    // Prepare
    const localOnly = allTestRoutes.filter((r) => r.runs === 'local-only').map((r) => r.id);
    // Act
    const names = resources.map((r) => r.name);
    // Assess
    expect(localOnly).toEqual(['test-local-schedule', 'test-local-event']);
    for (const id of localOnly)
      expect(
        names.filter((n) => n.includes(id)),
        id,
      ).toEqual([]);
    expect(names.filter((n) => n.includes('test-nightly')).length).toBeGreaterThan(0);
  });

  it('deploys the experiment definitions to AppConfig: a feature-flag profile, the repo document, all at once', () => {
    // Act
    const profile = named('aws:appconfig/configurationProfile:ConfigurationProfile', 'ExperimentsProfile');
    const version = named(
      'aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion',
      'ExperimentsVersion',
    );
    const deployment = named('aws:appconfig/deployment:Deployment', 'ExperimentsDeployment');
    // Assess
    expect(profile.inputs).toMatchObject({
      applicationId: 'ExperimentsApp-id',
      locationUri: 'hosted',
      type: 'AWS.AppConfig.FeatureFlags',
    });
    expect(JSON.parse(text(version, 'content'))).toEqual(
      JSON.parse(readFileSync(join(repoRoot, 'examples/experiments.json'), 'utf8')),
    );
    expect(version.inputs).toMatchObject({
      contentType: 'application/json',
      configurationProfileId: 'profile',
    });
    // GetLatestConfiguration answers only with a deployed version.
    expect(deployment.inputs).toMatchObject({
      applicationId: 'ExperimentsApp-id',
      environmentId: 'ronment',
      configurationProfileId: 'profile',
      configurationVersion: '1',
      deploymentStrategyId: 'AppConfig.AllAtOnce',
    });
    const analyze = functionOf(routes.find((r) => r.id === 'exp-analyze') as Route);
    expect(input(analyze, 'environment', 'variables')).toMatchObject({
      LAKEOPS_APPCONFIG_APPLICATION: 'ExperimentsApp-id',
      LAKEOPS_APPCONFIG_ENVIRONMENT: 'ronment',
      LAKEOPS_APPCONFIG_PROFILE: 'profile',
      LAKEOPS_QUERIES_DIR: 'packages/lake/queries',
    });
  });

  it('never restates a pattern by hand in stacks/', () => {
    // Patterns come from functions/routes.ts only: a literal source or detail-type in a stack
    // file would be a second copy that can drift.
    const files = readdirSync(join(repoRoot, 'stacks')).filter((f) => f.endsWith('.ts'));
    for (const f of files) {
      const content = readFileSync(join(repoRoot, 'stacks', f), 'utf8');
      expect(content, f).not.toMatch(/['"](marketplace|lakeops|aws)\.[a-z]+['"]/);
      expect(content, f).not.toMatch(/['"]detail-type['"]\s*:/);
    }
  });
});

describe('sst.config.ts itself', () => {
  it('synthesizes the real route table: one rule per deployed event route, one schedule per deployed schedule route, none for a local-only route', async () => {
    // Act
    const real = await synthesize({ stage: 'ci' });

    // Assess
    const rules = real
      .filter(
        (r) =>
          r.type === 'aws:cloudwatch/eventRule:EventRule' &&
          r.name !== 'ArchiveRule' &&
          r.name !== 'NativeEventsRule',
      )
      .map((r) => r.name);
    const schedules = real.filter((r) => r.type === 'aws:scheduler/schedule:Schedule').map((r) => r.name);
    const functionRoutes = real
      .filter((r) => r.type === 'aws:lambda/function:Function')
      .map(
        (r) => (input(r, 'environment', 'variables') as Record<string, string> | undefined)?.LAKEOPS_ROUTE_ID,
      )
      .filter((id) => id !== undefined);
    const all: readonly Route[] = routes;
    const onAws = all.filter((r) => r.runs !== 'local-only');
    // Every real route runs on AWS now; the exclusion is checked on the test table (next test).
    const localOnly = all.filter((r) => r.runs === 'local-only').map((r) => r.id);
    expect(rules.sort()).toEqual(
      onAws
        .filter((r) => r.kind === 'event')
        .map((r) => `EventsSubscriber${r.id}Rule`)
        .sort(),
    );
    expect(schedules.sort()).toEqual(
      onAws
        .filter((r) => r.kind === 'schedule')
        .map((r) => `${r.id}Schedule`)
        .sort(),
    );
    expect(functionRoutes.filter((id) => localOnly.includes(id))).toEqual([]);
  }, 240_000);
});
