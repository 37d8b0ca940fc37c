import { beforeAll, describe, expect, it } from 'vitest';
import { handlerOf } from '../../functions/lib/route.ts';
import { consoleFunction } from '../../functions/url-functions.ts';
import type { SynthResource } from '../synth/index.ts';
import { input, ofType, one, STAGE, statements, synthApp } from './synth-app.ts';

let app: SynthResource[];
beforeAll(async () => {
  app = await synthApp();
}, 180_000);

const fn = () => one(app, 'aws:lambda/function:Function', 'ConsoleFunction');
const physical = (type: string, name: string, key = 'name') => String(input(one(app, type, name), key));

describe('the ops console on AWS (stacks/console.ts, declared in functions/url-functions.ts)', () => {
  it('puts the console function behind a function URL with AWS_IAM auth, no CORS and no public permission', () => {
    // Act
    const url = one(app, 'aws:lambda/functionUrl:FunctionUrl', 'ConsoleUrl');
    const permissions = ofType(app, 'aws:lambda/permission:Permission');

    // Assess
    expect(url.inputs).toEqual({
      authorizationType: 'AWS_IAM',
      functionName: input(fn(), 'name'),
      invokeMode: 'BUFFERED',
    });
    // With "none" SST adds lambda:Permission for principal "*"; with "iam" callers need their own IAM.
    expect(permissions.filter((p) => String(p.inputs.function) === String(input(fn(), 'name')))).toEqual([]);
  });

  it('runs functions/console.handler on Node 24 (arm64) with tracing, synchronous (no DLQ), told its workgroup, databases, state table and cache period', () => {
    // Act
    const variables = input(fn(), 'environment', 'variables') as Record<string, string>;

    // Assess
    expect(fn().inputs).toMatchObject({
      handler: handlerOf(consoleFunction),
      runtime: 'nodejs24.x',
      architectures: ['arm64'],
      timeout: 30,
      memorySize: 1024,
      tracingConfig: { mode: 'Active' },
    });
    expect(fn().inputs.deadLetterConfig).toBeUndefined();
    expect(variables).toMatchObject({
      LAKEOPS_ATHENA_READ_WORKGROUP: `lakeops-${STAGE}-reads`,
      LAKEOPS_GLUE_DATABASE_PREFIX: `lakeops_${STAGE}`,
      // The nrt-refresh route's schedule, rate(5 minutes).
      LAKEOPS_CONSOLE_CACHE_SECONDS: '300',
      LAKEOPS_STATE_TABLE: physical('aws:dynamodb/table:Table', 'StateTable'),
    });
  });

  it('grants exactly: Athena in the reads workgroup, Glue and S3 reads of nrt and gold, the results bucket, state reads, silence writes', () => {
    // Prepare
    const lake = `arn:aws:s3:::${physical('aws:s3/bucket:Bucket', 'LakeBucket', 'bucket')}`;
    const results = `arn:aws:s3:::${physical('aws:s3/bucket:Bucket', 'AthenaResultsBucket', 'bucket')}`;
    const table = `arn:aws:dynamodb:us-east-1:123456789012:table/${physical('aws:dynamodb/table:Table', 'StateTable')}`;
    const glue = 'arn:aws:glue:us-east-1:123456789012';
    const role = one(app, 'aws:iam/role:Role', 'ConsoleRole');

    // Act
    const inline = role.inputs.inlinePolicies as { policy: string }[];
    const granted = inline.flatMap((p) => statements(p.policy));

    // Assess
    expect(inline).toHaveLength(1);
    expect(granted).toEqual([
      { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: [
          'athena:StartQueryExecution',
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:StopQueryExecution',
        ],
        Resource: `arn:aws:athena:us-east-1:123456789012:workgroup/lakeops-${STAGE}-reads`,
      },
      {
        Effect: 'Allow',
        Action: [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetTables',
          'glue:GetPartition',
          'glue:GetPartitions',
          'glue:BatchGetPartition',
        ],
        Resource: [
          `${glue}:catalog`,
          `${glue}:database/lakeops_${STAGE}_nrt`,
          `${glue}:database/lakeops_${STAGE}_gold`,
          `${glue}:table/lakeops_${STAGE}_nrt/*`,
          `${glue}:table/lakeops_${STAGE}_gold/*`,
        ],
      },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: [`${lake}/nrt/*`, `${lake}/gold/*`] },
      { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: lake },
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: lake,
        Condition: { StringLike: { 's3:prefix': ['nrt/*', 'gold/*'] } },
      },
      {
        Effect: 'Allow',
        Action: [
          's3:GetBucketLocation',
          's3:ListBucket',
          's3:ListBucketMultipartUploads',
          's3:ListMultipartUploadParts',
          's3:AbortMultipartUpload',
          's3:GetObject',
          's3:PutObject',
        ],
        Resource: [results, `${results}/*`],
      },
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: table },
      {
        Effect: 'Allow',
        Action: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        Resource: table,
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': 'alert#silence' } },
      },
    ]);
    expect(role.inputs.managedPolicyArns).toEqual([
      'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
    ]);
  });
});
