import { lambdaOnlyTrust, type Resources } from './function-args.ts';

/**
 * Firehose's S3 prefix for archived events (issue 8, agreed interfaces): the transform Lambda
 * returns `metadata.partitionKeys = { area, dt, hour }` per record, `area` = `events` (accepted) or
 * `_quarantine` (rejected, with its reasons). The same layout as the local bus's archive.
 */
export const ARCHIVE_PREFIX =
  'bronze/!{partitionKeyFromLambda:area}/dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/';
/** Records Firehose could not process or deliver, by error type and arrival day. */
export const ARCHIVE_ERROR_PREFIX =
  'bronze/_firehose_errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/';

/**
 * Destination buffer. Dynamic partitioning needs at least 64 MB (Firehose: "Buffer data for dynamic
 * partitioning"; the API's SizeInMBs minimum with dynamic partitioning); 128 MB is the maximum.
 * Each active partition (area × dt × hour, 2–3 at a time) has its own buffer and flushes when it
 * reaches the size or the interval.
 */
export const ARCHIVE_BUFFER = { sizeMB: 128, intervalSeconds: 300 } as const;

/**
 * Lambda transform batches. A synchronous invocation carries at most 6 MB each way (Firehose: "Transform
 * source data"); the response holds each record base64-encoded (×4/3) plus its record id and
 * partition keys, and a quarantined record grows by its reasons, so a 2 MB batch stays under half
 * the response limit. Buffer hints for the Lambda range 0.2–3 MB and 0–900 s.
 */
export const ARCHIVE_TRANSFORM_BUFFER = { sizeMB: 2, intervalSeconds: 60 } as const;

/**
 * The archive rule's pattern: every event on the bus, as the local bus archives every event it
 * accepts. Events of sources no contract knows are kept too — ingest puts them in the quarantine
 * with their reasons, on AWS as locally. (`prefix: ""` matches any string: the EventBridge idiom for
 * a catch-all rule; lakeops' own pattern engine, which follows event-ruler, agrees.)
 */
export function archivePattern(): { source: [{ prefix: '' }] } {
  return { source: [{ prefix: '' }] };
}

/**
 * Bronze on AWS: an EventBridge rule on the lakeops bus → Amazon Data Firehose (extended S3,
 * dynamic partitioning by the transform Lambda's keys) → the lake bucket under `bronze/`. The
 * transform runs the same ingest module as the local bus (functions/archive-events.ts).
 */
export function archiveStack(r: Resources) {
  const { account } = r.deployment;
  const streamName = `lakeops-${$app.stage}-archive`;

  const transform = new sst.aws.Function('ArchiveEvents', {
    handler: 'functions/archive-events.handler',
    description: 'Firehose transform: contract check, quarantine with reasons, dt/hour partition keys',
    runtime: 'nodejs24.x',
    architecture: 'arm64',
    // Firehose waits at most 5 minutes for a transform invocation; a 2 MB batch takes well under 1 s.
    timeout: '1 minute',
    memory: '1024 MB',
    nodejs: { format: 'esm', minify: true, sourcemap: true },
    environment: {
      POWERTOOLS_SERVICE_NAME: 'lakeops',
      POWERTOOLS_METRICS_NAMESPACE: 'lakeops',
    },
    transform: { role: lambdaOnlyTrust },
  });
  // Firehose invokes `$LATEST` explicitly: the Pulumi provider asks for a qualified ARN, and the
  // role grants exactly that ARN (Firehose: "Grant Firehose access to an Amazon S3 destination").
  const transformArn = $interpolate`${transform.arn}:$LATEST`;

  const logGroup = new aws.cloudwatch.LogGroup('ArchiveStreamLogs', {
    name: `/aws/kinesisfirehose/${streamName}`,
    retentionInDays: 14,
  });
  const logStream = new aws.cloudwatch.LogStream('ArchiveStreamS3Delivery', {
    name: 'DestinationDelivery',
    logGroupName: logGroup.name,
  });

  const firehoseRole = new aws.iam.Role('ArchiveStreamRole', {
    name: `${streamName}-stream`,
    description: 'Firehose: write Bronze into the lake bucket, invoke the transform, log errors',
    // Firehose: "Allow Firehose to assume an IAM role" (sts:ExternalId = the account).
    assumeRolePolicy: $jsonStringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'firehose.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': account } },
        },
      ],
    }),
    inlinePolicies: [
      {
        name: 'deliver',
        policy: $jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'LakeBucket',
              Effect: 'Allow',
              Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
              Resource: r.lake.arn,
            },
            {
              Sid: 'BronzeObjects',
              Effect: 'Allow',
              Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
              Resource: $interpolate`${r.lake.arn}/bronze/*`,
            },
            {
              Sid: 'Transform',
              Effect: 'Allow',
              Action: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
              Resource: transformArn,
            },
            {
              Sid: 'ErrorLogs',
              Effect: 'Allow',
              Action: 'logs:PutLogEvents',
              Resource: $interpolate`${logGroup.arn}:log-stream:*`,
            },
          ],
        }),
      },
    ],
  });
  const stream = new aws.kinesis.FirehoseDeliveryStream('ArchiveStream', {
    name: streamName,
    destination: 'extended_s3',
    extendedS3Configuration: {
      bucketArn: r.lake.arn,
      roleArn: firehoseRole.arn,
      prefix: ARCHIVE_PREFIX,
      errorOutputPrefix: ARCHIVE_ERROR_PREFIX,
      bufferingSize: ARCHIVE_BUFFER.sizeMB,
      bufferingInterval: ARCHIVE_BUFFER.intervalSeconds,
      // One JSON line per record; Athena's OpenX JSON SerDe reads `.gz` objects as they are.
      compressionFormat: 'GZIP',
      dynamicPartitioningConfiguration: { enabled: true, retryDuration: 300 },
      processingConfiguration: {
        enabled: true,
        processors: [
          {
            type: 'Lambda',
            parameters: [
              { parameterName: 'LambdaArn', parameterValue: transformArn },
              { parameterName: 'BufferSizeInMBs', parameterValue: String(ARCHIVE_TRANSFORM_BUFFER.sizeMB) },
              // The provider keeps only non-default values in state; 60 s is the default, so it is left out.
            ],
          },
        ],
      },
      cloudwatchLoggingOptions: {
        enabled: true,
        logGroupName: logGroup.name,
        logStreamName: logStream.name,
      },
    },
  });

  const rule = new aws.cloudwatch.EventRule('ArchiveRule', {
    name: streamName,
    description: 'lakeops: every contract event to Bronze through Firehose',
    eventBusName: r.bus.name,
    eventPattern: JSON.stringify(archivePattern()),
    state: 'ENABLED',
  });
  // Firehose targets are reached with an IAM role, not a resource policy (EventBridge User Guide:
  // "Using identity-based policies"); the trust is scoped to this rule of this account.
  const ruleRole = new aws.iam.Role('ArchiveRuleRole', {
    name: `${streamName}-rule`,
    description: 'EventBridge: put archived events into the archive Firehose stream',
    assumeRolePolicy: $jsonStringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': account },
            ArnEquals: { 'aws:SourceArn': rule.arn },
          },
        },
      ],
    }),
    inlinePolicies: [
      {
        name: 'put-records',
        policy: $jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
              Resource: stream.arn,
            },
          ],
        }),
      },
    ],
  });
  const target = new aws.cloudwatch.EventTarget('ArchiveTarget', {
    rule: rule.name,
    eventBusName: r.bus.name,
    arn: stream.arn,
    roleArn: ruleRole.arn,
    deadLetterConfig: { arn: r.deadLetter.arn },
    retryPolicy: { maximumEventAgeInSeconds: 24 * 3600, maximumRetryAttempts: 185 },
  });
  return { archiveTransform: transform, archiveStream: stream, archiveRule: rule, archiveTarget: target };
}
