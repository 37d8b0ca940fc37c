import { readFileSync } from 'node:fs';

/** Reference results from SciPy / statsmodels, written by scripts/stats-reference.py. */
export const reference = JSON.parse(
  readFileSync(new URL('./fixtures/stats-reference.json', import.meta.url), 'utf8'),
) as Reference;

/** The agreement the issue asks for: 1e-9 relative. */
export const RELATIVE = 1e-9;

/** The largest relative difference between ours and theirs over the named fields ({} when none differs). */
export function relativeErrors(
  ours: Record<string, unknown>,
  theirs: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, expected] of Object.entries(theirs)) {
    const actual = ours[key];
    if (typeof actual !== 'number') {
      out[key] = Number.POSITIVE_INFINITY;
      continue;
    }
    const error = expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
    if (!(error <= RELATIVE)) out[key] = error;
  }
  return out;
}

type WelchExpected = {
  delta: number;
  se: number;
  df: number;
  statistic: number;
  p_value: number;
  ci_low: number;
  ci_high: number;
};
type Interval = {
  ci_low: number;
  ci_high: number;
  p_value: number;
};
type Summary = {
  n: number;
  mean: number;
  variance: number;
};
export interface Reference {
  alpha: number;
  distributions: {
    t_two_sided: [number, number, number][];
    t_isf: [number, number, number][];
    normal_sf: [number, number][];
    normal_isf: [number, number][];
    chi_square_sf: [number, number, number][];
  };
  welch_data: {
    name: string;
    control: number[];
    treatment: number[];
    expected: WelchExpected;
    sequential: Interval;
  }[];
  welch_summaries: { control: Summary; treatment: Summary; expected: WelchExpected }[];
  proportions: {
    control: { successes: number; n: number };
    treatment: { successes: number; n: number };
    expected: { delta: number; statistic: number; p_value: number; ci_low: number; ci_high: number };
  }[];
  srm: {
    observed: number[];
    weights: number[];
    expected: { chi_square: number; p_value: number; df: number };
  }[];
  cuped: {
    name: string;
    control: { value: number[]; pre: number[] };
    treatment: { value: number[]; pre: number[] };
    expected: WelchExpected & { theta: number; variance_reduction: number };
    sequential: Interval;
  }[];
  power: {
    /** [effect size, nobs1, ratio, alpha, power] */
    points: [number, number, number, number, number][];
    /** [effect size, ratio, alpha, power, nobs1 solved by statsmodels] */
    sample_sizes: [number, number, number, number, number][];
    /** [nobs1, ratio, alpha, power, effect size solved by statsmodels] */
    effect_sizes: [number, number, number, number, number][];
  };
}
