import { beforeAll, describe, expect, it } from 'vitest';
import type { SynthResource } from '../synth/index.ts';
import { arnParts, input, list, ofType, one, type Statement, statements, synthApp } from './synth-app.ts';

let app: SynthResource[];
beforeAll(async () => {
  app = await synthApp();
}, 180_000);

/** Every IAM statement the app declares: role inline policies, role policies, resource policies. */
function allStatements(): { owner: string; statement: Statement }[] {
  const owned = (owner: string, policy: unknown) =>
    statements(policy).map((statement) => ({ owner, statement }));
  return [
    ...ofType(app, 'aws:iam/role:Role').flatMap((role) =>
      ((role.inputs.inlinePolicies ?? []) as { policy: string }[]).flatMap((p) => owned(role.name, p.policy)),
    ),
    ...ofType(app, 'aws:iam/rolePolicy:RolePolicy').flatMap((p) => owned(p.name, p.inputs.policy)),
    ...ofType(app, 'aws:sqs/queuePolicy:QueuePolicy').flatMap((p) => owned(p.name, p.inputs.policy)),
    ...ofType(app, 'aws:sns/topicPolicy:TopicPolicy').flatMap((p) => owned(p.name, p.inputs.policy)),
  ];
}

const roleNamed = (name: string) => ofType(app, 'aws:iam/role:Role').find((r) => r.name === name);
const grants = (role: SynthResource | undefined, action: string) =>
  ((role?.inputs.inlinePolicies ?? []) as { policy: string }[])
    .flatMap((p) => statements(p.policy))
    .filter((s) => list(s.Action).includes(action))
    .flatMap((s) => list(s.Resource));

describe('IAM of the whole app', () => {
  it('names a region and an account in every ARN it grants; `*` only for X-Ray and Lake Formation', () => {
    // Act
    const found = allStatements();
    const resources = found.flatMap(({ owner, statement }) =>
      list(statement.Resource).map((resource) => ({ owner, resource, actions: list(statement.Action) })),
    );

    // Assess
    expect(found.length).toBeGreaterThan(10);
    for (const { owner, resource, actions } of resources) {
      if (resource === '*') {
        // Neither service has resource-level IAM permissions (Service Authorization Reference).
        expect(
          actions.every((a) => a.startsWith('xray:') || a.startsWith('lakeformation:')),
          `${owner}: ${actions.join()}`,
        ).toBe(true);
        continue;
      }
      const { partition, service, region, account } = arnParts(resource);
      expect(partition, resource).toBe('aws');
      // S3 bucket ARNs carry neither region nor account; every other service names both.
      if (service === 's3') continue;
      expect(region, `${owner}: ${resource}`).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
      expect(account, `${owner}: ${resource}`).toMatch(/^\d{12}$/);
    }
  });

  it('lets every function with an async DLQ, and every schedule, send to the dead-letter queue', () => {
    // Prepare
    const functions = ofType(app, 'aws:lambda/function:Function');
    const withDlq = functions.filter((fn) => input(fn, 'deadLetterConfig', 'targetArn') !== undefined);
    const schedules = ofType(app, 'aws:scheduler/schedule:Schedule');

    // Act
    const roleArnOf = (fn: SynthResource) => String(fn.inputs.role);
    const roleByArn = (arn: string) =>
      ofType(app, 'aws:iam/role:Role').find((r) => arn.endsWith(`:role/${String(r.inputs.name)}`));

    // Assess
    expect(withDlq.length).toBeGreaterThan(0);
    for (const fn of withDlq) {
      // Lambda sends a failed asynchronous event to its DLQ with the function's execution role.
      expect(grants(roleByArn(roleArnOf(fn)), 'sqs:SendMessage'), fn.name).toContain(
        input(fn, 'deadLetterConfig', 'targetArn'),
      );
    }
    expect(schedules.length).toBeGreaterThan(0);
    for (const schedule of schedules) {
      // EventBridge Scheduler sends to its DLQ with the schedule's execution role.
      const dlq = input(schedule, 'target', 'deadLetterConfig', 'arn');
      expect(
        grants(roleByArn(String(input(schedule, 'target', 'roleArn'))), 'sqs:SendMessage'),
        schedule.name,
      ).toEqual([dlq]);
    }
  });

  it('gives the notify and alert-flush routes ssm:GetParameter on the Slack and PagerDuty parameters only, and no kms:Decrypt anywhere', () => {
    // Prepare
    const arn = (name: string) => {
      const parameter = one(app, 'aws:ssm/parameter:Parameter', name);
      return expect.stringMatching(
        new RegExp(`:ssm:[a-z0-9-]+:\\d{12}:parameter${String(parameter.inputs.name)}$`),
      );
    };

    // Act
    const notify = roleNamed('EventsSubscribernotify-deployFunctionRole');
    const flush = roleNamed('alert-flushHandlerRole');
    const record = roleNamed('EventsSubscriberalert-recordFunctionRole');

    // Assess
    for (const role of [notify, flush])
      expect(grants(role, 'ssm:GetParameter')).toEqual([
        arn('SlackWebhookParameter'),
        arn('PagerDutyRoutingKeyParameter'),
      ]);
    expect(grants(record, 'ssm:GetParameter')).toEqual([]);
    // aws/ssm lets the account's principals decrypt through SSM: no key grant needed.
    expect(
      allStatements().filter(({ statement }) => list(statement.Action).some((a) => a.startsWith('kms:'))),
    ).toEqual([]);
  });
});

describe('who may assume the functions’ roles', () => {
  it('lets only Lambda assume a function role (not the whole account, as SST 4.17.1 does outside `sst dev`)', () => {
    // Prepare: every role SST creates for a function (the trust names lambda.amazonaws.com)
    const functionRoles = ofType(app, 'aws:iam/role:Role').filter((role) =>
      String(role.inputs.assumeRolePolicy).includes('lambda.amazonaws.com'),
    );

    // Act
    const principals = functionRoles.map((role) => ({
      role: role.name,
      principals: statements(role.inputs.assumeRolePolicy).map((s) => s.Principal),
    }));

    // Assess: the archive transform and one function per route, each trusting Lambda only
    expect(functionRoles.length).toBeGreaterThan(3);
    for (const { principals: p } of principals) expect(p).toEqual([{ Service: 'lambda.amazonaws.com' }]);
  });
});

describe('the NRT functions on Athena', () => {
  const envOf = (fn: SynthResource) =>
    (input(fn, 'environment', 'variables') ?? {}) as Record<string, unknown>;
  const byRoute = (id: string) =>
    ofType(app, 'aws:lambda/function:Function').find((fn) => envOf(fn).LAKEOPS_ROUTE_ID === id);

  it.each(['nrt-refresh', 'nrt-rebuild', 'nrt-complete'])(
    '%s is deployed and told the lake bucket, both workgroups, the Glue prefix and its bundled models',
    (id) => {
      // Prepare
      const name = (type: string, logical: string) => one(app, type, logical).inputs;
      // Act
      const env = envOf(byRoute(id) as SynthResource);
      // Assess
      expect(env).toMatchObject({
        LAKEOPS_LAKE_BUCKET: name('aws:s3/bucket:Bucket', 'LakeBucket').bucket,
        LAKEOPS_ATHENA_READ_WORKGROUP: name('aws:athena/workgroup:Workgroup', 'AthenaReads').name,
        LAKEOPS_ATHENA_WRITE_WORKGROUP: name('aws:athena/workgroup:Workgroup', 'AthenaWrites').name,
        LAKEOPS_GLUE_DATABASE_PREFIX: 'lakeops_synth',
        LAKEOPS_MODELS_DIR: 'packages/lake/models',
      });
    },
  );

  it('tells no other function where models are', () => {
    // Act
    const withModels = ofType(app, 'aws:lambda/function:Function')
      .filter((fn) => envOf(fn).LAKEOPS_MODELS_DIR !== undefined)
      .map((fn) => envOf(fn).LAKEOPS_ROUTE_ID);
    // Assess
    expect(withModels.sort()).toEqual(['nrt-complete', 'nrt-rebuild', 'nrt-refresh']);
  });
});
