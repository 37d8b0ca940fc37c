import type { Clock } from '../shared/clock.port.ts';
import { queryAll, type StateStore, type StateValue } from '../state/state-store.port.ts';

/** One failed expectation of a run, as the console shows it: no row values, no sample keys. */
export interface QualityRunFailure {
  readonly table: string;
  readonly expectation: string;
  readonly severity: 'error' | 'warn';
  readonly observed: number | string | null;
  readonly threshold: string;
}

/**
 * The summary of one quality run of one suite (state item `quality#run`, sort key
 * `<suite>#<finishedAt>#<runId>`), kept `keepDays` (default 30) through the item's expiry.
 */
export interface QualityRunRecord {
  readonly suite: string;
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly dt: string | null;
  readonly status: 'passed' | 'failed';
  readonly expectations: number;
  /** Failed expectations of severity error, and of severity warn. */
  readonly failed: number;
  readonly warnings: number;
  /** The first `maxFailuresKept` failures (errors first). */
  readonly failures: readonly QualityRunFailure[];
}

export const qualityRunPk = 'quality#run';
export const maxFailuresKept = 50;

/**
 * Records the summary of a quality run, so the ops console can show the latest run per suite and
 * its history. Failures past `maxFailuresKept` are counted, not kept.
 *
 * @example
 * ```ts
 * await recordQualityRun({ state, clock }, { suite: 'silver.fact_payments', runId, startedAt, dt: null, results });
 * ```
 */
export async function recordQualityRun(
  deps: { readonly state: StateStore; readonly clock: Clock },
  run: {
    readonly suite: string;
    readonly runId: string;
    readonly startedAt: Date;
    readonly dt: string | null;
    readonly results: readonly {
      readonly table: string;
      readonly expectation: string;
      readonly severity: 'error' | 'warn';
      readonly success: boolean;
      readonly observed: number | string | null;
      readonly threshold: string;
    }[];
  },
  keepDays = 30,
): Promise<QualityRunRecord> {
  const finishedAt = deps.clock.now();
  const failing = run.results.filter((r) => !r.success);
  const failed = failing.filter((r) => r.severity === 'error').length;
  const record: QualityRunRecord = {
    suite: run.suite,
    runId: run.runId,
    startedAt: run.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    dt: run.dt,
    status: failed > 0 ? 'failed' : 'passed',
    expectations: run.results.length,
    failed,
    warnings: failing.length - failed,
    failures: [...failing]
      .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1))
      .slice(0, maxFailuresKept)
      .map((r) => ({
        table: r.table,
        expectation: r.expectation.slice(0, 256),
        severity: r.severity,
        observed: r.observed,
        threshold: r.threshold,
      })),
  };
  await deps.state.put(
    { pk: qualityRunPk, sk: `${run.suite}#${record.finishedAt}#${run.runId}` },
    JSON.parse(JSON.stringify(record)) as StateValue,
    { expiresAt: Math.ceil(finishedAt.getTime() / 1000) + keepDays * 86_400 },
  );
  return record;
}

/**
 * The recorded runs per suite, newest first, at most `perSuite` each.
 *
 * @example
 * ```ts
 * const bySuite = await readQualityRuns({ state });
 * const latest = bySuite.get('gold.kpi_gmv_daily')?.[0];
 * ```
 */
export async function readQualityRuns(
  deps: { readonly state: StateStore },
  perSuite = 30,
): Promise<Map<string, QualityRunRecord[]>> {
  const out = new Map<string, QualityRunRecord[]>();
  for await (const item of queryAll(deps.state, { pk: qualityRunPk })) {
    const run = item.value as unknown as QualityRunRecord;
    const list = out.get(run.suite) ?? [];
    list.push(run);
    out.set(run.suite, list);
  }
  for (const [suite, runs] of out) {
    runs.sort((a, b) => (a.finishedAt < b.finishedAt ? 1 : a.finishedAt > b.finishedAt ? -1 : 0));
    out.set(suite, runs.slice(0, perSuite));
  }
  return out;
}
