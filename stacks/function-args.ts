import { type GlueDatabaseRole, glueDatabaseRoles } from '@lakeops/lake';
import type { FunctionDeclaration, Permission, ResourceRef } from '../functions/lib/route.ts';
import { handlerOf } from '../functions/lib/route.ts';
import type { Alerting } from './alerts.ts';
import type { Messaging } from './bus.ts';
import type { Experiments } from './experiments.ts';
import type { Storage } from './storage.ts';

/** Where the stack is deployed: the parts of every ARN the stack has to build itself. */
export interface Deployment {
  readonly partition: $util.Output<string>;
  readonly region: $util.Output<string>;
  readonly account: $util.Output<string>;
}

export interface Resources extends Storage, Messaging, Alerting, Experiments {
  readonly deployment: Deployment;
}

/** The partition, region and account of the AWS provider the stack deploys with. */
export function deployment(): Deployment {
  return {
    partition: aws.getPartitionOutput().partition,
    region: aws.getRegionOutput().region,
    account: aws.getCallerIdentityOutput().accountId,
  };
}

/**
 * The ARNs one resource reference stands for (buckets: the bucket and its objects). ARNs the stack
 * builds itself (Glue's catalog, databases and tables) use the deployment's partition, region and
 * account; the others are the resources' own `arn` outputs. Never `*` in an account or region.
 */
export function arnsOf(ref: ResourceRef, r: Resources): $util.Input<string>[] {
  switch (ref) {
    case 'dead-letter-queue':
      return [r.deadLetter.arn];
    case 'bus':
      return [r.bus.arn];
    case 'lake-bucket':
      return [r.lake.arn, $interpolate`${r.lake.arn}/*`];
    case 'athena-results-bucket':
      return [r.athenaResults.arn, $interpolate`${r.athenaResults.arn}/*`];
    case 'athena-read-workgroup':
      return [r.readWorkgroup.arn];
    case 'athena-write-workgroup':
      return [r.writeWorkgroup.arn];
    case 'glue-catalog':
      return glueArns(r);
    case 'state-table':
      return [r.state.arn];
    case 'slack-webhook-parameter':
      return [r.slackWebhookParameter.arn];
    case 'pagerduty-routing-key-parameter':
      return [r.pagerDutyRoutingKeyParameter.arn];
    case 'dsar-salt-parameter':
      return [r.dsarSaltParameter.arn];
    case 'experiments-config':
      // AppConfig's `configuration` resource type (Service Authorization Reference, AWS AppConfig):
      // arn:…:application/<app>/environment/<env>/configuration/<profile>.
      return [
        $interpolate`${r.experiments.environment.arn}/configuration/${r.experiments.profile.configurationProfileId}`,
      ];
    case 'lake-formation':
      // Lake Formation's IAM actions take no resource ARN (Service Authorization Reference, AWS Lake
      // Formation): what the role may grant is decided by Lake Formation's own permissions.
      return ['*'];
    case 'xray':
      // X-Ray's PutTraceSegments/PutTelemetryRecords have no resource-level permissions.
      return ['*'];
  }
}

/**
 * Glue resource ARNs (Service Authorization Reference, AWS Glue resource types): the account's
 * catalog, every zone database and the staging database, and the tables in each.
 */
function glueArns(
  r: Resources,
  roles: readonly GlueDatabaseRole[] = glueDatabaseRoles,
): $util.Output<string>[] {
  const { partition, region, account } = r.deployment;
  const glue = $interpolate`arn:${partition}:glue:${region}:${account}`;
  return [
    $interpolate`${glue}:catalog`,
    ...roles.map((role) => $interpolate`${glue}:database/${r.glueDatabases[role].name}`),
    ...roles.map((role) => $interpolate`${glue}:table/${r.glueDatabases[role].name}/*`),
  ];
}

export function permissionsOf(permissions: readonly Permission[], r: Resources) {
  return permissions.flatMap((p) => statementsOf(p, r));
}

interface Statement {
  readonly actions: string[];
  readonly resources: $util.Input<string>[];
  readonly conditions?: { test: string; variable: string; values: string[] }[];
}

/** S3 actions on the bucket itself; the others act on objects (Service Authorization Reference, Amazon S3). */
const bucketActions = new Set(['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads']);

/**
 * One permission as IAM statements: its actions on the resource's ARNs, narrowed to the lake zones
 * or the state items it names. A scope on a resource it does not apply to is a declaration bug.
 */
function statementsOf(p: Permission, r: Resources): Statement[] {
  const actions = [...p.actions];
  if (p.stateKeys) {
    if (p.resource !== 'state-table')
      throw new Error(`stateKeys apply to the state-table, not ${p.resource}`);
    // DynamoDB: "Using IAM policy conditions for fine-grained access control" (dynamodb:LeadingKeys).
    const keys = {
      test: 'ForAllValues:StringEquals',
      variable: 'dynamodb:LeadingKeys',
      values: [...p.stateKeys],
    };
    return [{ actions, resources: arnsOf(p.resource, r), conditions: [keys] }];
  }
  if (!p.zones) return [{ actions, resources: arnsOf(p.resource, r) }];
  const zones = p.zones;
  if (p.resource === 'glue-catalog') return [{ actions, resources: glueArns(r, zones) }];
  if (p.resource !== 'lake-bucket')
    throw new Error(`zones apply to the lake-bucket or glue-catalog, not ${p.resource}`);
  const onObjects = actions.filter((a) => !bucketActions.has(a));
  const onBucket = actions.filter((a) => bucketActions.has(a) && a !== 's3:ListBucket');
  return [
    ...(onObjects.length
      ? [{ actions: onObjects, resources: zones.map((z) => $interpolate`${r.lake.arn}/${z}/*`) }]
      : []),
    ...(onBucket.length ? [{ actions: onBucket, resources: [r.lake.arn] }] : []),
    // Listing only under the zones (S3 User Guide: "Amazon S3 condition key examples", s3:prefix).
    ...(actions.includes('s3:ListBucket')
      ? [
          {
            actions: ['s3:ListBucket'],
            resources: [r.lake.arn],
            conditions: [{ test: 'StringLike', variable: 's3:prefix', values: zones.map((z) => `${z}/*`) }],
          },
        ]
      : []),
  ];
}

/** The Lambda function for a route (or a declaration outside the event table): Node 24, ESM, least privilege, async failures to the DLQ. */
export function functionArgs(
  route: FunctionDeclaration,
  r: Resources,
  environment: Readonly<Record<string, $util.Input<string>>> = {},
): sst.aws.FunctionArgs {
  const alertingConfig = alertingConfigOf(route);
  const models = modelsDirOf(route);
  const queries = route.files?.find((f) => /(^|\/)queries$/.test(f));
  const expectations = route.files?.find((f) => /(^|\/)expectations$/.test(f));
  return {
    handler: handlerOf(route),
    description: route.description,
    runtime: 'nodejs24.x',
    architecture: 'arm64',
    timeout: `${route.timeoutSeconds} seconds`,
    memory: `${route.memoryMB} MB`,
    nodejs: { format: 'esm', minify: true, sourcemap: true },
    permissions: permissionsOf(route.permissions, r),
    // Files the function reads at run time, at the same relative path in the bundle.
    ...(route.files ? { copyFiles: route.files.map((from) => ({ from, to: from })) } : {}),
    environment: {
      LAKEOPS_ROUTE_ID: route.id,
      LAKEOPS_DEAD_LETTER_QUEUE_URL: r.deadLetter.url,
      // The parameter's NAME: the function reads the SecureString at run time (never the value here).
      LAKEOPS_SLACK_WEBHOOK_PARAMETER: r.slackWebhookParameter.name,
      LAKEOPS_STATE_TABLE: r.state.name,
      LAKEOPS_DSAR_SALT_PARAMETER: r.dsarSaltParameter.name,
      LAKEOPS_PAGERDUTY_ROUTING_KEY_PARAMETER: r.pagerDutyRoutingKeyParameter.name,
      // The routing config a route bundles (its `files`), relative to the bundle root.
      ...(alertingConfig ? { LAKEOPS_ALERTING_CONFIG: alertingConfig } : {}),
      LAKEOPS_EVENT_BUS_NAME: r.bus.name,
      // The lake on Athena (the DSAR purge, the NRT refresh): bucket, workgroups, Glue databases.
      LAKEOPS_LAKE_BUCKET: r.lake.name,
      LAKEOPS_ATHENA_READ_WORKGROUP: r.readWorkgroup.name,
      LAKEOPS_ATHENA_WRITE_WORKGROUP: r.writeWorkgroup.name,
      LAKEOPS_GLUE_DATABASE_PREFIX: r.glueDatabasePrefix,
      // The SQL models a route bundles (its `files`: `…/models/<zone>`), the folder above the zones.
      ...(models ? { LAKEOPS_MODELS_DIR: models } : {}),
      // The experiment analysis' SQL a route bundles (its `files`: `…/queries`).
      ...(queries ? { LAKEOPS_QUERIES_DIR: queries } : {}),
      // The expectation suites a route bundles (its `files`: `…/expectations`).
      ...(expectations ? { LAKEOPS_EXPECTATIONS_DIR: expectations } : {}),
      // The experiment definitions: the stage's AppConfig feature-flag profile (ids).
      LAKEOPS_APPCONFIG_APPLICATION: r.experiments.application.id,
      LAKEOPS_APPCONFIG_ENVIRONMENT: r.experiments.environment.environmentId,
      LAKEOPS_APPCONFIG_PROFILE: r.experiments.profile.configurationProfileId,
      // The permission sync resolves the bundled policy for this stage (on the prefix's databases).
      LAKEOPS_STAGE: $app.stage,
      LAKEOPS_CATALOG_ID: r.deployment.account,
      POWERTOOLS_SERVICE_NAME: 'lakeops',
      POWERTOOLS_METRICS_NAMESPACE: 'lakeops',
      POWERTOOLS_TRACE_ENABLED: 'true',
      ...environment,
    },
    // Async invocations that still fail after Lambda's retries land in the dead-letter queue (the
    // function's execution role needs sqs:SendMessage on it: every route has `parkInDeadLetter`).
    // X-Ray active tracing feeds the Powertools Tracer.
    transform: {
      function: (args) => {
        args.deadLetterConfig = { targetArn: r.deadLetter.arn };
        args.tracingConfig = { mode: 'Active' };
      },
      role: lambdaOnlyTrust,
    },
  };
}

/** The folder holding the zone folders of SQL models a route bundles (`…/models/nrt` → `…/models`), if any. */
function modelsDirOf(route: FunctionDeclaration): string | undefined {
  const folder = route.files?.find((f) => /(^|\/)models\/[a-z_]+$/.test(f));
  return folder?.slice(0, folder.lastIndexOf('/'));
}

/** The Alertmanager-format routing config among a route's bundled files (a `.yml`), if any. */
function alertingConfigOf(route: FunctionDeclaration): string | undefined {
  return route.files?.find((f) => f.endsWith('.yml'));
}

/**
 * A deployed function's role is assumable by Lambda only. SST 4.17.1 means to add the account root
 * to the trust policy only under `sst dev` (its local process assumes the role), but tests `!dev` on
 * an Output — always truthy — so every role also trusts the whole account. Under `sst dev` SST's
 * policy is kept.
 */
export function lambdaOnlyTrust(args: aws.iam.RoleArgs): undefined {
  if ($dev) return undefined;
  args.assumeRolePolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  });
}
