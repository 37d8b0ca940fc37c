import { beforeAll, describe, expect, it } from 'vitest';
import type { SynthResource } from '../synth/index.ts';
import { input, one, STAGE, statements, synthApp } from './synth-app.ts';

// The quality and KPI checks (functions/routes.ts): read-only Athena over the zones they check,
// state writes narrowed to their own items. Worked out by hand from the IAM each call needs.
let app: SynthResource[];
beforeAll(async () => {
  app = await synthApp();
}, 180_000);

const physical = (type: string, name: string, key = 'name') => String(input(one(app, type, name), key));
const glue = 'arn:aws:glue:us-east-1:123456789012';
const granted = (route: string) =>
  (
    one(app, 'aws:iam/role:Role', `${route}HandlerRole`).inputs.inlinePolicies as { policy: string }[]
  ).flatMap((p) => statements(p.policy));

function expectedStatements(zones: string[], state: { actions: string[] | string; key: string }) {
  const lake = `arn:aws:s3:::${physical('aws:s3/bucket:Bucket', 'LakeBucket', 'bucket')}`;
  const results = `arn:aws:s3:::${physical('aws:s3/bucket:Bucket', 'AthenaResultsBucket', 'bucket')}`;
  const table = `arn:aws:dynamodb:us-east-1:123456789012:table/${physical('aws:dynamodb/table:Table', 'StateTable')}`;
  const bus = `arn:aws:events:us-east-1:123456789012:event-bus/${physical('aws:cloudwatch/eventBus:EventBus', 'EventsBus')}`;
  const queue = `arn:aws:sqs:us-east-1:123456789012:${physical('aws:sqs/queue:Queue', 'DeadLetterQueue')}`;
  const one = <T>(xs: T[]) => (xs.length === 1 ? xs[0] : xs);
  return [
    { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queue },
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
        ...zones.map((z) => `${glue}:database/lakeops_${STAGE}_${z}`),
        ...zones.map((z) => `${glue}:table/lakeops_${STAGE}_${z}/*`),
      ],
    },
    { Effect: 'Allow', Action: 's3:GetObject', Resource: one(zones.map((z) => `${lake}/${z}/*`)) },
    { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: lake },
    {
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: lake,
      Condition: { StringLike: { 's3:prefix': one(zones.map((z) => `${z}/*`)) } },
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
    {
      Effect: 'Allow',
      Action: state.actions,
      Resource: table,
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': state.key } },
    },
    { Effect: 'Allow', Action: 'events:PutEvents', Resource: bus },
  ];
}

describe('the quality and KPI checks on AWS', () => {
  it('quality-check: Athena reads of silver, silver_private and gold only, its run records, the bus', () => {
    expect(granted('quality-check')).toEqual(
      expectedStatements(['silver', 'silver_private', 'gold'], {
        actions: 'dynamodb:UpdateItem',
        key: 'quality#run',
      }),
    );
  });

  it('kpi-check: Athena reads of gold only, its open anomalies (read, then written with a version check), the bus', () => {
    expect(granted('kpi-check')).toEqual(
      expectedStatements(['gold'], { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], key: 'kpi#open' }),
    );
  });

  it('bundles the suites with the quality check only, and says where they are', () => {
    const variables = (route: string) =>
      input(
        one(app, 'aws:lambda/function:Function', `${route}HandlerFunction`),
        'environment',
        'variables',
      ) as Record<string, string>;
    expect(variables('quality-check').LAKEOPS_EXPECTATIONS_DIR).toBe('packages/lake/expectations');
    expect(variables('kpi-check').LAKEOPS_EXPECTATIONS_DIR).toBeUndefined();
  });
});
