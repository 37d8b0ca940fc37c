import { StatsInputInvalidError } from '../errors.ts';
import { DEFAULT_POWER, detectableMultiple } from './power.ts';
import { normalIsf, normalSf } from './special.ts';
import {
  type Comparison,
  cupedAdjust,
  type Summary,
  sampleRatioMismatch,
  sequentialInterval,
  summarize,
  twoProportionZTest,
  welchTTest,
} from './tests.ts';

/** One unit's row: variant, metric value, and (for CUPED) its pre-period value. */
export interface UnitRow {
  readonly variant: string;
  readonly value: number;
  readonly pre?: number;
}

export interface AnalyzeOptions {
  readonly metricType: 'mean' | 'proportion';
  readonly cuped?: boolean;
  readonly sequential?: boolean;
  /** Two-sided level (default 0.05). */
  readonly alpha?: number;
  /** The declared weights of control and treatment, in that order: adds the SRM check. */
  readonly weights?: readonly [number, number];
}

/** What `lakeops exp stats` prints (snake_case keys). */
export interface MetricResult {
  readonly variants: Readonly<Record<string, { n: number; mean: number }>>;
  readonly control: string;
  readonly treatment: string;
  readonly delta: number;
  readonly relative_delta: number | null;
  readonly ci_low: number;
  readonly ci_high: number;
  readonly p_value: number;
  readonly method: string;
  /** 1 − Var(δ̂ with CUPED) / Var(δ̂ without): the share of the estimate's variance CUPED removed. */
  readonly variance_reduction: number | null;
  /**
   * The minimum detectable effect: the smallest true difference (in the metric's unit) whose
   * estimate would fall outside this interval's half-width with 80 % probability, at this n and
   * standard error (both tails). A real effect below it is more likely missed than found.
   */
  readonly mde: number;
  readonly alpha: number;
  readonly theta?: number;
  /** With `weights`: the chi-square sample-ratio-mismatch p-value, and whether it is below 0.001. */
  readonly srm_p_value?: number;
  readonly srm_mismatch?: boolean;
}

/**
 * Compares two variants' per-unit values. The control is the variant named `control`, else the
 * first one met. Means: Welch's t; proportions (values 0/1): the two-proportion z-test. With
 * `cuped`, the values are CUPED-adjusted first (then a Welch t for means, a z with the unpooled
 * standard error for proportions); with `sequential`, the interval and p-value are always-valid
 * (normal mixture) instead of fixed-horizon.
 *
 * @example
 * analyzeMetric(rows, { metricType: 'mean', cuped: true }).p_value
 */
export function analyzeMetric(rows: readonly UnitRow[], options: AnalyzeOptions): MetricResult {
  const alpha = options.alpha ?? 0.05;
  if (rows.length === 0) throw new StatsInputInvalidError('no rows');
  const byVariant = new Map<string, UnitRow[]>();
  for (const row of rows) {
    const list = byVariant.get(row.variant) ?? [];
    list.push(row);
    byVariant.set(row.variant, list);
  }
  const names = [...byVariant.keys()];
  if (names.length === 1)
    throw new StatsInputInvalidError(`one variant ('${names[0]}'); a comparison needs two`);
  if (names.length > 2)
    throw new StatsInputInvalidError(`${names.length} variants (${names.join(', ')}); compare two at a time`);
  const control = names.includes('control') ? 'control' : (names[0] as string);
  const treatment = names.find((n) => n !== control) as string;
  const a = byVariant.get(control) ?? [];
  const b = byVariant.get(treatment) ?? [];
  if (options.metricType === 'proportion') {
    const bad = rows.find((r) => r.value !== 0 && r.value !== 1);
    if (bad) throw new StatsInputInvalidError(`a proportion's values are 0 or 1, got ${bad.value}`);
  }
  const sa = summarize(a.map((r) => r.value));
  const sb = summarize(b.map((r) => r.value));
  const variants = { [control]: { n: sa.n, mean: sa.mean }, [treatment]: { n: sb.n, mean: sb.mean } };

  let comparison: Comparison;
  let method: string;
  let varianceReduction: number | null = null;
  let theta: number | undefined;
  if (options.cuped) {
    const missing = rows.find((r) => r.pre === undefined);
    if (missing) throw new StatsInputInvalidError('CUPED needs a pre_value for every unit');
    const unit = (r: UnitRow) => ({ y: r.value, x: r.pre as number });
    const adjusted = cupedAdjust(a.map(unit), b.map(unit));
    theta = adjusted.theta;
    const ca = summarize(adjusted.control);
    const cb = summarize(adjusted.treatment);
    if (options.metricType === 'mean') {
      const raw = welchTTest(sa, sb, alpha);
      comparison = welchTTest(ca, cb, alpha);
      varianceReduction = 1 - comparison.se ** 2 / raw.se ** 2;
      method = 'cuped-welch-t';
    } else {
      const raw = twoProportionZTest(counts(sa), counts(sb), alpha);
      comparison = normalComparison(ca, cb, alpha);
      varianceReduction = 1 - comparison.se ** 2 / raw.se ** 2;
      method = 'cuped-z';
    }
    comparison = { ...comparison, relativeDelta: sa.mean === 0 ? null : comparison.delta / sa.mean };
  } else if (options.metricType === 'mean') {
    comparison = welchTTest(sa, sb, alpha);
    method = 'welch-t';
  } else {
    comparison = twoProportionZTest(counts(sa), counts(sb), alpha);
    method = 'two-proportion-z';
  }
  let { ciLow, ciHigh, pValue } = comparison;
  if (options.sequential) {
    const s = sequentialInterval(comparison.delta, comparison.se, sa.n + sb.n, alpha);
    ({ ciLow, ciHigh, pValue } = s);
    method = `sequential-normal-mixture${options.cuped ? '-cuped' : ''}`;
  }
  const halfwidth = (ciHigh - ciLow) / 2;
  const mde =
    comparison.se > 0 ? detectableMultiple(halfwidth / comparison.se, DEFAULT_POWER) * comparison.se : 0;
  return {
    variants,
    control,
    treatment,
    delta: comparison.delta,
    relative_delta: comparison.relativeDelta,
    ci_low: ciLow,
    ci_high: ciHigh,
    p_value: pValue,
    method,
    variance_reduction: varianceReduction,
    mde,
    alpha,
    ...(theta === undefined ? {} : { theta }),
    ...srm(sa.n, sb.n, options.weights),
  };
}

function srm(na: number, nb: number, weights: readonly [number, number] | undefined) {
  if (weights === undefined) return {};
  const check = sampleRatioMismatch([na, nb], weights);
  return { srm_p_value: check.pValue, srm_mismatch: check.mismatch };
}

function counts(s: Summary) {
  return { successes: Math.round(s.mean * s.n), n: s.n };
}

/**
 * A z comparison with the unpooled standard error, for CUPED-adjusted proportions (the adjusted
 * values are no longer 0/1): Welch's statistic read on the normal distribution.
 */
function normalComparison(a: Summary, b: Summary, alpha: number): Comparison {
  const { delta, se } = welchTTest(a, b, alpha);
  const crit = normalIsf(alpha / 2);
  return {
    delta,
    relativeDelta: null,
    se,
    ciLow: delta - crit * se,
    ciHigh: delta + crit * se,
    pValue: 2 * normalSf(Math.abs(delta / se)),
    statistic: delta / se,
    df: null,
  };
}

/**
 * Reads `variant,value[,pre_value]` per unit (a header row naming `variant` is skipped). Every
 * problem is one `StatsInputInvalidError` naming the line.
 */
export function parseUnitCsv(text: string): UnitRow[] {
  const lines = text.split(/\r?\n/);
  const rows: UnitRow[] = [];
  let width: number | undefined;
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const cells = line.split(',').map((c) => c.trim());
    if (rows.length === 0 && width === undefined && cells[0]?.toLowerCase() === 'variant') {
      width = cells.length;
      continue;
    }
    const where = `line ${i + 1}`;
    if (cells.length < 2 || cells.length > 3)
      throw new StatsInputInvalidError(
        `${where}: expected variant,value[,pre_value], got ${cells.length} field(s)`,
      );
    const [variant, value, pre] = cells as [string, string, string | undefined];
    if (variant === '') throw new StatsInputInvalidError(`${where}: empty variant`);
    const num = (cell: string, what: string) => {
      if (cell === '') throw new StatsInputInvalidError(`${where}: empty ${what}`);
      const n = Number(cell);
      if (!Number.isFinite(n))
        throw new StatsInputInvalidError(`${where}: ${what} '${cell}' is not a number`);
      return n;
    };
    rows.push({
      variant,
      value: num(value, 'value'),
      ...(pre === undefined ? {} : { pre: num(pre, 'pre_value') }),
    });
  }
  if (rows.length === 0) throw new StatsInputInvalidError('no rows');
  return rows;
}
