import { StatsInputInvalidError } from '../errors.ts';
import { chiSquareSf, normalIsf, normalSf, studentTIsf, studentTTwoSided } from './special.ts';

/** n, mean and sample variance (ddof = 1) of one variant's per-unit values. */
export interface Summary {
  readonly n: number;
  readonly mean: number;
  readonly variance: number;
}

/** The estimate of treatment − control with its interval and p-value. */
export interface Comparison {
  readonly delta: number;
  /** delta / control mean (null when the control mean is 0). */
  readonly relativeDelta: number | null;
  readonly se: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly pValue: number;
  readonly statistic: number;
  /** Welch–Satterthwaite degrees of freedom (t tests only). */
  readonly df: number | null;
}

/** Summary of values by two passes (mean first, then squared deviations): no catastrophic cancellation. */
export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  let ss = 0;
  let comp = 0;
  for (const v of values) {
    ss += (v - mean) ** 2;
    comp += v - mean;
  }
  return { n, mean, variance: n > 1 ? (ss - (comp * comp) / n) / (n - 1) : Number.NaN };
}

function needTwo(s: Summary, label: string): void {
  if (s.n < 2)
    throw new StatsInputInvalidError(`${label} has ${s.n} unit(s); a test needs at least 2 per variant`);
}

/**
 * Welch's unequal-variance t-test of treatment − control, two-sided, with the t interval at
 * 1 − alpha (as `scipy.stats.ttest_ind(treatment, control, equal_var=False)`).
 *
 * @example
 * welchTTest(summarize(control), summarize(treatment)).pValue
 */
export function welchTTest(control: Summary, treatment: Summary, alpha = 0.05): Comparison {
  needTwo(control, 'control');
  needTwo(treatment, 'treatment');
  const va = control.variance / control.n;
  const vb = treatment.variance / treatment.n;
  const se = Math.sqrt(va + vb);
  const delta = treatment.mean - control.mean;
  if (!(se > 0)) throw new StatsInputInvalidError('both variants have zero variance: nothing to test');
  const df = (va + vb) ** 2 / (va ** 2 / (control.n - 1) + vb ** 2 / (treatment.n - 1));
  const t = delta / se;
  const crit = studentTIsf(alpha / 2, df);
  return {
    delta,
    relativeDelta: control.mean === 0 ? null : delta / control.mean,
    se,
    ciLow: delta - crit * se,
    ciHigh: delta + crit * se,
    pValue: studentTTwoSided(t, df),
    statistic: t,
    df,
  };
}

/** Successes and trials of one variant. */
export interface Counts {
  readonly successes: number;
  readonly n: number;
}

/**
 * Two-proportion z-test of treatment − control, two-sided: the statistic uses the pooled
 * proportion (as statsmodels' `proportions_ztest`), the interval the unpooled Wald standard error
 * (as statsmodels' `confint_proportions_2indep(method='wald', compare='diff')`).
 */
export function twoProportionZTest(control: Counts, treatment: Counts, alpha = 0.05): Comparison {
  for (const [c, label] of [
    [control, 'control'],
    [treatment, 'treatment'],
  ] as const) {
    if (c.n < 1) throw new StatsInputInvalidError(`${label} has no units`);
    if (c.successes < 0 || c.successes > c.n)
      throw new StatsInputInvalidError(`${label}: ${c.successes} successes out of ${c.n}`);
  }
  const pa = control.successes / control.n;
  const pb = treatment.successes / treatment.n;
  const pooled = (control.successes + treatment.successes) / (control.n + treatment.n);
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / treatment.n));
  if (!(sePooled > 0))
    throw new StatsInputInvalidError('every unit has the same outcome in both variants: nothing to test');
  const delta = pb - pa;
  const z = delta / sePooled;
  const se = Math.sqrt((pa * (1 - pa)) / control.n + (pb * (1 - pb)) / treatment.n);
  const crit = normalIsf(alpha / 2);
  return {
    delta,
    relativeDelta: pa === 0 ? null : delta / pa,
    se,
    ciLow: delta - crit * se,
    ciHigh: delta + crit * se,
    pValue: 2 * normalSf(Math.abs(z)),
    statistic: z,
    df: null,
  };
}

/** Sample-ratio-mismatch check: Pearson's chi-square of the observed counts against the weights. */
export interface SrmResult {
  readonly chiSquare: number;
  readonly df: number;
  readonly pValue: number;
  /** True when pValue < threshold (default 0.001, the usual SRM alarm level). */
  readonly mismatch: boolean;
}

/** As `scipy.stats.chisquare(observed, f_exp = total * weights / sum(weights))`. */
export function sampleRatioMismatch(
  observed: readonly number[],
  weights: readonly number[],
  threshold = 0.001,
): SrmResult {
  if (observed.length < 2 || observed.length !== weights.length)
    throw new StatsInputInvalidError(`SRM needs one count and one weight per variant (at least 2 variants)`);
  const total = observed.reduce((a, b) => a + b, 0);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  let chi = 0;
  for (const [i, o] of observed.entries()) {
    const e = (total * (weights[i] as number)) / weightSum;
    if (!(e > 0)) throw new StatsInputInvalidError(`SRM: variant ${i} expects no units (weight 0)`);
    chi += (o - e) ** 2 / e;
  }
  const df = observed.length - 1;
  const pValue = chiSquareSf(chi, df);
  return { chiSquare: chi, df, pValue, mismatch: pValue < threshold };
}

/** One unit: its variant index (0 = control), metric value and pre-period covariate. */
export interface CupedUnit {
  readonly y: number;
  readonly x: number;
}

/**
 * CUPED (Deng et al., 2013): y' = y − θ (x − x̄), with θ = cov(y, x) / var(x) computed on all units
 * of both variants pooled, and x̄ their pooled mean. Returns the adjusted values per variant and θ.
 */
export function cupedAdjust(
  control: readonly CupedUnit[],
  treatment: readonly CupedUnit[],
): { theta: number; control: number[]; treatment: number[] } {
  const all = [...control, ...treatment];
  const n = all.length;
  let sx = 0;
  let sy = 0;
  for (const u of all) {
    sx += u.x;
    sy += u.y;
  }
  const mx = sx / n;
  const my = sy / n;
  let cov = 0;
  let varX = 0;
  for (const u of all) {
    cov += (u.x - mx) * (u.y - my);
    varX += (u.x - mx) ** 2;
  }
  if (!(varX > 0)) throw new StatsInputInvalidError('CUPED: the pre-period covariate is constant');
  const theta = cov / varX;
  const adjust = (us: readonly CupedUnit[]) => us.map((u) => u.y - theta * (u.x - mx));
  return { theta, control: adjust(control), treatment: adjust(treatment) };
}

/** GrowthBook's default tuning: the boundary is tightest around this many units in total. */
export const SEQUENTIAL_TUNING_N = 5000;

/**
 * An always-valid (anytime) confidence interval and p-value for a difference of means, from the
 * two-sided normal-mixture boundary of Howard, Ramdas, McAuliffe & Sekhon (2021, "Time-uniform,
 * nonparametric, nonasymptotic confidence sequences", Annals of Statistics; arXiv:2103.06476), as
 * GrowthBook's stats engine computes it. With N units in total, the variance of the estimate
 * v = se² and σ² = v·N,
 *
 *   ρ²        = (−2 ln α + ln(1 − 2 ln α)) / N_tune            (N_tune = 5000)
 *   halfwidth = sqrt( σ² (N ρ² + 1) / (N² ρ²) · ln((N ρ² + 1) / α²) )
 *   p         = min(1, sqrt(N ρ² + 1) · exp( −δ² N² ρ² / (2 σ² (N ρ² + 1)) ))
 *
 * p is the α at which the interval δ ± halfwidth(α) just touches 0 (ρ held at its α = `alpha`
 * tuning), i.e. the reciprocal of the mixture likelihood ratio (mSPRT). Looking after every batch
 * keeps the false-positive rate at or below α.
 */
export function sequentialInterval(
  delta: number,
  se: number,
  totalN: number,
  alpha = 0.05,
  tuningN = SEQUENTIAL_TUNING_N,
): { ciLow: number; ciHigh: number; pValue: number; halfwidth: number } {
  const rho2 = (-2 * Math.log(alpha) + Math.log(1 - 2 * Math.log(alpha))) / tuningN;
  const s2 = se * se * totalN;
  const nr = totalN * rho2 + 1;
  const halfwidth = Math.sqrt(((s2 * nr) / (totalN * totalN * rho2)) * Math.log(nr / (alpha * alpha)));
  const pValue = Math.min(
    1,
    Math.sqrt(nr) * Math.exp((-delta * delta * totalN * totalN * rho2) / (2 * s2 * nr)),
  );
  return { ciLow: delta - halfwidth, ciHigh: delta + halfwidth, pValue, halfwidth };
}
