import type { PermissionsSyncCompletedV1 } from '@lakeops/contracts';
import type { Clock } from '../shared/clock.port.ts';
import { isRetryable } from '../shared/errors.ts';
import type { EventPublisher } from '../shared/event-publisher.port.ts';
import {
  IamAllowedPrincipalsActiveError,
  PermissionsApplyIncompleteError,
  PermissionsGuardTrippedError,
} from './errors.ts';
import {
  BATCH_LIMIT,
  type BatchEntry,
  type BatchEntryFailure,
  IAM_ALLOWED_PRINCIPALS,
  type LakePermissions,
} from './lake-permissions.port.ts';
import {
  countPermissions,
  type PermissionsPlan,
  type PlannedChange,
  planIsEmpty,
  planPermissions,
  planSha256,
  revokedCount,
} from './plan-permissions.ts';
import type { DesiredPermissions } from './policy.ts';

/** Publishes `permissions.sync.completed` (EventBridge on AWS, the local bus locally). */
export type PermissionsSyncCompletedDetail = PermissionsSyncCompletedV1;

export interface PermissionsEvents {
  syncCompleted(detail: PermissionsSyncCompletedV1): Promise<void>;
}

/** `permissions.sync.completed` goes out from this source (DESIGN.md, events table). */
export const PERMISSIONS_EVENT_SOURCE = 'lakeops.governance';

/**
 * {@link PermissionsEvents} on an {@link EventPublisher}: the EventBridge bus on AWS, the local bus
 * locally; one `permissions.sync.completed` event per sync, from `lakeops.governance`.
 *
 * @example
 * ```ts
 * const events = permissionsEventsOn(publisher);
 * await syncPermissions({ lakePermissions, events, clock, sleep, random }, { desired });
 * ```
 */
export function permissionsEventsOn(publisher: EventPublisher): PermissionsEvents {
  return {
    syncCompleted: (detail) =>
      publisher.publish([
        { source: PERMISSIONS_EVENT_SOURCE, detailType: 'permissions.sync.completed', detail: { ...detail } },
      ]),
  };
}

export interface SyncPermissionsDeps {
  readonly lakePermissions: LakePermissions;
  readonly events: PermissionsEvents;
  readonly clock: Clock;
  /** Waits between retries; injected so tests do not sleep. */
  readonly sleep: (ms: number) => Promise<void>;
  /** In [0, 1); the jitter source. */
  readonly random: () => number;
}

export interface SyncPermissionsInput {
  readonly desired: DesiredPermissions;
  /** Compute and report the plan, change nothing. */
  readonly dryRun?: boolean;
  /** Apply even when the guard would refuse. */
  readonly force?: boolean;
  /** Largest share of the managed grants one run may revoke without `force` (default 0.5). */
  readonly maxRevokeShare?: number;
  readonly trigger?: 'deploy' | 'schedule' | 'manual';
  readonly environment?: string;
  /** Attempts per failed batch entry (default 5) and the first backoff (default 200 ms). */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
}

export interface SyncPermissionsResult {
  readonly plan: PermissionsPlan;
  readonly planSha256: string;
  readonly applied: boolean;
  /** Lake Formation calls made, by operation. */
  readonly calls: Readonly<Record<string, number>>;
  /** Batch entries that failed once and were retried. */
  readonly retried: number;
}

/** Error codes of batch entries (and whole calls) that may pass on a later attempt. */
const RETRYABLE_CODES = new Set([
  'ConcurrentModificationException',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'OperationTimeoutException',
  'InternalServiceException',
]);

/** Lake Formation's answer to revoking what is already gone: the revoke is done. */
const NOTHING_TO_REVOKE = /no permissions revoked/i;

export function isRetryableBatchCode(code: string): boolean {
  return RETRYABLE_CODES.has(code);
}

/**
 * Brings Lake Formation in line with the policy inside its managed scope and reports the plan.
 * Refuses (without `force`) a plan whose desired state is empty or that revokes more than
 * `maxRevokeShare` of the managed grants; throws when IAMAllowedPrincipals still holds a managed
 * table, since the fine-grained grants then restrict nothing.
 *
 * @example
 * ```ts
 * const result = await syncPermissions(deps, { desired, trigger: 'deploy', environment: 'prod' });
 * console.log(formatPlan(result.plan));
 * ```
 */
export interface PermissionsReview {
  readonly plan: PermissionsPlan;
  readonly planSha256: string;
  /** Why the guard refuses this plan without `force`; undefined when it allows it. */
  readonly refusal: string | undefined;
  /** Managed tables IAMAllowedPrincipals still holds (fine-grained grants do nothing there). */
  readonly iamFallback: readonly string[];
  readonly calls: Readonly<Record<string, number>>;
}

/**
 * Reads Lake Formation (ListPermissions, ListDataCellsFilter, GetDataLakeSettings), plans, and
 * says what the guard and the IAMAllowedPrincipals check think of it; changes nothing.
 *
 * @example
 * ```ts
 * const review = await reviewPermissions({ lakePermissions }, { desired });
 * console.log(formatPlan(review.plan));
 * ```
 */
export async function reviewPermissions(
  deps: Pick<SyncPermissionsDeps, 'lakePermissions'>,
  input: Pick<SyncPermissionsInput, 'desired' | 'maxRevokeShare'>,
): Promise<PermissionsReview> {
  const lf = deps.lakePermissions;
  const [grants, filters, settings] = await Promise.all([
    lf.listPermissions(),
    lf.listDataCellsFilters(),
    lf.getDataLakeSettings(),
  ]);
  const plan = planPermissions(input.desired, { grants, filters });
  const revoked = revokedCount(plan);
  const share = input.maxRevokeShare ?? 0.5;
  let refusal: string | undefined;
  if (input.desired.grants.length === 0) {
    refusal = 'the policy grants nothing: refusing to revoke every managed permission';
  } else if (!planIsEmpty(plan)) {
    if (plan.currentManaged > 0 && revoked / plan.currentManaged > share) {
      refusal = `the plan revokes ${revoked} of ${plan.currentManaged} managed permissions (more than ${Math.round(share * 100)}%)`;
    }
  }
  const managedTables = new Set(input.desired.tables.map((t) => `${t.database}.${t.table}`));
  const fallback = new Set<string>();
  for (const g of grants) {
    if (g.principal !== IAM_ALLOWED_PRINCIPALS) continue;
    const r = g.resource;
    if (
      (r.kind === 'table' || r.kind === 'tableWithColumns') &&
      managedTables.has(`${r.database}.${r.table}`)
    ) {
      fallback.add(`${r.database}.${r.table}`);
    }
  }
  if (settings.createTableDefaultPrincipals.includes(IAM_ALLOWED_PRINCIPALS) && managedTables.size > 0) {
    fallback.add('CreateTableDefaultPermissions (new tables)');
  }
  return {
    plan,
    planSha256: planSha256(plan),
    refusal,
    iamFallback: [...fallback].sort(),
    calls: { ListPermissions: 1, ListDataCellsFilter: 1, GetDataLakeSettings: 1 },
  };
}

/**
 * Brings Lake Formation in line with the policy inside its managed scope and reports the plan.
 * Refuses (without `force`) a plan whose desired state is empty or that revokes more than
 * `maxRevokeShare` of the managed grants; throws when IAMAllowedPrincipals still holds a managed
 * table, since the fine-grained grants then restrict nothing.
 *
 * @example
 * ```ts
 * const result = await syncPermissions(deps, { desired, trigger: 'deploy', environment: 'prod' });
 * console.log(formatPlan(result.plan));
 * ```
 */
export async function syncPermissions(
  deps: SyncPermissionsDeps,
  input: SyncPermissionsInput,
): Promise<SyncPermissionsResult> {
  const lf = deps.lakePermissions;
  const review = await reviewPermissions(deps, input);
  const { plan } = review;
  const calls: Record<string, number> = { ...review.calls };
  const count = (op: string, n = 1) => {
    calls[op] = (calls[op] ?? 0) + n;
  };
  if (!input.force && review.refusal !== undefined) throw new PermissionsGuardTrippedError(review.refusal);

  let retried = 0;
  if (!input.dryRun) {
    const failures: BatchEntryFailure[] = [];
    const batch = async (
      op: 'BatchRevokePermissions' | 'BatchGrantPermissions',
      changes: readonly PlannedChange[],
    ) => {
      const entries = changes.map((c, i): BatchEntry => ({ id: String(i), ...c }));
      for (let start = 0; start < entries.length; start += BATCH_LIMIT) {
        const result = await applyChunk(deps, op, entries.slice(start, start + BATCH_LIMIT), input, count);
        retried += result.retried;
        failures.push(...result.failures);
      }
    };
    await batch('BatchRevokePermissions', plan.revokes);
    for (const f of plan.filtersToDelete) {
      await lf.deleteDataCellsFilter(f);
      count('DeleteDataCellsFilter');
    }
    for (const f of plan.filtersToCreate) {
      await lf.createDataCellsFilter(f);
      count('CreateDataCellsFilter');
    }
    await batch('BatchGrantPermissions', plan.grants);
    if (failures.length > 0) throw new PermissionsApplyIncompleteError(failures);
  }
  if (review.iamFallback.length > 0) throw new IamAllowedPrincipalsActiveError(review.iamFallback);

  const detail: PermissionsSyncCompletedV1 = {
    v: 1,
    plan_sha256: review.planSha256,
    grants: countPermissions(plan.grants),
    revokes: revokedCount(plan),
    unchanged: plan.unchanged,
    dry_run: input.dryRun === true,
    completed_at: deps.clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    ...(input.trigger === undefined ? {} : { trigger: input.trigger }),
    ...(input.environment === undefined ? {} : { environment: input.environment }),
  };
  await deps.events.syncCompleted(detail);
  return { plan, planSha256: review.planSha256, applied: !input.dryRun, calls, retried };
}

async function applyChunk(
  deps: SyncPermissionsDeps,
  op: 'BatchRevokePermissions' | 'BatchGrantPermissions',
  chunk: readonly BatchEntry[],
  input: SyncPermissionsInput,
  count: (op: string) => void,
): Promise<{ failures: BatchEntryFailure[]; retried: number }> {
  const maxAttempts = input.maxAttempts ?? 5;
  const base = input.baseDelayMs ?? 200;
  const pending = chunk;
  let retried = 0;
  for (let attempt = 1; ; attempt++) {
    let failures: readonly BatchEntryFailure[];
    try {
      count(op);
      failures =
        op === 'BatchGrantPermissions'
          ? await deps.lakePermissions.batchGrant(pending)
          : await deps.lakePermissions.batchRevoke(pending);
    } catch (error) {
      // The whole call failed (throttled, network): every entry is still pending.
      if (!isRetryable(error) || attempt >= maxAttempts) throw error;
      await deps.sleep(backoff(base, attempt, deps.random));
      continue;
    }
    const open = failures.filter(
      (f) => !(op === 'BatchRevokePermissions' && NOTHING_TO_REVOKE.test(f.message)),
    );
    const again = open.filter((f) => f.retryable || isRetryableBatchCode(f.code));
    if (again.length === 0 || attempt >= maxAttempts) {
      return { failures: open, retried };
    }
    const ids = new Set(again.map((f) => f.id));
    const final = open.filter((f) => !ids.has(f.id));
    retried += again.length;
    await deps.sleep(backoff(base, attempt, deps.random));
    const next = await applyChunk(
      deps,
      op,
      pending.filter((e) => ids.has(e.id)),
      { ...input, maxAttempts: maxAttempts - attempt },
      count,
    );
    return { failures: [...final, ...next.failures], retried: retried + next.retried };
  }
}

/** Exponential backoff with full jitter: a random wait in [0, base · 2^(attempt-1)). */
function backoff(base: number, attempt: number, random: () => number): number {
  return Math.floor(random() * base * 2 ** (attempt - 1));
}
