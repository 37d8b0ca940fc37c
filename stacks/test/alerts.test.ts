import { beforeAll, describe, expect, it } from 'vitest';
import type { SynthResource } from '../synth/index.ts';
import { input, ofType, one, SLACK_WEBHOOK, STAGE, statements, synthApp } from './synth-app.ts';

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
});
