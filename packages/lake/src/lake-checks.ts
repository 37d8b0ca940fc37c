import {
  type Clock,
  detectKpiAnomalies,
  type EventPublisher,
  type KpiMetric,
  type KpiVerdict,
  type QualifiedTableName,
  type QueryEngine,
  qualifiedName,
  recordQualityRun,
  type StateStore,
  type StateValue,
  type TableDefinition,
} from '@lakeops/core';
import { type Expectation, type ExpectationResult, runExpectations } from './data-tests.ts';
import { suiteFor } from './expectation-suites.ts';
import { kpiLakeSql, kpiSeriesOfRows } from './kpi-series.ts';
import { kpiAnomalyEvents, latestJudged, type OpenKpiAnomaly, qualityRunEvents } from './quality-events.ts';

/** The sources of the quality and KPI events (the event catalogue's producers). */
export const qualitySource = 'lakeops.quality';
export const kpiSource = 'lakeops.kpi';

export interface QualityCheckOutcome {
  readonly runId: string;
  readonly dt: string;
  readonly status: 'passed' | 'failed' | 'error';
  readonly tables: number;
  readonly expectations: number;
  readonly failed: number;
  /** Tables whose expectations could not run, with the reason (their other tables still ran). */
  readonly errors: readonly { readonly table: string; readonly reason: string }[];
}

/**
 * The daily quality run: every table's suite (the catalog's column checks, then its suite file)
 * on partition `dt` (tables not partitioned by `dt` whole), each table's run recorded in the state
 * store (where the ops console reads it), then one `expectation.failed` per failed expectation and
 * one `quality.run.completed` for the run onto the bus. A table whose checks cannot run (a missing
 * table, a failed query) is reported in the completion as an error; the others still run.
 *
 * @example
 * ```ts
 * await runQualityChecks({ engine, state, events, clock }, { runId, dt: '2026-11-30', tables, suites });
 * ```
 */
export async function runQualityChecks(
  deps: { engine: QueryEngine; state: StateStore; events: EventPublisher; clock: Clock },
  input: {
    readonly runId: string;
    readonly dt: string;
    readonly tables: readonly TableDefinition[];
    readonly suites: ReadonlyMap<QualifiedTableName, readonly Expectation[]>;
  },
): Promise<QualityCheckOutcome> {
  const startedAt = deps.clock.now();
  const results: ExpectationResult[] = [];
  const errors: { table: string; reason: string }[] = [];
  let tables = 0;
  for (const table of input.tables.filter((t) => t.zone !== 'bronze')) {
    const suite = suiteFor(table, input.suites);
    if (!suite.length) continue;
    tables++;
    const tableStarted = deps.clock.now();
    let verdicts: ExpectationResult[];
    try {
      verdicts = await runExpectations({ engine: deps.engine, clock: deps.clock }, table, suite, {
        dt: input.dt,
      });
    } catch (error) {
      errors.push({
        table: qualifiedName(table),
        reason: error instanceof Error ? error.message : String(error),
      });
      continue;
    }
    results.push(...verdicts);
    await recordQualityRun(
      { state: deps.state, clock: deps.clock },
      {
        suite: qualifiedName(table),
        runId: input.runId,
        startedAt: tableStarted,
        dt: input.dt,
        results: verdicts,
      },
    );
  }
  const { failed, completed } = qualityRunEvents(results, {
    runId: input.runId,
    suite: 'daily',
    startedAt,
    finishedAt: deps.clock.now(),
    dt: input.dt,
    error: errors.length > 0,
  });
  await deps.events.publish([
    ...failed.map((detail) => ({
      source: qualitySource,
      detailType: 'expectation.failed',
      detail: { ...detail },
    })),
    { source: qualitySource, detailType: 'quality.run.completed', detail: { ...completed } },
  ]);
  return {
    runId: input.runId,
    dt: input.dt,
    status: completed.status,
    tables,
    expectations: results.length,
    failed: failed.length,
    errors,
  };
}

/** The state item holding the KPI anomalies still open (detected, not yet resolved). */
export const kpiOpenKey = { pk: 'kpi#open', sk: 'anomalies' } as const;

export interface KpiCheckOutcome {
  /** The latest judged day per metric and scope. */
  readonly judged: readonly {
    readonly metric: KpiMetric;
    readonly scope: string;
    readonly date: string;
    readonly status: string;
  }[];
  readonly detected: number;
  readonly resolved: number;
  readonly open: number;
}

/**
 * The daily KPI check: GMV per city and in total (gold.kpi_gmv_daily) and CTR (gold.kpi_promo_ctr)
 * judged with the robust detector; `kpi.anomaly.detected` for a scope whose latest judged day is an
 * anomaly and has none open, `kpi.anomaly.resolved` when it is back in range. The open anomalies
 * live in the state store (`kpi#open`), written with a version check so two overlapping runs
 * cannot both open (or both resolve) the same anomaly: the loser fails and its retry sees the
 * winner's state. Events are published before the state moves: a crash in between repeats an
 * event (alerting deduplicates it), never loses one.
 *
 * @example
 * ```ts
 * await runKpiCheck({ engine, state, events, clock });
 * ```
 */
export async function runKpiCheck(deps: {
  engine: QueryEngine;
  state: StateStore;
  events: EventPublisher;
  clock: Clock;
}): Promise<KpiCheckOutcome> {
  const verdicts: KpiVerdict[] = [];
  for (const metric of ['gmv', 'ctr'] as const) {
    const series = kpiSeriesOfRows(metric, await deps.engine.query(kpiLakeSql[metric]));
    for (const s of series) verdicts.push(...detectKpiAnomalies(s, { detector: 'robust' }).verdicts);
  }
  const current = await deps.state.get(kpiOpenKey);
  const open = Array.isArray(current?.value) ? (current.value as unknown as OpenKpiAnomaly[]) : [];
  const next = kpiAnomalyEvents(verdicts, open, deps.clock.now());
  await deps.events.publish([
    ...next.detected.map((detail) => ({
      source: kpiSource,
      detailType: 'kpi.anomaly.detected',
      detail: { ...detail },
    })),
    ...next.resolved.map((detail) => ({
      source: kpiSource,
      detailType: 'kpi.anomaly.resolved',
      detail: { ...detail },
    })),
  ]);
  await deps.state.put(kpiOpenKey, next.open as unknown as StateValue, {
    if: current ? current.version : 'absent',
  });
  return {
    judged: [...latestJudged(verdicts).values()].map((v) => ({
      metric: v.metric,
      scope: v.scope,
      date: v.date,
      status: v.status,
    })),
    detected: next.detected.length,
    resolved: next.resolved.length,
    open: next.open.length,
  };
}
