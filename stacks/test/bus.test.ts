import { beforeAll, describe, expect, it } from 'vitest';
import type { SynthResource } from '../synth/index.ts';
import { arnParts, input, list, ofType, one, statements, synthApp } from './synth-app.ts';

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
      return `arn:aws:events:${region}:${account}:rule/${rule?.inputs.eventBusName}/${rule?.inputs.name}`;
    });

    // Act
    const policies = ofType(app, 'aws:sqs/queuePolicy:QueuePolicy');
    const granted = statements(policies[0]?.inputs.policy);

    // Assess
    expect(policies).toHaveLength(1);
    expect(policies[0]?.inputs.queueUrl).toMatch(new RegExp(`/${account}/${queue().inputs.name}$`));
    expect(dlqArn).toMatch(new RegExp(`:${queue().inputs.name}$`));
    expect(parking.length).toBe(targets.length);
    expect(parking.map((t) => t.name)).toEqual(expect.arrayContaining(['ArchiveTarget']));
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
