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
  /** The lake bucket's name (`LAKEOPS_LAKE_BUCKET`): Parquet under `<zone>/<table>/…`. */
  readonly lakeBucket: string | undefined;
  /** Athena workgroups (`LAKEOPS_ATHENA_READ_WORKGROUP`, `LAKEOPS_ATHENA_WRITE_WORKGROUP`). */
  readonly athenaReadWorkgroup: string | undefined;
  readonly athenaWriteWorkgroup: string | undefined;
  /** The stage's Glue database prefix (`LAKEOPS_GLUE_DATABASE_PREFIX`, e.g. `lakeops_prod`). */
  readonly glueDatabasePrefix: string | undefined;
  /** The deployment's EventBridge bus (`LAKEOPS_EVENT_BUS_NAME`), where lakeops' own events go. */
  readonly eventBusName: string | undefined;
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
    lakeBucket: env.LAKEOPS_LAKE_BUCKET || undefined,
    athenaReadWorkgroup: env.LAKEOPS_ATHENA_READ_WORKGROUP || undefined,
    athenaWriteWorkgroup: env.LAKEOPS_ATHENA_WRITE_WORKGROUP || undefined,
    glueDatabasePrefix: env.LAKEOPS_GLUE_DATABASE_PREFIX || undefined,
    eventBusName: env.LAKEOPS_EVENT_BUS_NAME || undefined,
  };
}
