import {
  type Clock,
  countPermissions,
  type DesiredPermissions,
  type EventPublisher,
  type LakePermissions,
  permissionsEventsOn,
  planIsEmpty,
  resolvePolicy,
  revokedCount,
  syncPermissions,
  type Zone,
} from '@lakeops/core';
import { policy } from '../../permissions/policy.ts';
import { policyTables } from '../permission-policy.generated.ts';

/** The repo policy (`permissions/policy.ts`) resolved for the SST stage a function runs in. */
export interface RepoPolicy {
  readonly desired: DesiredPermissions;
  readonly stage: string;
}

/** What the permission sync functions need: Lake Formation, the bus, the clock and the policy. */
export interface PermissionSyncDeps {
  readonly lakePermissions: LakePermissions;
  /** `permissions.sync.completed` goes here (EventBridge on AWS, the local bus locally). */
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly repoPolicy: () => Promise<RepoPolicy>;
  /** Waits between retries of failed batch entries (default: a timer). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The jitter source (default Math.random). */
  readonly random?: () => number;
}

/** What a sync function returns (and the local platform prints): the plan's size, not its entries. */
export interface PermissionSyncSummary {
  readonly planSha256: string;
  readonly changed: boolean;
  /** Permissions granted and revoked (as counted in `permissions.sync.completed`). */
  readonly grants: number;
  readonly revokes: number;
  readonly filtersCreated: number;
  readonly filtersDeleted: number;
  readonly unchanged: number;
  readonly calls: Readonly<Record<string, number>>;
  readonly retried: number;
}

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `syncPermissions` for the repo policy: the same use case as `lakeops perms apply`, with the
 * guard at its defaults (a mass revoke or an empty policy is refused; the function fails, the
 * event is parked or the schedule retried).
 *
 * @example
 * ```ts
 * export const make = eventFunction(routeById('permission-sync'), v, (deps, _e) => syncRepoPermissions(deps, 'deploy'));
 * ```
 */
export async function syncRepoPermissions(
  deps: PermissionSyncDeps,
  trigger: 'deploy' | 'schedule',
): Promise<PermissionSyncSummary> {
  const { desired, stage } = await deps.repoPolicy();
  const result = await syncPermissions(
    {
      lakePermissions: deps.lakePermissions,
      events: permissionsEventsOn(deps.events),
      clock: deps.clock,
      sleep: deps.sleep ?? timer,
      random: deps.random ?? Math.random,
    },
    { desired, trigger, environment: stage },
  );
  const { plan } = result;
  return {
    planSha256: result.planSha256,
    changed: !planIsEmpty(plan),
    grants: countPermissions(plan.grants),
    revokes: revokedCount(plan),
    filtersCreated: plan.filtersToCreate.length,
    filtersDeleted: plan.filtersToDelete.length,
    unchanged: plan.unchanged,
    calls: result.calls,
    retried: result.retried,
  };
}

/**
 * The policy bundled with the function, resolved for `stage` against the generated catalog entries
 * of the tables it names (`permission-policy.generated.ts`); `databaseName` is the Glue database of
 * a zone in that stage.
 */
export function bundledRepoPolicy(stage: string, databaseName: (zone: Zone) => string): RepoPolicy {
  const desired = resolvePolicy(policy, 'permissions/policy.ts', stage, {
    tables: policyTables,
    databaseName,
  });
  return { desired, stage };
}
