import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEventPattern } from '@lakeops/event-patterns';
import { repoRoot } from '@lakeops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SynthResource } from '../synth/index.ts';
import { input, list, one, STAGE, statements, synthApp } from './synth-app.ts';

let app: SynthResource[];
beforeAll(async () => {
  app = await synthApp();
}, 180_000);

const stream = () => one(app, 'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream', 'ArchiveStream');
const lakeBucket = () => String(input(one(app, 'aws:s3/bucket:Bucket', 'LakeBucket'), 'bucket'));
const transform = () => one(app, 'aws:lambda/function:Function', 'ArchiveEventsFunction');
const transformArnPattern = () =>
  new RegExp(`^arn:aws:lambda:[a-z0-9-]+:\\d{12}:function:${transform().inputs.name}:\\$LATEST$`);

describe('Bronze on AWS: EventBridge rule → Firehose → lake bucket', () => {
  it('delivers into the lake bucket with dynamic partitioning on the agreed prefixes', () => {
    // Prepare
    const s3 = input(stream(), 'extendedS3Configuration') as Record<string, unknown>;

    // Act
    const dynamic = s3.dynamicPartitioningConfiguration as { enabled?: boolean };

    // Assess
    expect(stream().inputs.destination).toBe('extended_s3');
    expect(s3.bucketArn).toBe(`arn:aws:s3:::${lakeBucket()}`);
    expect(dynamic.enabled).toBe(true);
    // The prefixes exactly as agreed in issue 8 (the transform's partition keys area, dt, hour).
    expect(s3.prefix).toBe(
      'bronze/!{partitionKeyFromLambda:area}/dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/',
    );
    expect(s3.errorOutputPrefix).toBe(
      'bronze/_firehose_errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
    );
    // Dynamic partitioning needs a buffer of at least 64 MB (Firehose developer guide).
    expect(s3.bufferingSize).toBeGreaterThanOrEqual(64);
    expect(s3.bufferingSize).toBeLessThanOrEqual(128);
    expect(['GZIP', 'UNCOMPRESSED']).toContain(s3.compressionFormat);
    expect(s3.cloudwatchLoggingOptions).toMatchObject({ enabled: true });
  });

  it('transforms every record with the archive-events function, in batches under the 6 MB limit', () => {
    // Prepare
    const processing = input(stream(), 'extendedS3Configuration', 'processingConfiguration') as {
      enabled: boolean;
      processors: { type: string; parameters: { parameterName: string; parameterValue: string }[] }[];
    };

    // Act
    const [lambda, ...others] = processing.processors;
    const parameters = Object.fromEntries(
      (lambda?.parameters ?? []).map((p) => [p.parameterName, p.parameterValue]),
    );

    // Assess
    expect(processing.enabled).toBe(true);
    expect(others).toEqual([]);
    expect(lambda?.type).toBe('Lambda');
    expect(parameters.LambdaArn).toMatch(transformArnPattern());
    expect(Number(parameters.BufferSizeInMBs ?? 1)).toBeLessThanOrEqual(3);
    expect(transform().inputs.handler).toBe('functions/archive-events.handler');
    expect(transform().inputs.runtime).toBe('nodejs24.x');
    // Firehose waits at most 5 minutes for a transform.
    expect(transform().inputs.timeout).toBeLessThanOrEqual(300);
  });

  it('lets Firehose write only Bronze objects, invoke only the transform and log', () => {
    // Prepare
    const role = one(app, 'aws:iam/role:Role', 'ArchiveStreamRole');

    // Act
    const granted = (role.inputs.inlinePolicies as { policy: string }[]).flatMap((p) => statements(p.policy));
    const resourcesOf = (action: string) =>
      granted.filter((s) => list(s.Action).includes(action)).flatMap((s) => list(s.Resource));

    // Assess
    expect(statements(role.inputs.assumeRolePolicy)[0]?.Principal?.Service).toBe('firehose.amazonaws.com');
    expect(resourcesOf('s3:PutObject')).toEqual([`arn:aws:s3:::${lakeBucket()}/bronze/*`]);
    expect(resourcesOf('s3:ListBucket')).toEqual([`arn:aws:s3:::${lakeBucket()}`]);
    expect(resourcesOf('lambda:InvokeFunction')).toHaveLength(1);
    expect(resourcesOf('lambda:InvokeFunction')[0]).toMatch(transformArnPattern());
    expect(
      granted.flatMap((s) => list(s.Resource)).filter((r) => r.includes('*') && !r.endsWith('/*')),
    ).toEqual([expect.stringMatching(/:log-group:\/aws\/kinesisfirehose\/.+:log-stream:\*$/)]);
  });

  it('archives every event on the bus: each source the contracts declare, and unknown ones (ingest quarantines those)', () => {
    // Prepare: the sources straight from the schema files, not from the code under test.
    const dir = join(repoRoot, 'packages/contracts/events');
    const declared = readdirSync(dir)
      .filter((f) => f.endsWith('.schema.json'))
      .flatMap((f) =>
        [
          (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { 'x-source': string | string[] })['x-source'],
        ].flat(),
      );
    const rule = one(app, 'aws:cloudwatch/eventRule:EventRule', 'ArchiveRule');
    const eventOf = (source: string) =>
      JSON.stringify({
        version: '0',
        id: 'e1',
        'detail-type': 'anything',
        source,
        account: '123456789012',
        time: '2026-12-01T00:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail: {},
      });

    // Act: the rule's pattern, run by lakeops' EventBridge pattern engine
    const pattern = String(rule.inputs.eventPattern);
    const unmatched = [...new Set(declared), 'partner.unknown', 'aws.cloudwatch'].filter(
      (source) => !testEventPattern(pattern, eventOf(source)),
    );

    // Assess
    expect(declared).toEqual(expect.arrayContaining(['marketplace.search', 'lakeops.nrt']));
    expect(unmatched).toEqual([]);
    expect(rule.inputs.eventBusName).toBeDefined();
  });

  it('targets the stream through a role that may only put records into it, with a DLQ and retries', () => {
    // Prepare
    const rule = one(app, 'aws:cloudwatch/eventRule:EventRule', 'ArchiveRule');
    const target = one(app, 'aws:cloudwatch/eventTarget:EventTarget', 'ArchiveTarget');
    const role = one(app, 'aws:iam/role:Role', 'ArchiveRuleRole');
    const dlqName = String(input(one(app, 'aws:sqs/queue:Queue', 'DeadLetterQueue'), 'name'));

    // Act
    const trust = statements(role.inputs.assumeRolePolicy);
    const inline = role.inputs.inlinePolicies as { policy: string }[];
    const granted = inline.flatMap((p) => statements(p.policy));

    // Assess
    expect(target.inputs.rule).toBe(rule.inputs.name);
    expect(target.inputs.eventBusName).toBe(rule.inputs.eventBusName);
    expect(target.inputs.arn).toMatch(
      new RegExp(`^arn:aws:firehose:[a-z0-9-]+:\\d{12}:deliverystream/${stream().inputs.name}$`),
    );
    expect(stream().inputs.name).toBe(`lakeops-${STAGE}-archive`);
    expect(input(target, 'deadLetterConfig', 'arn')).toMatch(
      new RegExp(`:sqs:[a-z0-9-]+:\\d{12}:${dlqName}$`),
    );
    expect(input(target, 'retryPolicy', 'maximumRetryAttempts')).toBeGreaterThan(0);
    expect(trust).toHaveLength(1);
    expect(trust[0]?.Principal?.Service).toBe('events.amazonaws.com');
    expect(granted).toEqual([
      {
        Effect: 'Allow',
        Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        Resource: target.inputs.arn,
      },
    ]);
    expect(target.inputs.roleArn).toMatch(new RegExp(`:role/${role.inputs.name}$`));
  });
});
