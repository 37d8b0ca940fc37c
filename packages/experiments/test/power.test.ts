import { describe, expect, it } from 'vitest';
import { StatsInputInvalidError } from '../src/errors.ts';
import {
  detectableEffectSize,
  detectableMultiple,
  detectionProbability,
  sampleSizeForEffect,
  twoSamplePower,
} from '../src/stats/power.ts';
import { normalIsf } from '../src/stats/special.ts';
import { summarize, welchTTest } from '../src/stats/tests.ts';
import { RELATIVE, reference } from './reference.ts';

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('power and minimum detectable effect (two-sample z, both tails)', () => {
  it('the power at a point agrees with statsmodels NormalIndPower.power to 1e-9 relative', () => {
    // Act
    const errors = reference.power.points.map(([d, n1, ratio, alpha, expected]) =>
      relative(twoSamplePower(d, n1, alpha, ratio), expected),
    );
    // Assess
    expect(errors.filter((e) => !(e <= RELATIVE))).toEqual([]);
  });

  it('the sample size hits the target power exactly and agrees with statsmodels solve_power (its brentq stops near 1e-6)', () => {
    for (const [d, ratio, alpha, power, theirs] of reference.power.sample_sizes) {
      // Act
      const n1 = sampleSizeForEffect(d, alpha, power, ratio);
      // Assess
      expect(relative(twoSamplePower(d, n1, alpha, ratio), power)).toBeLessThan(1e-12);
      expect(relative(n1, theirs)).toBeLessThan(1e-5);
    }
  });

  it('the detectable effect size hits the target power exactly and agrees with statsmodels solve_power', () => {
    for (const [n1, ratio, alpha, power, theirs] of reference.power.effect_sizes) {
      // Act
      const d = detectableEffectSize(n1, alpha, power, ratio);
      // Assess
      expect(relative(twoSamplePower(d, n1, alpha, ratio), power)).toBeLessThan(1e-12);
      expect(relative(d, theirs)).toBeLessThan(1e-5);
    }
  });

  it('the textbook 80 % / 5 % multiple: 1.96 + 0.8416 ≈ 2.8016 standard errors (the other tail adds ~1e-6)', () => {
    // Act
    const k = detectableMultiple(normalIsf(0.025), 0.8);
    // Assess
    expect(k).toBeCloseTo(normalIsf(0.025) + normalIsf(0.2), 5);
    expect(detectionProbability(k, normalIsf(0.025))).toBeCloseTo(0.8, 14);
  });

  it('a true effect of one MDE is detected in 80 % of simulated experiments (Welch t on normal data, 4,000 runs)', () => {
    // Prepare: a seeded generator and the MDE from the known σ, not from any run's data
    let state = 20261201;
    const uniform = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return (state + 0.5) / 2 ** 32;
    };
    const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    const n = 400;
    const sigma = 10;
    const mde = detectableMultiple(normalIsf(0.025), 0.8) * sigma * Math.sqrt(2 / n);
    const runs = 4000;
    let detected = 0;
    // Act
    for (let run = 0; run < runs; run++) {
      const a = Array.from({ length: n }, () => 50 + sigma * normal());
      const b = Array.from({ length: n }, () => 50 + mde + sigma * normal());
      const t = welchTTest(summarize(a), summarize(b), 0.05);
      if (t.ciLow > 0 || t.ciHigh < 0) detected++;
    }
    // Assess: binomial sd at 4,000 runs is 0.0063
    expect(detected / runs).toBeGreaterThan(0.78);
    expect(detected / runs).toBeLessThan(0.82);
  });

  it('refuses a power outside (0, 1), an effect of 0, a group of 0', () => {
    // Assess
    expect(() => detectableMultiple(1.96, 1)).toThrow(StatsInputInvalidError);
    expect(() => detectableMultiple(1.96, 0)).toThrow('power between 0 and 1, got 0');
    expect(() => sampleSizeForEffect(0, 0.05, 0.8)).toThrow('an effect size other than 0, got 0');
    expect(() => detectableEffectSize(0, 0.05, 0.8)).toThrow('a group size > 0, got 0');
  });
});
