import { describe, expect, it } from 'vitest';
import { StatsInputInvalidError } from '../src/errors.ts';
import {
  cupedAdjust,
  sampleRatioMismatch,
  sequentialInterval,
  summarize,
  twoProportionZTest,
  welchTTest,
} from '../src/stats/tests.ts';
import { reference, relativeErrors } from './reference.ts';

const snake = (c: {
  delta: number;
  se: number;
  df: number | null;
  statistic: number;
  pValue: number;
  ciLow: number;
  ciHigh: number;
}) => ({
  delta: c.delta,
  se: c.se,
  df: c.df,
  statistic: c.statistic,
  p_value: c.pValue,
  ci_low: c.ciLow,
  ci_high: c.ciHigh,
});

describe('the tests against SciPy / statsmodels (1e-9 relative)', () => {
  it.each(reference.welch_data.map((c) => [c.name, c] as const))('Welch t on raw data: %s', (_name, c) => {
    // Act
    const ours = welchTTest(summarize(c.control), summarize(c.treatment));
    // Assess
    expect(relativeErrors(snake(ours), c.expected)).toEqual({});
  });

  it.each(reference.welch_summaries.map((c) => [`n ${c.control.n}/${c.treatment.n}`, c] as const))(
    'Welch t on summaries: %s',
    (_name, c) => {
      // Act
      const ours = welchTTest(c.control, c.treatment);
      // Assess
      expect(relativeErrors(snake(ours), c.expected)).toEqual({});
    },
  );

  it.each(
    reference.proportions.map(
      (c) =>
        [`${c.control.successes}/${c.control.n} vs ${c.treatment.successes}/${c.treatment.n}`, c] as const,
    ),
  )('two-proportion z: %s', (_name, c) => {
    // Act
    const ours = twoProportionZTest(c.control, c.treatment);
    // Assess
    expect(relativeErrors(snake(ours), c.expected)).toEqual({});
  });

  it.each(reference.srm.map((c) => [c.observed.join('/'), c] as const))('chi-square SRM: %s', (_name, c) => {
    // Act
    const ours = sampleRatioMismatch(c.observed, c.weights);
    // Assess
    expect(
      relativeErrors({ chi_square: ours.chiSquare, p_value: ours.pValue, df: ours.df }, c.expected),
    ).toEqual({});
    expect(ours.mismatch).toBe(c.expected.p_value < 0.001);
  });

  it.each(reference.cuped.map((c) => [c.name, c] as const))('CUPED then Welch: %s', (_name, c) => {
    // Prepare
    const units = (g: { value: number[]; pre: number[] }) =>
      g.value.map((y, i) => ({ y, x: g.pre[i] as number }));
    // Act
    const adjusted = cupedAdjust(units(c.control), units(c.treatment));
    const ours = welchTTest(summarize(adjusted.control), summarize(adjusted.treatment));
    const raw = welchTTest(summarize(c.control.value), summarize(c.treatment.value));
    // Assess
    expect(
      relativeErrors(
        { ...snake(ours), theta: adjusted.theta, variance_reduction: 1 - ours.se ** 2 / raw.se ** 2 },
        c.expected,
      ),
    ).toEqual({});
    expect(c.expected.variance_reduction).toBeGreaterThan(0.5);
  });

  it.each([...reference.welch_data, ...reference.cuped].map((c) => [c.name, c] as const))(
    'sequential interval (the formula transcribed twice): %s',
    (_name, c) => {
      // Act
      const n =
        'value' in c.control
          ? c.control.value.length + (c.treatment as { value: number[] }).value.length
          : c.control.length + (c.treatment as number[]).length;
      const ours = sequentialInterval(c.expected.delta, c.expected.se, n);
      // Assess
      expect(
        relativeErrors({ ci_low: ours.ciLow, ci_high: ours.ciHigh, p_value: ours.pValue }, c.sequential),
      ).toEqual({});
      expect(ours.halfwidth).toBeGreaterThan(c.expected.ci_high - c.expected.delta); // wider than fixed horizon
    },
  );
});

describe('the tests refuse data they cannot use', () => {
  it.each([
    [
      'a variant with one unit',
      () => welchTTest(summarize([1]), summarize([1, 2, 3])),
      'control has 1 unit(s)',
    ],
    [
      'constant values',
      () => welchTTest(summarize([1, 1]), summarize([1, 1])),
      'both variants have zero variance',
    ],
    [
      'no trials',
      () => twoProportionZTest({ successes: 0, n: 0 }, { successes: 1, n: 2 }),
      'control has no units',
    ],
    [
      'more successes than trials',
      () => twoProportionZTest({ successes: 3, n: 2 }, { successes: 1, n: 2 }),
      'control: 3 successes out of 2',
    ],
    [
      'one count for SRM',
      () => sampleRatioMismatch([10], [1]),
      'SRM needs one count and one weight per variant',
    ],
    [
      'a constant covariate',
      () => cupedAdjust([{ y: 1, x: 2 }], [{ y: 3, x: 2 }]),
      'the pre-period covariate is constant',
    ],
  ])('%s', (_label, act, message) => {
    // Act + Assess
    expect(act).toThrow(StatsInputInvalidError);
    expect(act).toThrow(message);
  });
});
