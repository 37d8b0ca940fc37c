import { readFile } from 'node:fs/promises';
import { SQSClient } from '@aws-sdk/client-sqs';
import { PagerDutyEventsNotifier, SlackWebhookNotifier, SqsDeadLetter } from '@lakeops/adapters-aws';
import {
  type AlertingConfig,
  type Clock,
  DependencyUnavailableError,
  type DeploymentDeps,
  type EventPublisher,
  type Notification,
  type Notifier,
  type OpsMetrics,
  parseAlertmanagerConfig,
  type ReceiverNotifiers,
  type SaltSource,
  type StateStore,
  systemClock,
  type Zone,
} from '@lakeops/core';
import { glueDatabaseName } from '@lakeops/lake/glue-databases';
import { type AwsEnv, EnvironmentMissingError, readAwsEnv } from './aws-env.ts';
import type { ChainDeps } from './event-function.ts';
import { logger, powertoolsOpsMetrics, tracingMiddleware } from './observability.ts';
import { bundledRepoPolicy, type PermissionSyncDeps } from './sync-repo-permissions.ts';

/** How long a fetched webhook is reused before SSM is asked again (a rotation shows within it). */
const webhookMaxAgeSeconds = 300;

/**
 * The AWS composition root: builds each function's ports from the environment, once per cold
 * start. Each factory pulls in only the clients it needs, so esbuild keeps bundles small.
 */
export async function chainDeps(): Promise<ChainDeps> {
  const env = readAwsEnv();
  return {
    deadLetter: new SqsDeadLetter({ client: new SQSClient({}), queueUrl: env.deadLetterQueueUrl }),
    ...(env.tracing ? { tracing: await tracingMiddleware() } : {}),
  };
}

export async function notifyDeps(): Promise<ChainDeps & DeploymentDeps> {
  const env = readAwsEnv();
  return {
    ...(await chainDeps()),
    notifiers: await receiverNotifiers(env),
    metrics: powertoolsOpsMetrics(),
    clock: systemClock,
  };
}

/**
 * Slack and PagerDuty as configured for the stage: each reads its secret from SSM at the first
 * send (cached); without a parameter name the kind is absent and the router's `fallback` — the
 * function's log — takes it.
 */
async function receiverNotifiers(env: AwsEnv): Promise<ReceiverNotifiers> {
  return {
    ...(env.slackWebhookParameter ? { slack: await ssmSlackNotifier(env.slackWebhookParameter) } : {}),
    ...(env.pagerDutyRoutingKeyParameter
      ? {
          pagerduty: lazyPagerDutyNotifier(
            await ssmSecureString(env.pagerDutyRoutingKeyParameter, routingKeyMaxAgeSeconds),
            env.pagerDutyEventsUrl,
          ),
        }
      : {}),
    fallback: logNotifier,
  };
}

/** How long a fetched PagerDuty routing key is reused before SSM is asked again. */
const routingKeyMaxAgeSeconds = 300;

/**
 * A PagerDuty Events API v2 notifier whose routing key is an SSM SecureString, read at the first
 * send (cached by Powertools parameters) and never logged: errors name the parameter's role, not
 * its value. The SST secret's placeholder `unset` means no PagerDuty: the notification is logged.
 */
export function lazyPagerDutyNotifier(
  read: () => Promise<string | undefined>,
  eventsUrl: string | undefined,
): Notifier {
  let current: { key: string; notifier: PagerDutyEventsNotifier } | undefined;
  return {
    async send(notification) {
      let key: string | undefined;
      try {
        key = await read();
      } catch (error) {
        throw new DependencyUnavailableError('could not read the PagerDuty routing key parameter', {
          cause: error,
        });
      }
      if (!key || key === 'unset') return logNotifier.send(notification);
      if (current?.key !== key) {
        current = {
          key,
          notifier: new PagerDutyEventsNotifier({ routingKey: key, ...(eventsUrl ? { eventsUrl } : {}) }),
        };
      }
      return current.notifier.send(notification);
    },
  };
}

/**
 * The routing config bundled with the function (`LAKEOPS_ALERTING_CONFIG` under
 * `LAMBDA_TASK_ROOT`), read and checked once per cold start. A malformed file is
 * `AlertConfigInvalidError` (not retryable: the event is parked with the line).
 */
function bundledAlertingConfig(env: AwsEnv): () => Promise<AlertingConfig> {
  const file = env.alertingConfigFile;
  let loaded: Promise<AlertingConfig> | undefined;
  return () => {
    if (!file) return Promise.reject(new EnvironmentMissingError('LAKEOPS_ALERTING_CONFIG'));
    loaded ??= readFile(file, 'utf8').then(parseAlertmanagerConfig);
    loaded.catch(() => {
      loaded = undefined;
    });
    return loaded;
  };
}

/** What alert-record needs: the state table and the routing config. */
export async function alertRecordDeps(): Promise<
  ChainDeps & { state: StateStore; clock: Clock; alertingConfig: () => Promise<AlertingConfig> }
> {
  const env = readAwsEnv();
  return {
    ...(await chainDeps()),
    state: await dynamoDbState(env),
    clock: systemClock,
    alertingConfig: bundledAlertingConfig(env),
  };
}

/** What alert-flush needs: the state table, the notifiers, the dead-letter queue, the config. */
export async function alertFlushDeps() {
  const env = readAwsEnv();
  return {
    ...(await chainDeps()),
    state: await dynamoDbState(env),
    clock: systemClock,
    notifiers: await receiverNotifiers(env),
    alertingConfig: bundledAlertingConfig(env),
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    random: Math.random,
  };
}

/** What sre-waf-metrics needs: the metrics. */
export async function wafMetricsDeps(): Promise<ChainDeps & { metrics: OpsMetrics }> {
  return { ...(await chainDeps()), metrics: powertoolsOpsMetrics() };
}

/** The `State` table through `DynamoDbStateStore` (its module only, loaded on first use). */
export async function dynamoDbState(env: AwsEnv): Promise<StateStore> {
  if (!env.stateTableName) throw new EnvironmentMissingError('LAKEOPS_STATE_TABLE');
  const [{ DynamoDBClient }, { DynamoDbStateStore }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@lakeops/adapters-aws/dynamodb-state-store'),
  ]);
  return new DynamoDbStateStore({ client: new DynamoDBClient({}), tableName: env.stateTableName });
}

/**
 * A Slack notifier whose webhook is an SSM SecureString parameter, read at the first send
 * (not at cold start: a function that sends nothing never asks SSM) and cached for
 * `webhookMaxAgeSeconds` by Powertools parameters. The webhook is never logged. The SST
 * secret's placeholder `unset` means no Slack: notifications go to the function's log.
 */
export function lazySlackNotifier(read: () => Promise<string | undefined>): Notifier {
  let current: { url: string; notifier: SlackWebhookNotifier } | undefined;
  return {
    async send(notification) {
      let url: string | undefined;
      try {
        url = await read();
      } catch (error) {
        // Retryable: Lambda retries, then parks; the parameter name is in the stack, not here.
        throw new DependencyUnavailableError('could not read the Slack webhook parameter', { cause: error });
      }
      if (!url || url === 'unset') return logNotifier.send(notification);
      if (current?.url !== url) {
        current = { url, notifier: new SlackWebhookNotifier({ url }) };
      }
      return current.notifier.send(notification);
    },
  };
}

async function ssmSlackNotifier(parameterName: string): Promise<Notifier> {
  return lazySlackNotifier(await ssmSecureString(parameterName, webhookMaxAgeSeconds));
}

/**
 * A reader of one SSM SecureString parameter: decrypted, cached `maxAgeSeconds` by Powertools
 * parameters. The SSM client is loaded dynamically, so it stays out of bundles that never ask for
 * a parameter.
 */
async function ssmSecureString(
  parameterName: string,
  maxAgeSeconds: number,
): Promise<() => Promise<string | undefined>> {
  const provider = await ssmProvider();
  return async () => {
    const value = await provider.get(parameterName, { decrypt: true, maxAge: maxAgeSeconds });
    return typeof value === 'string' ? value : undefined;
  };
}

async function ssmProvider() {
  const [{ SSMProvider }, { SSMClient }] = await Promise.all([
    import('@aws-lambda-powertools/parameters/ssm'),
    import('@aws-sdk/client-ssm'),
  ]);
  return new SSMProvider({ awsSdkV3Client: new SSMClient({}) });
}

export async function dsarIntakeDeps(): Promise<
  ChainDeps & { state: StateStore; salt: SaltSource; clock: Clock }
> {
  const env = readAwsEnv();
  if (!env.stateTableName) throw new EnvironmentMissingError('LAKEOPS_STATE_TABLE');
  if (!env.dsarSaltParameter) throw new EnvironmentMissingError('LAKEOPS_DSAR_SALT_PARAMETER');
  // Loaded only by the DSAR functions: DynamoDB and SSM clients stay out of the other bundles.
  const [{ DynamoDBClient }, { DynamoDbStateStore }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    // The one module, not the package: a namespace import of the package cannot be tree-shaken
    // and would carry Athena, Glue and @lakeops/lake into every bundle (functions/test/bundle.test.ts).
    import('@lakeops/adapters-aws/dynamodb-state-store'),
  ]);
  const state = new DynamoDbStateStore({ client: new DynamoDBClient({}), tableName: env.stateTableName });
  return { ...(await chainDeps()), state, salt: await ssmSalt(env.dsarSaltParameter), clock: systemClock };
}

/** Salt cache: long enough to spare SSM, short enough that a rotated parameter is seen within the hour. */
export const saltMaxAgeSeconds = 3600;

/**
 * The DSAR salt as an SSM SecureString, read on first use and cached by Powertools parameters.
 * Never logged. A missing or too-short value is a configuration fault, reported as retryable so
 * the tombstone is retried (and parked after Lambda's retries) rather than queued without a hash.
 */
export async function ssmSalt(parameterName: string): Promise<SaltSource> {
  return saltFrom(await ssmSecureString(parameterName, saltMaxAgeSeconds));
}

export function saltFrom(read: () => Promise<string | undefined>): SaltSource {
  return {
    async get() {
      let value: string | undefined;
      try {
        value = await read();
      } catch (error) {
        throw new DependencyUnavailableError('could not read the DSAR salt parameter', { cause: error });
      }
      if (!value || value.length < 16) {
        throw new DependencyUnavailableError(
          'the DSAR salt parameter is empty or shorter than 16 characters',
        );
      }
      return value;
    },
  };
}

/**
 * lakeops' own events onto the deployment's bus (`EventBridgeEventPublisher`). The EventBridge
 * client is loaded only by the functions that publish; they need the `publishEvents` permission.
 */
export async function eventPublisher(): Promise<EventPublisher> {
  const env = readAwsEnv();
  if (!env.eventBusName) throw new EnvironmentMissingError('LAKEOPS_EVENT_BUS_NAME');
  const [{ EventBridgeClient }, { EventBridgeEventPublisher }] = await Promise.all([
    import('@aws-sdk/client-eventbridge'),
    import('@lakeops/adapters-aws/eventbridge-event-publisher'),
  ]);
  return new EventBridgeEventPublisher({ client: new EventBridgeClient({}), eventBusName: env.eventBusName });
}

/** Without a Slack webhook, a notification is a structured log line (no personal data in it). */
const logNotifier: Notifier = {
  send: async (n: Notification) => {
    logger.info('notification', { notification: n });
  },
};

/**
 * The permission sync on AWS: Lake Formation through `LakeFormationPermissions` (the same adapter
 * the CLI uses), `permissions.sync.completed` onto the lakeops bus, and the policy bundled with the
 * function (`permissions/policy.ts` + the generated catalog entries) resolved for `LAKEOPS_STAGE`
 * on the stage's Glue databases (`LAKEOPS_GLUE_DATABASE_PREFIX`), once per cold start.
 */
export async function permissionSyncDeps(): Promise<ChainDeps & PermissionSyncDeps> {
  const env = readAwsEnv();
  const { stage, catalogId, glueDatabasePrefix } = env;
  if (!stage) throw new EnvironmentMissingError('LAKEOPS_STAGE');
  if (!catalogId) throw new EnvironmentMissingError('LAKEOPS_CATALOG_ID');
  if (!glueDatabasePrefix) throw new EnvironmentMissingError('LAKEOPS_GLUE_DATABASE_PREFIX');
  // The names the stacks gave the databases (stacks/storage.ts), from the same function.
  const databaseName = (zone: Zone) => glueDatabaseName(glueDatabasePrefix, zone);
  // Loaded only by the permission sync: Lake Formation stays out of the other bundles.
  const [{ LakeFormationClient }, { LakeFormationPermissions }] = await Promise.all([
    import('@aws-sdk/client-lakeformation'),
    import('@lakeops/adapters-aws/lakeformation-permissions'),
  ]);
  const repoPolicy = bundledRepoPolicy(stage, databaseName);
  return {
    ...(await chainDeps()),
    lakePermissions: new LakeFormationPermissions(new LakeFormationClient({}), { catalogId }),
    events: await eventPublisher(),
    clock: systemClock,
    repoPolicy: async () => repoPolicy,
  };
}
