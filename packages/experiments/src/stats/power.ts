import { StatsInputInvalidError } from '../errors.ts';
import { normalCdf, normalIsf, normalSf } from './special.ts';

/** The power `exp analyze` reports its minimum detectable effect at (80 %, the usual planning value). */
export const DEFAULT_POWER = 0.8;

/**
 * The probability that a two-sided test whose interval is `estimate ± crit · se` excludes 0 when
 * the true difference is `k · se`: P(|N(k, 1)| > crit) = Φ(k − crit) + Φ(−k − crit). Both tails
 * count, as in statsmodels' `normal_power`.
 */
export function detectionProbability(k: number, crit: number): number {
  return normalSf(crit - k) + normalCdf(-k - crit);
}

/**
 * The power of the two-sample z-test for a standardised effect `d = δ / σ` with `n1` units in the
 * first group and `ratio · n1` in the second, two-sided at `alpha` (statsmodels
 * `NormalIndPower().power(d, n1, alpha, ratio)`).
 */
export function twoSamplePower(d: number, n1: number, alpha: number, ratio = 1): number {
  return detectionProbability(d * Math.sqrt(effectiveN(n1, ratio)), normalIsf(alpha / 2));
}

/**
 * The `k` for which {@link detectionProbability}(k, crit) = power: the minimum detectable effect
 * in units of the estimate's standard error. Bisection to the last bit (the probability rises
 * with k).
 */
export function detectableMultiple(crit: number, power: number): number {
  checkPower(power);
  if (!(Number.isFinite(crit) && crit > 0))
    throw new StatsInputInvalidError(`a critical value > 0, got ${crit}`);
  let lo = 0;
  let hi = crit + normalIsf(1 - power) + 1;
  while (detectionProbability(hi, crit) < power) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > Number.EPSILON * hi; i++) {
    const mid = (lo + hi) / 2;
    if (detectionProbability(mid, crit) < power) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The smallest standardised effect `δ / σ` the two-sample z-test detects with probability `power`
 * at `n1` and `ratio · n1` units (statsmodels `NormalIndPower().solve_power(effect_size=None, …)`).
 */
export function detectableEffectSize(n1: number, alpha: number, power: number, ratio = 1): number {
  if (!(n1 > 0)) throw new StatsInputInvalidError(`a group size > 0, got ${n1}`);
  return detectableMultiple(normalIsf(alpha / 2), power) / Math.sqrt(effectiveN(n1, ratio));
}

/**
 * Units needed in the first group (the second has `ratio` times as many) for the two-sample
 * z-test to detect the standardised effect `d = δ / σ` with probability `power`, two-sided at
 * `alpha` (statsmodels `NormalIndPower().solve_power(nobs1=None, …)`); not rounded.
 */
export function sampleSizeForEffect(d: number, alpha: number, power: number, ratio = 1): number {
  if (!(Number.isFinite(d) && d !== 0))
    throw new StatsInputInvalidError(`an effect size other than 0, got ${d}`);
  if (!(ratio > 0)) throw new StatsInputInvalidError(`a group ratio > 0, got ${ratio}`);
  const k = detectableMultiple(normalIsf(alpha / 2), power);
  // k = |d| · sqrt(nEff), nEff = 1 / (1/n1 + 1/(ratio·n1)) = n1 · ratio / (1 + ratio)
  return ((k / Math.abs(d)) ** 2 * (1 + ratio)) / ratio;
}

function effectiveN(n1: number, ratio: number): number {
  return 1 / (1 / n1 + 1 / (ratio * n1));
}

function checkPower(power: number): void {
  if (!(power > 0 && power < 1)) throw new StatsInputInvalidError(`power between 0 and 1, got ${power}`);
}
