import { compilePattern, matchesPattern } from '@lakeops/event-patterns';
import { anEvent } from '@lakeops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { patternAlternatives } from '../../functions/lib/route.ts';
import type { SynthResource } from '../synth/index.ts';
import { testRoutes } from './fixtures/routes.ts';
import { arnParts, input, list, ofType, one, STAGE, statements, synthApp } from './synth-app.ts';

let app: SynthResource[];
beforeAll(async () => {
  app = await synthApp();
}, 180_000);

const queue = () => one(app, 'aws:sqs/queue:Queue', 'DeadLetterQueue');

describe('the dead-letter queue and who may send to it', () => {
  it('lets events.amazonaws.com send only for exactly the rules whose targets park events in it', () => {
    // Prepare: the DLQ's ARN from a target that uses it, the rule ARNs from the rules' own inputs.
    const targets = ofType(app, 'aws:cloudwatch/eventTarget:EventTarget');
    const dlqArn = String(input(targets[0] as SynthResource, 'deadLetterConfig', 'arn'));
    const { region, account } = arnParts(dlqArn);
    const rules = ofType(app, 'aws:cloudwatch/eventRule:EventRule');
    const parking = targets.filter((t) => input(t, 'deadLetterConfig', 'arn') === dlqArn);
    const expected = parking.map((t) => {
      const rule = rules.find(
        (r) => r.inputs.name === t.inputs.rule && r.inputs.eventBusName === t.inputs.eventBusName,
      );
      // A rule on the default bus has no bus in its ARN (`rule/[<bus>/]<name>`).
      const bus = rule?.inputs.eventBusName === 'default' ? '' : `${rule?.inputs.eventBusName}/`;
      return `arn:aws:events:${region}:${account}:rule/${bus}${rule?.inputs.name}`;
    });

    // Act
    const policies = ofType(app, 'aws:sqs/queuePolicy:QueuePolicy');
    const granted = statements(policies[0]?.inputs.policy);

    // Assess
    expect(policies).toHaveLength(1);
    expect(policies[0]?.inputs.queueUrl).toMatch(new RegExp(`/${account}/${queue().inputs.name}$`));
    expect(dlqArn).toMatch(new RegExp(`:${queue().inputs.name}$`));
    expect(parking.length).toBe(targets.length);
    expect(parking.map((t) => t.name)).toEqual(
      expect.arrayContaining(['ArchiveTarget', 'NativeEventsTarget']),
    );
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: dlqArn,
    });
    expect(Object.keys(granted[0]?.Condition ?? {})).toEqual(['ArnEquals']);
    expect(list(granted[0]?.Condition?.ArnEquals?.['aws:SourceArn']).sort()).toEqual([...expected].sort());
  });

  it('keeps parked events 14 days, encrypted with SQS-managed keys (no KMS key policy in the way)', () => {
    expect(queue().inputs).toMatchObject({
      messageRetentionSeconds: 14 * 24 * 3600,
      sqsManagedSseEnabled: true,
      fifoQueue: false,
    });
  });
});

/** "Athena Query State Change" as the Athena user guide shows it, for one workgroup and state. */
const athenaEvent = (workgroupName: string, currentState: string) =>
  anEvent('Athena Query State Change', 'aws.athena', {
    versionId: '0',
    currentState,
    previousState: 'RUNNING',
    statementType: 'DDL',
    queryExecutionId: '01234567-0123-0123-0123-012345678901',
    workgroupName,
    sequenceNumber: '3',
  });

describe("native AWS events: forwarded from the default bus to lakeops' bus", () => {
  const rule = () => one(app, 'aws:cloudwatch/eventRule:EventRule', 'NativeEventsRule');
  const target = () => one(app, 'aws:cloudwatch/eventTarget:EventTarget', 'NativeEventsTarget');
  const role = () => one(app, 'aws:iam/role:Role', 'NativeEventsRuleRole');
  const busArn = () =>
    `arn:aws:events:us-east-1:123456789012:event-bus/${one(app, 'aws:cloudwatch/eventBus:EventBus', 'EventsBus').inputs.name}`;

  it("puts one rule on the default bus with exactly the routes' native alternatives, targeting lakeops' bus", () => {
    // Prepare: every alternative of a route whose sources are AWS services'
    const native = testRoutes
      .flatMap((r) => (r.kind === 'event' ? patternAlternatives(r.pattern) : []))
      .filter((p) => Array.isArray(p.source) && p.source.every((s) => String(s).startsWith('aws.')));
    // Act
    const pattern = JSON.parse(String(rule().inputs.eventPattern));
    // Assess
    expect(rule().inputs.eventBusName).toBe('default');
    expect(native.map((p) => p.source)).toEqual(expect.arrayContaining([['aws.athena'], ['aws.cloudwatch']]));
    expect(pattern).toEqual({ $or: native });
    expect(target().inputs).toMatchObject({ eventBusName: 'default', arn: busArn() });
    expect(target().inputs.roleArn).toBe(`arn:aws:iam::123456789012:role/${role().inputs.name}`);
  });

  it("forwards the terminal states of this stage's write workgroup, not another workgroup's nor a running query", () => {
    // Prepare
    const compiled = compilePattern(JSON.parse(String(rule().inputs.eventPattern)));
    const writes = String(one(app, 'aws:athena/workgroup:Workgroup', 'AthenaWrites').inputs.name);
    // Act
    const matches = (wg: string, state: string) => matchesPattern(compiled, athenaEvent(wg, state));
    // Assess
    expect(writes).toBe(`lakeops-${STAGE}-writes`);
    expect(['SUCCEEDED', 'FAILED', 'CANCELLED'].map((s) => matches(writes, s))).toEqual([true, true, true]);
    expect(matches(writes, 'RUNNING')).toBe(false);
    expect(matches('primary', 'SUCCEEDED')).toBe(false);
    expect(matches(`lakeops-${STAGE}-reads`, 'SUCCEEDED')).toBe(false);
  });

  it("lets the rule, and only it, put events on lakeops' bus", () => {
    // Act
    const trust = statements(role().inputs.assumeRolePolicy);
    const policies = role().inputs.inlinePolicies as { name: string; policy: string }[];
    // Assess
    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': '123456789012' },
          ArnEquals: { 'aws:SourceArn': `arn:aws:events:us-east-1:123456789012:rule/${rule().inputs.name}` },
        },
      },
    ]);
    expect(policies).toHaveLength(1);
    expect(statements(policies[0]?.policy)).toEqual([
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn() },
    ]);
  });
});
