import { PurgeAlreadyRunningError, type PurgeDeps, purgeDeletedUsers } from './purge-deleted-users.ts';

export interface ScheduledPurgeInput {
  /** `nightly` starts a run (or resumes one left over); `continue` only resumes one. */
  readonly mode: 'nightly' | 'continue';
  /** The scheduled time of the tick (RFC 3339): names the run `purge-YYYYMMDD-HHMMSS`. */
  readonly time: string;
  /** Time left in this invocation (Lambda's `getRemainingTimeInMillis`). */
  readonly remainingMillis: () => number;
  /** Stop before the next table when less than this is left (default 5 minutes). */
  readonly marginMillis?: number;
  /** The purge lease's time to live (default 900 s, Lambda's longest invocation). */
  readonly leaseSeconds?: number;
  /**
   * Partitions of a table rewritten and committed together (default 100, Athena's most per write:
   * one CTAS): the run may pause between two groups, so a table with more affected partitions
   * than one invocation can rewrite is done over several instead of timing out forever.
   */
  readonly partitionsPerRewrite?: number;
}

/** What the schedule route returns and logs: counts, request and table names, never a user id. */
export interface ScheduledPurgeOutcome {
  /**
   * `completed`: the run finished (see `verified`). `paused`: it stopped between tables (or between two groups of a table's partitions) for lack
   * of time and keeps its manifest: the next `continue` tick resumes it. `busy`: another
   * invocation holds the purge lease. `idle`: `continue` found no run to resume.
   */
  readonly status: 'completed' | 'paused' | 'busy' | 'idle';
  readonly runId?: string;
  readonly requests: number;
  readonly verified: number;
  readonly tablesDone: number;
  readonly failedTables: readonly string[];
}

/**
 * The DSAR purge as schedules drive it on AWS, where one Lambda invocation lasts at most 15
 * minutes: the nightly tick (02:00 UTC) starts the run; the run stops between tables when its
 * invocation is about to end, keeping its manifest in the state port; the `continue` tick (every
 * 15 minutes) resumes a paused or killed run, and does nothing when there is none. Another
 * invocation holding the lease is not an error (the tick is skipped), so overlapping ticks never
 * retry or park.
 *
 * @example
 * ```ts
 * await runScheduledPurge(deps, { mode: 'nightly', time: run.time, remainingMillis: run.remainingMillis });
 * ```
 */
export async function runScheduledPurge(
  deps: PurgeDeps,
  input: ScheduledPurgeInput,
): Promise<ScheduledPurgeOutcome> {
  const margin = input.marginMillis ?? 300_000;
  const runId = `purge-${input.time.replace(/[-:]/g, '').replace('T', '-').slice(0, 15).toLowerCase()}`;
  try {
    const report = await purgeDeletedUsers(deps, {
      runId,
      leaseSeconds: input.leaseSeconds ?? 900,
      shouldPause: () => input.remainingMillis() < margin,
      partitionsPerRewrite: input.partitionsPerRewrite ?? 100,
      ...(input.mode === 'continue' ? { onlyResume: true } : {}),
    });
    const base = {
      requests: report.requestIds.length,
      verified: report.requests.filter((r) => r.verified).length,
      tablesDone: report.tables.filter((t) => t.status !== 'failed').length,
      failedTables: report.tables.filter((t) => t.status === 'failed').map((t) => t.table),
    };
    if (report.outcome === 'nothing-to-resume') return { status: 'idle', ...base };
    return { status: report.outcome === 'paused' ? 'paused' : 'completed', runId: report.runId, ...base };
  } catch (error) {
    if (error instanceof PurgeAlreadyRunningError) {
      return { status: 'busy', requests: 0, verified: 0, tablesDone: 0, failedTables: [] };
    }
    throw error;
  }
}
