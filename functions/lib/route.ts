/**
 * The shape of `functions/routes.ts`: plain data that drives the SST stacks, the local bus and
 * the docs. A pattern is written once, here, and never restated.
 */
import type { CompiledValidator, EventDetails, EventOf } from '@lakeops/contracts';
import type { Zone } from '@lakeops/core';

/** An AWS resource a function may be granted access to; stacks/ map each to real ARNs. */
export type ResourceRef =
  | 'dead-letter-queue'
  | 'bus'
  | 'lake-bucket'
  | 'athena-read-workgroup'
  | 'athena-write-workgroup'
  | 'athena-results-bucket'
  | 'glue-catalog'
  | 'state-table'
  | 'slack-webhook-parameter'
  | 'pagerduty-routing-key-parameter'
  | 'dsar-salt-parameter'
  /** The AppConfig configuration profile of the experiment definitions, in the stage's environment. */
  | 'experiments-config'
  /** Lake Formation's permissions API: it has no resource-level IAM permissions (`*`). */
  | 'lake-formation'
  | 'xray';

/** One IAM statement: these actions on this resource (and, for buckets, the objects under it). */
export interface Permission {
  readonly actions: readonly string[];
  readonly resource: ResourceRef;
  /**
   * Only these zones of the lake (`lake-bucket`, `glue-catalog`): the objects under `<zone>/`, and
   * `s3:ListBucket` only for keys under them (`s3:prefix`); the zones' Glue databases and tables.
   */
  readonly zones?: readonly Zone[];
  /**
   * Only these items of the `state-table`: those whose partition key (`pk`) is one of these
   * (`ForAllValues:StringEquals` on `dynamodb:LeadingKeys`).
   */
  readonly stateKeys?: readonly string[];
}

/** What the stacks need to deploy one function: a route's, or one outside the event table. */
export interface FunctionDeclaration {
  /** Stable id: names the rule/schedule, the dead-letter file and the metrics dimension. */
  readonly id: string;
  readonly description: string;
  /** File stem in `functions/`: `notify` → `functions/notify.ts`, handler `functions/notify.handler`. */
  readonly function: string;
  readonly timeoutSeconds: number;
  readonly memoryMB: number;
  /** Everything the function may do on AWS, and nothing more. */
  readonly permissions: readonly Permission[];
  /**
   * `'local-only'`: the function has no AWS driver yet (its Lambda handler refuses to run), so the
   * stacks deploy no rule, schedule or function for it; the local platform runs it. Absent: both.
   */
  readonly runs?: 'local-only';
  /**
   * Top-level `detail` fields that hold a personal id (a user id, anon ids): masked in the copy
   * the function parks in the dead-letter place, like emails and phone numbers are.
   */
  readonly personalIds?: readonly string[];
  /**
   * The lake tables the function reads and writes (`<zone>.<table>`, or a set derived from the
   * catalog: `user-tables`, `nrt-views`, `nrt-view-sources`): the function nodes of `lakeops
   * lineage` and the docs site. A name the catalog does not know fails the lineage test.
   */
  readonly tables?: {
    readonly reads?: readonly TableRef[];
    readonly writes?: readonly TableRef[];
  };
  /**
   * Repository files (or folders) the function reads at run time, copied into its bundle at the
   * same relative path (SST `copyFiles`, which copies folders whole; on Lambda under
   * `LAMBDA_TASK_ROOT`). Locally they are read from the repo.
   */
  readonly files?: readonly string[];
}

/** A lake table a route reads or writes; `RouteTableRef` of @lakeops/lake, which resolves it. */
export type TableRef =
  | `${string}.${string}`
  | { readonly set: 'user-tables' | 'nrt-views' | 'nrt-view-sources' };

/** Whether the stacks deploy this route (a rule or schedule and its function). */
export function deployedOnAws(route: { readonly runs?: 'local-only' }): boolean {
  return route.runs !== 'local-only';
}

/** An EventBridge event pattern, as JSON. */
export type EventPattern = Readonly<Record<string, unknown>>;

export interface EventRoute extends FunctionDeclaration {
  readonly kind: 'event';
  readonly pattern: EventPattern;
}

export interface ScheduleRoute extends FunctionDeclaration {
  readonly kind: 'schedule';
  /** EventBridge Scheduler expression: `rate(5 minutes)` or `cron(0 3 * * ? *)`. */
  readonly schedule: string;
  /** IANA time zone for `cron()` expressions; UTC when absent. */
  readonly timezone?: string;
}

export type Route = EventRoute | ScheduleRoute;

/**
 * A function called over HTTPS through its Lambda function URL, not from the bus: the ops console
 * (`functions/url-functions.ts`). `AWS_IAM`: every request is SigV4-signed by a caller allowed
 * `lambda:InvokeFunctionUrl` (Lambda Developer Guide, "Control access to Lambda function URLs").
 */
export interface UrlFunction extends FunctionDeclaration {
  readonly kind: 'url';
  readonly authorization: 'iam';
}

/** Every function may park a permanently failing event in the dead-letter queue. */
export const parkInDeadLetter: Permission = { actions: ['sqs:SendMessage'], resource: 'dead-letter-queue' };

/** Every function sends its traces to X-Ray (active tracing, Powertools Tracer). */
export const writeTraces: Permission = {
  actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  resource: 'xray',
};

/** Read the salt of the DSAR user-id hashes (an SSM SecureString under the AWS managed key). */
export const readDsarSalt: Permission = {
  actions: ['ssm:GetParameter'],
  resource: 'dsar-salt-parameter',
};

/** Read the PagerDuty Events API v2 routing key (an SSM SecureString under the AWS managed key) at run time. */
export const readPagerDutyRoutingKey: Permission = {
  actions: ['ssm:GetParameter'],
  resource: 'pagerduty-routing-key-parameter',
};
/**
 * Put lakeops' own events (`nrt.refreshed`, `alarm.triggered`, …) on the deployment's bus
 * (`EventBridgeEventPublisher`; EventBridge: "Using identity-based policies", `events:PutEvents`
 * on the event bus ARN).
 */
export const publishEvents: Permission = { actions: ['events:PutEvents'], resource: 'bus' };

/**
 * Read the experiment definitions from AppConfig (Powertools' AppConfigProvider: a session, then
 * the latest deployed version). Service Authorization Reference, AWS AppConfig: both actions take
 * the `configuration` resource type (application/environment/configuration profile).
 */
export const readExperimentsConfig: Permission = {
  actions: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
  resource: 'experiments-config',
};

/** Read the Slack webhook URL (an SSM SecureString under the AWS managed key) at run time. */
export const readSlackWebhook: Permission = {
  actions: ['ssm:GetParameter'],
  resource: 'slack-webhook-parameter',
};

// The Athena paths, named for the routes that will query or write the lake (Athena: "Identity and
// access management in Athena"; Service Authorization Reference for Athena, Glue and S3).

/** Run and follow queries in the reads workgroup (it enforces its result location). */
export const queryAthenaReads: Permission = {
  actions: [
    'athena:StartQueryExecution',
    'athena:GetQueryExecution',
    'athena:GetQueryResults',
    'athena:StopQueryExecution',
  ],
  resource: 'athena-read-workgroup',
};

/** Run and follow CTAS, INSERT INTO and DDL in the writes workgroup (does not enforce: external_location). */
export const queryAthenaWrites: Permission = { ...queryAthenaReads, resource: 'athena-write-workgroup' };

/** What Athena reads of the Glue catalog to plan a query over the zone and staging databases. */
export const readGlueCatalog: Permission = {
  actions: [
    'glue:GetDatabase',
    'glue:GetTable',
    'glue:GetTables',
    'glue:GetPartition',
    'glue:GetPartitions',
    'glue:BatchGetPartition',
  ],
  resource: 'glue-catalog',
};

/** The write path's catalog changes: CTAS into staging, the partition switch, DROP TABLE. */
export const writeGlueCatalog: Permission = {
  actions: [
    ...readGlueCatalog.actions,
    'glue:CreateTable',
    'glue:UpdateTable',
    'glue:DeleteTable',
    'glue:CreatePartition',
    'glue:UpdatePartition',
    'glue:DeletePartition',
    'glue:BatchCreatePartition',
    'glue:BatchUpdatePartition',
    'glue:BatchDeletePartition',
  ],
  resource: 'glue-catalog',
};

/** Query results: Athena writes them as the caller, and the caller reads them back. */
export const useAthenaResults: Permission = {
  actions: [
    's3:GetBucketLocation',
    's3:ListBucket',
    's3:ListBucketMultipartUploads',
    's3:ListMultipartUploadParts',
    's3:AbortMultipartUpload',
    's3:GetObject',
    's3:PutObject',
  ],
  resource: 'athena-results-bucket',
};

/** Scan the lake's objects (Athena reads table data as the caller). */
export const readLake: Permission = {
  actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:GetObject'],
  resource: 'lake-bucket',
};

/** CTAS output, superseded staging runs and DSAR rewrites: write and delete lake objects. */
export const writeLake: Permission = {
  actions: [
    ...readLake.actions,
    's3:ListBucketMultipartUploads',
    's3:ListMultipartUploadParts',
    's3:AbortMultipartUpload',
    's3:PutObject',
    's3:DeleteObject',
  ],
  resource: 'lake-bucket',
};

/** The SST handler string of a route: `functions/<function>.handler`. */
export function handlerOf(route: Pick<FunctionDeclaration, 'function'>): string {
  return `functions/${route.function}.handler`;
}

/**
 * The alternatives a pattern stands for: with `$or`, each branch ANDed with the sibling fields
 * (branches may nest `$or`); without, the pattern itself.
 */
export function patternAlternatives(pattern: EventPattern): EventPattern[] {
  const { $or, ...siblings } = pattern;
  if (!Array.isArray($or)) return [pattern];
  return $or.flatMap((branch: unknown) =>
    isPattern(branch) ? patternAlternatives({ ...siblings, ...branch }) : [],
  );
}

function isPattern(value: unknown): value is EventPattern {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The (detail-type, version) pairs an event route's pattern pins: `detail-type` values crossed
 * with `detail.v` values, per alternative. An alternative that does not pin `v` pins nothing.
 * {@link PinnedPair} is the same at the type level.
 */
export function pinnedContracts(route: Route): { detailType: string; version: number }[] {
  if (route.kind !== 'event') return [];
  const pins: { detailType: string; version: number }[] = [];
  for (const p of patternAlternatives(route.pattern)) {
    const types = p['detail-type'];
    const versions = isPattern(p.detail) ? p.detail.v : undefined;
    if (!Array.isArray(types) || !Array.isArray(versions)) continue;
    for (const t of types) {
      for (const v of versions)
        if (typeof t === 'string' && typeof v === 'number') pins.push({ detailType: t, version: v });
    }
  }
  return pins;
}

/**
 * A pattern's alternatives at the type level: `$or` branches ANDed with their siblings, a
 * branch's field replacing a sibling's of the same name (as `{ ...siblings, ...branch }` does).
 */
type Alternatives<P> = P extends { readonly $or: readonly (infer B)[] }
  ? B extends unknown
    ? Alternatives<Omit<P, '$or' | keyof B> & B>
    : never
  : P;

/** The `[detail-type, version]` pairs one alternative pins (its types crossed with its `detail.v`). */
type Pins<A> = A extends {
  readonly 'detail-type': readonly (infer T)[];
  readonly detail: { readonly v: readonly (infer V)[] };
}
  ? T extends string
    ? V extends number
      ? [T, V]
      : never
    : never
  : never;

/** The `[detail-type, version]` pairs a route (typed `as const`) pins: {@link pinnedContracts} for the compiler. */
export type PinnedPair<R> = R extends { readonly kind: 'event'; readonly pattern: infer P }
  ? Pins<Alternatives<P>>
  : never;

/** The generated detail type of a detail-type and version; `never` for a contract that does not exist. */
export type DetailOf<T, V> = T extends keyof EventDetails
  ? V extends keyof EventDetails[T]
    ? EventDetails[T][V]
    : never
  : never;

/**
 * The validators a route's function needs: exactly those of the contracts its pattern pins, each
 * typed as a guard of its generated detail type (`functions/routes.validators.generated.ts`).
 */
export type RouteValidators<R> = {
  readonly [T in PinnedPair<R>[0]]: {
    readonly [V in Extract<PinnedPair<R>, [T, number]>[1]]: CompiledValidator<DetailOf<T, V>>;
  };
};

/** The event a route's function receives: one typed envelope per pinned contract. */
export type RouteEvent<R> = EventOf<RouteValidators<R>>;
