import { beforeAll, describe, expect, it } from 'vitest';
import type { SynthResource } from '../synth/index.ts';
import { DSAR_SALT, input, ofType, one, SLACK_WEBHOOK, STAGE, statements, synthApp } from './synth-app.ts';

let app: SynthResource[];
beforeAll(async () => {
  app = await synthApp();
}, 180_000);

const topic = () => one(app, 'aws:sns/topic:Topic', 'AlertsTopic');
const parameter = () => one(app, 'aws:ssm/parameter:Parameter', 'SlackWebhookParameter');
const functions = () => ofType(app, 'aws:lambda/function:Function');
const envOf = (fn: SynthResource) => (input(fn, 'environment', 'variables') ?? {}) as Record<string, unknown>;

describe('failures reach someone', () => {
  it('sends the dead-letter alarm, and its recovery, to the Alerts topic', () => {
    // Prepare
    const alarm = one(app, 'aws:cloudwatch/metricAlarm:MetricAlarm', 'DeadLetterNotEmpty');
    const topicArn = new RegExp(`^arn:aws:sns:[a-z0-9-]+:\\d{12}:${topic().inputs.name}$`);

    // Act
    const { alarmActions, okActions } = alarm.inputs as { alarmActions: string[]; okActions: string[] };

    // Assess
    expect(alarmActions).toEqual([expect.stringMatching(topicArn)]);
    expect(okActions).toEqual(alarmActions);
    expect(alarm.inputs.dimensions).toEqual({
      QueueName: input(one(app, 'aws:sqs/queue:Queue', 'DeadLetterQueue'), 'name'),
    });
  });

  it('lets CloudWatch publish to the topic for that alarm only', () => {
    // Prepare
    const policy = ofType(app, 'aws:sns/topicPolicy:TopicPolicy');

    // Act
    const granted = statements(policy[0]?.inputs.policy);

    // Assess
    expect(policy).toHaveLength(1);
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatchObject({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: policy[0]?.inputs.arn,
      Condition: { ArnEquals: { 'aws:SourceArn': expect.stringMatching(/:alarm:/) } },
    });
  });

  it('keeps the Slack webhook in an SSM SecureString and gives functions only its name', () => {
    // Prepare
    const name = `/lakeops/${STAGE}/slack-webhook-url`;

    // Act
    const everyEnvValue = functions().flatMap((fn) => Object.values(envOf(fn)).map((v) => JSON.stringify(v)));
    const routeFunctions = functions().filter((fn) => envOf(fn).LAKEOPS_ROUTE_ID !== undefined);

    // Assess
    expect(parameter().inputs).toMatchObject({ name, type: 'SecureString' });
    expect(JSON.stringify(parameter().inputs.value)).toContain(SLACK_WEBHOOK);
    expect(routeFunctions.length).toBeGreaterThan(0);
    for (const fn of routeFunctions) expect(envOf(fn).LAKEOPS_SLACK_WEBHOOK_PARAMETER, fn.name).toBe(name);
    expect(everyEnvValue.filter((v) => v.includes('hooks.slack.com'))).toEqual([]);
    expect(
      functions()
        .filter((fn) => 'SLACK_WEBHOOK_URL' in envOf(fn))
        .map((fn) => fn.name),
    ).toEqual([]);
  });

  it('keeps the DSAR salt in an SSM SecureString: dsar-intake gets its name, the state table, and may read only it', () => {
    // Prepare
    const salt = one(app, 'aws:ssm/parameter:Parameter', 'DsarSaltParameter');
    const intake = functions().find((fn) => envOf(fn).LAKEOPS_ROUTE_ID === 'dsar-intake');
    const table = one(app, 'aws:dynamodb/table:Table', 'StateTable');
    const role = one(app, 'aws:iam/role:Role', 'EventsSubscriberdsar-intakeFunctionRole');

    // Act
    const granted = ((role?.inputs.inlinePolicies ?? []) as { policy: string }[])
      .flatMap((p) => statements(p.policy))
      .filter((s) => [s.Action].flat().includes('ssm:GetParameter'))
      .flatMap((s) => [s.Resource].flat());
    const everyEnvValue = functions().flatMap((fn) => Object.values(envOf(fn)).map((v) => JSON.stringify(v)));

    // Assess
    expect(salt.inputs).toMatchObject({ name: `/lakeops/${STAGE}/dsar-salt`, type: 'SecureString' });
    expect(JSON.stringify(salt.inputs.value)).toContain(DSAR_SALT);
    expect(envOf(intake as SynthResource)).toMatchObject({
      LAKEOPS_DSAR_SALT_PARAMETER: `/lakeops/${STAGE}/dsar-salt`,
      LAKEOPS_STATE_TABLE: input(table, 'name'),
      LAKEOPS_EVENT_BUS_NAME: input(one(app, 'aws:cloudwatch/eventBus:EventBus', 'EventsBus'), 'name'),
    });
    expect(granted).toEqual([expect.stringMatching(/:parameter\/lakeops\/synth\/dsar-salt$/)]);
    expect(everyEnvValue.filter((v) => v.includes(DSAR_SALT))).toEqual([]);
  });
});
