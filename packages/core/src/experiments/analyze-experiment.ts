import {
  analyzeMetric,
  type Experiment,
  type MetricResult,
  StatsInputInvalidError,
  sampleRatioMismatch,
  type UnitRow,
} from '@lakeops/experiments';
import type { QueryEngine, Row } from '../lake/query-engine.port.ts';
import type { TableDefinition } from '../lake/table.ts';
import type { Clock } from '../shared/clock.port.ts';
import { LakeopsError } from '../shared/errors.ts';
import type { EventPublisher, PublishedEvent } from '../shared/event-publisher.port.ts';

/**
 * The per-user metrics an analysis can read, by the name experiments declare in `primaryMetrics`
 * and `guardrails`. The units query returns `<metric>` (the experiment window, from each unit's
 * first exposure day) and one `covariate` built from the pre-period before the start (CUPED).
 * `harmful`: the direction that breaches a guardrail.
 */
export const experimentMetrics = {
  gmv_per_user: { type: 'mean', harmful: 'down', description: 'GMV of the legs confirmed, per user' },
  conversion_rate: { type: 'proportion', harmful: 'down', description: 'users with a confirmed leg' },
  refund_rate: { type: 'proportion', harmful: 'up', description: 'users refunded at least once' },
  complaint_rate: {
    type: 'proportion',
    harmful: 'up',
    description: 'users who marked a notification as spam',
  },
  comms_bounce_rate: {
    type: 'proportion',
    harmful: 'up',
    description: 'users with a bounced notification',
  },
} as const satisfies Readonly<
  Record<string, { type: 'mean' | 'proportion'; harmful: 'up' | 'down'; description: string }>
>;
export type ExperimentMetric = keyof typeof experimentMetrics;

const isMetric = (name: string): name is ExperimentMetric => Object.hasOwn(experimentMetrics, name);

/** The days an analysis reads (all `YYYY-MM-DD`, UTC). */
export interface ExperimentWindow {
  readonly expKey: string;
  /** The experiment's first day: its declared `start`, else the day of its first exposure. */
  readonly start: string;
  /** First day of the pre-period (the covariate covers `preFrom` … the day before `start`). */
  readonly preFrom: string;
  /** The analysis day: the last day counted. */
  readonly to: string;
}

/** One row of `gold.exp_results` (partition keys `dt`, `exp_key` included). */
export interface ExpResultRow {
  readonly metric: string;
  readonly metric_type: 'mean' | 'proportion';
  readonly role: 'primary' | 'guardrail';
  readonly variant: string;
  readonly is_control: boolean;
  readonly n: number;
  readonly mean: number;
  readonly delta: number | null;
  readonly relative_delta: number | null;
  readonly ci_low: number | null;
  readonly ci_high: number | null;
  readonly p_value: number | null;
  readonly method: string;
  readonly variance_reduction: number | null;
  /** The minimum detectable effect at 80 % power (see `MetricResult.mde`); null on the control row. */
  readonly mde: number | null;
  readonly alpha: number;
  readonly srm_p_value: number;
  readonly guardrail_breached: boolean | null;
  readonly window_start: string;
  readonly pre_period_start: string;
  /** RFC 3339 UTC. */
  readonly analysed_at: string;
  readonly dt: string;
  readonly exp_key: string;
}

/**
 * The SQL an analysis runs, rendered by the lake (`loadExperimentQueries()` of @lakeops/lake) from
 * its `.sql` files, so one text serves DuckDB and Athena.
 */
export interface ExperimentQueries {
  /** One row, `first_exposed_on` (`YYYY-MM-DD`, null without exposures). */
  firstExposureSql(expKey: string): string;
  /** One row per analysable unit: `variant`, `<metric>` per metric, `covariate` (pre-period, for CUPED). */
  unitsSql(window: ExperimentWindow): string;
  /** A SELECT of the given result rows, for `QueryEngine.writePartitions`. */
  resultsSql(rows: readonly ExpResultRow[]): string;
}

export interface AnalyzeExperimentInput {
  readonly experiment: Experiment;
  /** `gold.exp_results` from the catalog. */
  readonly resultsTable: TableDefinition;
  readonly queries: ExperimentQueries;
  /** This run's id, carried in the alert events. */
  readonly runId: string;
  /** The analysis day (`YYYY-MM-DD`); default today (UTC). */
  readonly day?: string;
  /** Days of pre-period before the start, for CUPED (default 28). */
  readonly preDays?: number;
  /** CUPED on the pre-period covariate (default true). */
  readonly cuped?: boolean;
  /** Two-sided level (default 0.05). */
  readonly alpha?: number;
  /** SRM alarm level (default 0.001). */
  readonly srmThreshold?: number;
}

export interface AnalyzeExperimentResult {
  readonly expKey: string;
  readonly window: ExperimentWindow;
  readonly analysis: 'sequential' | 'fixed';
  readonly rows: readonly ExpResultRow[];
  /** Units per variant (exposed, with a user id, not in two variants). */
  readonly counts: Readonly<Record<string, number>>;
  readonly srm: { readonly pValue: number; readonly mismatch: boolean };
  /** Declared metrics no per-user data exists for (e.g. `slo_latency_p95`), with the reason. */
  readonly skipped: readonly { readonly metric: string; readonly reason: string }[];
  readonly events: readonly PublishedEvent[];
}

/** The experiment cannot be analysed yet (no exposures, one variant exposed, a window that is wrong). */
export class ExperimentAnalysisInvalidError extends LakeopsError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ExperimentAnalysisInvalid', message, { retryable: false, ...options });
  }
}

export const experimentsSource = 'lakeops.experiments';
const DAY_MS = 86_400_000;
const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

function num(row: Row, column: string): number {
  const v = row[column];
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n))
    throw new ExperimentAnalysisInvalidError(`the units query returned ${column} = ${String(v)}`);
  return n;
}

/**
 * Analyses one experiment as of a day: reads each exposed unit's variant and per-user metrics
 * (experiment window and pre-period) through the engine, compares every variant with control on
 * each declared metric (Welch's t for means, two-proportion z for rates; CUPED on the
 * pre-period; the always-valid normal-mixture interval when the experiment's `analysis` is
 * `sequential`, the fixed-horizon one when `fixed`), checks the split against the declared
 * weights (chi-square SRM), writes the rows to `gold.exp_results` (partition `dt`, `exp_key`,
 * replaced atomically) and publishes `exp.srm.detected` and `exp.guardrail.breached` for the
 * alert routing. Metrics without per-user data are reported as skipped.
 *
 * @example
 * ```ts
 * const result = await analyzeExperiment({ engine, events, clock }, {
 *   experiment: catalog.get('search-ranking-v3'), resultsTable: expResults,
 *   queries: await loadExperimentQueries(), runId: 'exp-1',
 * });
 * ```
 */
export async function analyzeExperiment(
  deps: { engine: QueryEngine; events: EventPublisher; clock: Clock },
  input: AnalyzeExperimentInput,
): Promise<AnalyzeExperimentResult> {
  const { engine, events, clock } = deps;
  const { experiment, queries } = input;
  const alpha = input.alpha ?? 0.05;
  const preDays = input.preDays ?? 28;
  const now = clock.now();
  const to = input.day ?? now.toISOString().slice(0, 10);
  if (!dayPattern.test(to)) throw new ExperimentAnalysisInvalidError(`day must be YYYY-MM-DD, got '${to}'`);
  if (!Number.isInteger(preDays) || preDays < 1)
    throw new ExperimentAnalysisInvalidError(`preDays must be a whole number of 1 or more, got ${preDays}`);

  let start = experiment.start === null ? null : new Date(experiment.start).toISOString().slice(0, 10);
  if (start === null) {
    const [first] = await engine.query(queries.firstExposureSql(experiment.key));
    const v = first?.first_exposed_on;
    if (typeof v !== 'string')
      throw new ExperimentAnalysisInvalidError(
        `no exposures of '${experiment.key}' in silver.dim_exposure (is the lake built?)`,
      );
    start = v.slice(0, 10);
  }
  if (start > to)
    throw new ExperimentAnalysisInvalidError(
      `'${experiment.key}' starts on ${start}, after the day analysed ${to}`,
    );
  const window: ExperimentWindow = { expKey: experiment.key, start, preFrom: addDays(start, -preDays), to };

  const units = await engine.query(queries.unitsSql(window));
  const counts: Record<string, number> = Object.fromEntries(experiment.variants.map((v) => [v, 0]));
  const unknown = new Set<string>();
  for (const u of units) {
    const variant = String(u.variant);
    if (variant in counts) counts[variant] = (counts[variant] ?? 0) + 1;
    else unknown.add(variant);
  }
  if (unknown.size)
    throw new ExperimentAnalysisInvalidError(
      `'${experiment.key}' exposures name variants it does not declare: ${[...unknown].join(', ')}`,
    );
  const control = experiment.variants[0] as string;
  const exposed = experiment.variants.filter((v) => (counts[v] ?? 0) > 0);
  if (exposed.length < 2)
    throw new ExperimentAnalysisInvalidError(
      units.length === 0
        ? `no exposed units of '${experiment.key}' up to ${to}`
        : `only one variant of '${experiment.key}' has exposed units (${exposed.join(', ')}); a comparison needs two`,
    );
  if (!exposed.includes(control))
    throw new ExperimentAnalysisInvalidError(`no unit of '${experiment.key}' is in the control (${control})`);

  const srmCheck = sampleRatioMismatch(
    experiment.variants.map((v) => counts[v] ?? 0),
    experiment.weights,
    input.srmThreshold ?? 0.001,
  );

  const declared = [
    ...experiment.primaryMetrics.map((m) => ({ metric: m, role: 'primary' as const })),
    ...experiment.guardrails
      .filter((m) => !experiment.primaryMetrics.includes(m))
      .map((m) => ({ metric: m, role: 'guardrail' as const })),
  ];
  const skipped: { metric: string; reason: string }[] = declared
    .filter((d) => !isMetric(d.metric))
    .map((d) => ({ metric: d.metric, reason: 'no per-user data for it in the lake' }));
  const analysedAt = now.toISOString();
  const rows: ExpResultRow[] = [];
  const published: PublishedEvent[] = [];
  const sequential = experiment.analysis === 'sequential';
  for (const { metric, role } of declared) {
    if (!isMetric(metric)) continue;
    const spec = experimentMetrics[metric];
    const unitRows: UnitRow[] = units.map((u) => ({
      variant: String(u.variant),
      value: num(u, metric),
      pre: num(u, 'covariate'),
    }));
    // A metric nobody moved (no complaint at all) has nothing to test; a constant pre-period
    // (nobody bounced before the start) cannot adjust, so that metric goes without CUPED.
    if (constant(unitRows.map((r) => r.value))) {
      skipped.push({ metric, reason: `every unit has the same value (${unitRows[0]?.value ?? 0})` });
      continue;
    }
    const cuped = input.cuped !== false && !constant(unitRows.map((r) => r.pre ?? 0));
    const common = {
      metric,
      metric_type: spec.type,
      role,
      alpha,
      srm_p_value: srmCheck.pValue,
      window_start: start,
      pre_period_start: window.preFrom,
      analysed_at: analysedAt,
      dt: to,
      exp_key: experiment.key,
    } as const;
    let controlRow: ExpResultRow | undefined;
    for (const variant of exposed.filter((v) => v !== control)) {
      // Control rows first: analyzeMetric takes the first variant it meets as control.
      const pair = [
        ...unitRows.filter((r) => r.variant === control),
        ...unitRows.filter((r) => r.variant === variant),
      ];
      const result = compare(pair, spec.type, { cuped, sequential, alpha });
      const methodOf = result.method;
      controlRow ??= {
        ...common,
        variant: control,
        is_control: true,
        n: result.variants[control]?.n ?? 0,
        mean: result.variants[control]?.mean ?? 0,
        delta: null,
        relative_delta: null,
        ci_low: null,
        ci_high: null,
        p_value: null,
        method: methodOf,
        variance_reduction: null,
        mde: null,
        guardrail_breached: null,
      };
      const breached =
        role === 'guardrail' ? (spec.harmful === 'up' ? result.ci_low > 0 : result.ci_high < 0) : null;
      rows.push({
        ...common,
        variant,
        is_control: false,
        n: result.variants[variant]?.n ?? 0,
        mean: result.variants[variant]?.mean ?? 0,
        delta: result.delta,
        relative_delta: result.relative_delta,
        ci_low: result.ci_low,
        ci_high: result.ci_high,
        p_value: result.p_value,
        method: methodOf,
        variance_reduction: result.variance_reduction,
        mde: result.mde,
        guardrail_breached: breached,
      });
      if (breached) {
        published.push({
          source: experimentsSource,
          detailType: 'exp.guardrail.breached',
          detail: {
            v: 1,
            exp_key: experiment.key,
            dt: to,
            metric,
            variant,
            control,
            harmful_direction: spec.harmful,
            delta: result.delta,
            ...(result.relative_delta === null ? {} : { relative_delta: result.relative_delta }),
            ci_low: result.ci_low,
            ci_high: result.ci_high,
            p_value: result.p_value,
            method: methodOf,
            detected_at: analysedAt,
            run_id: input.runId,
          },
        });
      }
    }
    if (controlRow) rows.unshift(controlRow);
  }
  rows.sort((a, b) =>
    a.metric === b.metric
      ? Number(b.is_control) - Number(a.is_control) || a.variant.localeCompare(b.variant)
      : declared.findIndex((d) => d.metric === a.metric) - declared.findIndex((d) => d.metric === b.metric),
  );
  if (srmCheck.mismatch) {
    const total = experiment.variants.reduce((s, v) => s + (counts[v] ?? 0), 0);
    published.unshift({
      source: experimentsSource,
      detailType: 'exp.srm.detected',
      detail: {
        v: 1,
        exp_key: experiment.key,
        dt: to,
        srm_p_value: srmCheck.pValue,
        threshold: input.srmThreshold ?? 0.001,
        variants: experiment.variants.map((v, i) => ({
          variant: v,
          units: counts[v] ?? 0,
          expected_units: (total * (experiment.weights[i] ?? 0)) / 100,
        })),
        detected_at: analysedAt,
        run_id: input.runId,
      },
    });
  }
  if (rows.length) {
    await engine.writePartitions({
      table: input.resultsTable,
      sql: queries.resultsSql(rows),
      partitions: [{ dt: to, exp_key: experiment.key }],
    });
  }
  if (published.length) await events.publish(published);
  return {
    expKey: experiment.key,
    window,
    analysis: experiment.analysis,
    rows,
    counts,
    srm: { pValue: srmCheck.pValue, mismatch: srmCheck.mismatch },
    skipped,
    events: published,
  };
}

const constant = (values: readonly number[]) => values.every((v) => v === values[0]);

function compare(
  rows: readonly UnitRow[],
  metricType: 'mean' | 'proportion',
  options: { cuped: boolean; sequential: boolean; alpha: number },
): MetricResult {
  try {
    return analyzeMetric(rows, { metricType, ...options });
  } catch (error) {
    if (error instanceof StatsInputInvalidError)
      throw new ExperimentAnalysisInvalidError(error.message, { cause: error });
    throw error;
  }
}

export type ExperimentOutcome =
  | {
      readonly expKey: string;
      readonly status: 'analysed';
      readonly rows: number;
      readonly srmMismatch: boolean;
      readonly events: readonly string[];
    }
  | { readonly expKey: string; readonly status: 'skipped'; readonly reason: string };

/**
 * The daily run: every enabled experiment that has started by `day` (and not ended before it) is
 * analysed as of that day; one that cannot be yet (no exposures, one variant exposed) is reported
 * as skipped while the others go on. Any other failure is thrown (the scheduler retries).
 *
 * @example
 * ```ts
 * await analyzeExperiments(deps, { experiments: catalog.list(), resultsTable, queries, runId, day: '2026-11-30' });
 * ```
 */
export async function analyzeExperiments(
  deps: { engine: QueryEngine; events: EventPublisher; clock: Clock },
  input: Omit<AnalyzeExperimentInput, 'experiment'> & { readonly experiments: readonly Experiment[] },
): Promise<readonly ExperimentOutcome[]> {
  const { experiments, ...rest } = input;
  const day = input.day ?? deps.clock.now().toISOString().slice(0, 10);
  const outcomes: ExperimentOutcome[] = [];
  for (const experiment of experiments) {
    const skip = (reason: string) => outcomes.push({ expKey: experiment.key, status: 'skipped', reason });
    if (!experiment.enabled) {
      skip('disabled');
      continue;
    }
    if (experiment.start !== null && experiment.start.slice(0, 10) > day) {
      skip(`starts on ${experiment.start.slice(0, 10)}`);
      continue;
    }
    if (experiment.end !== null && new Date(experiment.end).toISOString().slice(0, 10) < day) {
      skip(`ended on ${new Date(experiment.end).toISOString().slice(0, 10)}`);
      continue;
    }
    try {
      const result = await analyzeExperiment(deps, { ...rest, experiment, day });
      outcomes.push({
        expKey: experiment.key,
        status: 'analysed',
        rows: result.rows.length,
        srmMismatch: result.srm.mismatch,
        events: result.events.map((e) => e.detailType),
      });
    } catch (error) {
      if (!(error instanceof ExperimentAnalysisInvalidError)) throw error;
      skip(error.message);
    }
  }
  return outcomes;
}
