import type {
  ExpectationFailedV1,
  KpiAnomalyDetectedV1,
  KpiAnomalyResolvedV1,
  QualityRunCompletedV1,
} from '@lakeops/contracts';
import type { KpiVerdict } from '@lakeops/core';
import type { ExpectationResult } from './data-tests.ts';

/**
 * The events a quality run sends: one `expectation.failed` per failed expectation and one
 * `quality.run.completed`. The pair (`table`, `expectation`) is the failure's identity: it is the
 * same on every run and partition while the failure persists, so alerting can deduplicate on it.
 * No row values travel: counts, shares, thresholds, and the keys of a few offending rows when the
 * key columns are not personal data (`ExpectationResult.sampleKeys`).
 *
 * @example
 * ```ts
 * const { failed, completed } = qualityRunEvents(results, { runId, suite: 'daily', startedAt, finishedAt, dt });
 * ```
 */
export function qualityRunEvents(
  results: readonly ExpectationResult[],
  run: { runId: string; suite: string; startedAt: Date; finishedAt: Date; dt?: string; error?: boolean },
): { failed: ExpectationFailedV1[]; completed: QualityRunCompletedV1 } {
  const partition = run.dt === undefined ? {} : { partition: `dt=${run.dt}` };
  const failed = results
    .filter((r) => !r.success)
    .map(
      (r): ExpectationFailedV1 => ({
        v: 1,
        run_id: run.runId,
        suite: run.suite,
        table: r.table,
        expectation: r.expectation.slice(0, 256),
        severity: r.severity,
        observed: r.observed ?? 'none',
        threshold: r.threshold,
        ...(r.dt === null ? {} : { partition: `dt=${r.dt}` }),
        ...(r.sampleKeys.length ? { sample_keys: r.sampleKeys.slice(0, 20) } : {}),
      }),
    );
  const completed: QualityRunCompletedV1 = {
    v: 1,
    run_id: run.runId,
    suite: run.suite,
    started_at: run.startedAt.toISOString(),
    finished_at: run.finishedAt.toISOString(),
    status: run.error ? 'error' : failed.length ? 'failed' : 'passed',
    expectations_total: results.length,
    expectations_failed: failed.length,
    tables: [...new Set(results.map((r) => r.table))].slice(0, 500),
    ...partition,
  };
  return { failed, completed };
}

/** The latest judged (not skipped) verdict of each metric and scope, keyed `<metric>|<scope>`. */
export function latestJudged(verdicts: readonly KpiVerdict[]): Map<string, KpiVerdict> {
  const latest = new Map<string, KpiVerdict>();
  for (const v of verdicts) {
    if (v.status === 'skipped') continue;
    const key = `${v.metric}|${v.scope}`;
    const seen = latest.get(key);
    if (!seen || seen.date < v.date) latest.set(key, v);
  }
  return latest;
}

/** An anomaly still open (detected, not yet resolved), keyed by `<metric>|<scope>`. */
export interface OpenKpiAnomaly {
  readonly key: string;
  readonly detectedAt: string;
}

/**
 * `kpi.anomaly.detected` when a scope's latest judged day is an anomaly and none is open for it,
 * `kpi.anomaly.resolved` when it is back in range and one was open. A day that was not judged
 * (missing, no impressions, holiday, low volume) neither opens nor resolves anything. The caller
 * keeps `open` between runs (a table or a state port) and gets the new set back.
 *
 * @example
 * ```ts
 * const { detected, resolved, open } = kpiAnomalyEvents(verdicts, previousOpen, clock.now());
 * ```
 */
export function kpiAnomalyEvents(
  verdicts: readonly KpiVerdict[],
  open: readonly OpenKpiAnomaly[],
  now: Date,
): { detected: KpiAnomalyDetectedV1[]; resolved: KpiAnomalyResolvedV1[]; open: OpenKpiAnomaly[] } {
  const stillOpen = new Map(open.map((o) => [o.key, o]));
  const latest = latestJudged(verdicts);
  const detected: KpiAnomalyDetectedV1[] = [];
  const resolved: KpiAnomalyResolvedV1[] = [];
  const at = now.toISOString();
  for (const [key, v] of latest) {
    if (v.observed === null || v.baseline === null || v.deltaPct === null) continue;
    const common = {
      v: 1 as const,
      metric: v.metric,
      dt: v.date,
      observed: v.observed,
      baseline: v.baseline,
      delta_pct: Number(v.deltaPct.toFixed(2)),
      baseline_days: v.detector === 'plan-7d' ? 7 : 42,
      ...(v.scope === 'all' ? {} : { segment: `city=${v.scope}` }),
    };
    const previous = stillOpen.get(key);
    if (v.status === 'anomaly' && !previous) {
      detected.push({
        ...common,
        direction: v.observed >= v.baseline ? 'up' : 'down',
        severity: v.severity === 'critical' ? 'critical' : 'warning',
        detected_at: at,
      });
      stillOpen.set(key, { key, detectedAt: at });
    } else if (v.status === 'normal' && previous) {
      resolved.push({ ...common, detected_at: previous.detectedAt, resolved_at: at });
      stillOpen.delete(key);
    }
  }
  return { detected, resolved, open: [...stillOpen.values()] };
}
