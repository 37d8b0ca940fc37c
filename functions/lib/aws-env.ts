/**
 * The AWS composition root's environment: every `process.env` read of the deployed functions
 * happens here. stacks/ set these variables; the README lists them.
 */
export interface AwsEnv {
  /** SQS queue where permanently failing events are parked. */
  readonly deadLetterQueueUrl: string;
  /**
   * NAME of the SSM SecureString parameter holding the Slack incoming webhook
   * (`LAKEOPS_SLACK_WEBHOOK_PARAMETER`); the value is read at run time, never from the
   * environment. Unset: notifications are written to the function's log.
   */
  readonly slackWebhookParameter: string | undefined;
  /** The DynamoDB `State` table's name (`LAKEOPS_STATE_TABLE`): queues, jobs, leases, dedup. */
  readonly stateTableName: string | undefined;
  /**
   * NAME of the SSM SecureString parameter holding the DSAR hash salt
   * (`LAKEOPS_DSAR_SALT_PARAMETER`); its value is read at run time through Powertools parameters.
   */
  readonly dsarSaltParameter: string | undefined;
  /**
   * NAME of the SSM SecureString parameter holding the PagerDuty Events API v2 routing key
   * (`LAKEOPS_PAGERDUTY_ROUTING_KEY_PARAMETER`); read at run time, cached, never logged. Unset (or
   * the value `unset`): nothing is sent to PagerDuty.
   */
  readonly pagerDutyRoutingKeyParameter: string | undefined;
  /** PagerDuty's events endpoint (`PAGERDUTY_EVENTS_URL`, default `https://events.pagerduty.com/v2/enqueue`). */
  readonly pagerDutyEventsUrl: string | undefined;
  /**
   * The alert routing config (Alertmanager format): `LAKEOPS_ALERTING_CONFIG`, a path relative to
   * the bundle root `LAMBDA_TASK_ROOT` (the stacks copy the repo's file into the bundle at the same
   * path, see the route's `files`).
   */
  readonly alertingConfigFile: string | undefined;
  /** The deployment's EventBridge bus (`LAKEOPS_EVENT_BUS_NAME`), where lakeops' own events go. */
  readonly eventBusName: string | undefined;
  /** The SST stage (`LAKEOPS_STAGE`): the policy's per-stage differences are resolved for it. */
  readonly stage: string | undefined;
  /** The Data Catalog id, i.e. the account (`LAKEOPS_CATALOG_ID`): Lake Formation's CatalogId. */
  readonly catalogId: string | undefined;
  /** The lake bucket (`LAKEOPS_LAKE_BUCKET`): Hive partitions, CTAS staging under `_staging/`. */
  readonly lakeBucket: string | undefined;
  /** The Athena workgroup of SELECTs (`LAKEOPS_ATHENA_READ_WORKGROUP`, enforces its settings). */
  readonly athenaReadWorkgroup: string | undefined;
  /** The Athena workgroup of CTAS / INSERT INTO / DROP TABLE (`LAKEOPS_ATHENA_WRITE_WORKGROUP`). */
  readonly athenaWriteWorkgroup: string | undefined;
  /** `lakeops_<stage>` (`LAKEOPS_GLUE_DATABASE_PREFIX`): zone `silver` → database `<prefix>_silver`. */
  readonly glueDatabasePrefix: string | undefined;
  /**
   * The folder holding `nrt/*.sql` (`LAKEOPS_MODELS_DIR`, relative to the bundle root
   * `LAMBDA_TASK_ROOT`: the stacks copy the route's `files` there at the same path).
   */
  readonly modelsDir: string | undefined;
  /**
   * The folder holding the experiment analysis' `*.sql` (`LAKEOPS_QUERIES_DIR`, relative to the
   * bundle root as `LAKEOPS_MODELS_DIR` is).
   */
  readonly queriesDir: string | undefined;
  /** The folder holding the expectation suites (`LAKEOPS_EXPECTATIONS_DIR`, relative to the bundle root). */
  readonly expectationsDir: string | undefined;
  /**
   * The AppConfig application, environment and configuration profile (ids) of the experiment
   * definitions (`LAKEOPS_APPCONFIG_APPLICATION`, `LAKEOPS_APPCONFIG_ENVIRONMENT`,
   * `LAKEOPS_APPCONFIG_PROFILE`).
   */
  readonly appConfig:
    | { readonly application: string; readonly environment: string; readonly profile: string }
    | undefined;
  /** How long the console keeps a query's rows (`LAKEOPS_CONSOLE_CACHE_SECONDS`: the NRT refresh period). */
  readonly consoleCacheSeconds: number | undefined;
  /** The bundle's root on Lambda (`LAMBDA_TASK_ROOT`): files the stacks copy in (`files`) are under it. */
  readonly taskRoot: string | undefined;
  /** X-Ray tracing through the Powertools Tracer (`POWERTOOLS_TRACE_ENABLED`, on unless `false`). */
  readonly tracing: boolean;
}

export class EnvironmentMissingError extends Error {
  readonly code = 'EnvironmentMissing';
  readonly retryable = false;
  constructor(name: string) {
    super(`environment variable ${name} is not set (it is set by the SST stacks)`);
    this.name = 'EnvironmentMissingError';
  }
}

/** A variable a composition root cannot run without (already read by `readAwsEnv`): its value, or `EnvironmentMissingError`. */
export function requiredEnv(value: string | undefined, name: string): string {
  if (!value) throw new EnvironmentMissingError(name);
  return value;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new EnvironmentMissingError(name);
  return value;
}

export function readAwsEnv(env: NodeJS.ProcessEnv = process.env): AwsEnv {
  return {
    deadLetterQueueUrl: required(env, 'LAKEOPS_DEAD_LETTER_QUEUE_URL'),
    tracing: env.POWERTOOLS_TRACE_ENABLED !== 'false',
    slackWebhookParameter: env.LAKEOPS_SLACK_WEBHOOK_PARAMETER || undefined,
    stateTableName: env.LAKEOPS_STATE_TABLE || undefined,
    dsarSaltParameter: env.LAKEOPS_DSAR_SALT_PARAMETER || undefined,
    pagerDutyRoutingKeyParameter: env.LAKEOPS_PAGERDUTY_ROUTING_KEY_PARAMETER || undefined,
    pagerDutyEventsUrl: env.PAGERDUTY_EVENTS_URL || undefined,
    alertingConfigFile: inBundle(env, env.LAKEOPS_ALERTING_CONFIG),
    lakeBucket: env.LAKEOPS_LAKE_BUCKET || undefined,
    athenaReadWorkgroup: env.LAKEOPS_ATHENA_READ_WORKGROUP || undefined,
    athenaWriteWorkgroup: env.LAKEOPS_ATHENA_WRITE_WORKGROUP || undefined,
    glueDatabasePrefix: env.LAKEOPS_GLUE_DATABASE_PREFIX || undefined,
    modelsDir: inBundle(env, env.LAKEOPS_MODELS_DIR),
    queriesDir: inBundle(env, env.LAKEOPS_QUERIES_DIR),
    expectationsDir: inBundle(env, env.LAKEOPS_EXPECTATIONS_DIR),
    appConfig:
      env.LAKEOPS_APPCONFIG_APPLICATION && env.LAKEOPS_APPCONFIG_ENVIRONMENT && env.LAKEOPS_APPCONFIG_PROFILE
        ? {
            application: env.LAKEOPS_APPCONFIG_APPLICATION,
            environment: env.LAKEOPS_APPCONFIG_ENVIRONMENT,
            profile: env.LAKEOPS_APPCONFIG_PROFILE,
          }
        : undefined,
    eventBusName: env.LAKEOPS_EVENT_BUS_NAME || undefined,
    stage: env.LAKEOPS_STAGE || undefined,
    catalogId: env.LAKEOPS_CATALOG_ID || undefined,
    consoleCacheSeconds: env.LAKEOPS_CONSOLE_CACHE_SECONDS
      ? wholeSeconds('LAKEOPS_CONSOLE_CACHE_SECONDS', env.LAKEOPS_CONSOLE_CACHE_SECONDS)
      : undefined,
    taskRoot: env.LAMBDA_TASK_ROOT || undefined,
  };
}

/** A path the stacks give relative to the bundle root, under `LAMBDA_TASK_ROOT` when there is one. */
function inBundle(env: NodeJS.ProcessEnv, path: string | undefined): string | undefined {
  if (!path) return undefined;
  return env.LAMBDA_TASK_ROOT && !path.startsWith('/') ? `${env.LAMBDA_TASK_ROOT}/${path}` : path;
}

function wholeSeconds(name: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new EnvironmentInvalidError(name, 'a whole number of seconds');
  return Number(raw);
}

export class EnvironmentInvalidError extends Error {
  readonly code = 'EnvironmentInvalid';
  readonly retryable = false;
  constructor(name: string, expected: string) {
    super(`environment variable ${name} is not ${expected} (it is set by the SST stacks)`);
    this.name = 'EnvironmentInvalidError';
  }
}
