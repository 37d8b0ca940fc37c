// A/A simulations: both variants draw from the same distribution, so every "significant" result is
// a false positive. Seeded, so the rates below are the same on every run.
import { seededRandom } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { sequentialInterval, twoProportionZTest, welchTTest } from '../src/stats/tests.ts';

const ALPHA = 0.05;
const RUNS = 2000;
const DAYS = 14;
const PER_DAY = 50; // units per variant per day

/** Standard normal draws (Box–Muller) from a seeded uniform source. */
function normals(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

interface Rates {
  /** Rejected at the last day only (the fixed horizon as designed). */
  fixedOnce: number;
  /** Rejected on any day by the fixed-horizon test (peeking). */
  fixedPeeking: number;
  /** Rejected on any day by the always-valid interval. */
  sequentialPeeking: number;
}

/** Runs A/A experiments of DAYS days, looking after each day; `draw` gives one unit's value. */
function simulate(seed: number, kind: 'mean' | 'proportion'): Rates {
  const random = seededRandom(seed);
  const normal = normals(random);
  const draw = kind === 'mean' ? () => 100 + 20 * normal() : () => (random() < 0.1 ? 1 : 0);
  let fixedOnce = 0;
  let fixedPeeking = 0;
  let sequentialPeeking = 0;
  for (let run = 0; run < RUNS; run++) {
    const n = [0, 0];
    const sum = [0, 0];
    const sq = [0, 0];
    let peekedFixed = false;
    let peekedSequential = false;
    for (let day = 1; day <= DAYS; day++) {
      for (let arm = 0; arm < 2; arm++) {
        for (let u = 0; u < PER_DAY; u++) {
          const v = draw();
          n[arm] = (n[arm] as number) + 1;
          sum[arm] = (sum[arm] as number) + v;
          sq[arm] = (sq[arm] as number) + v * v;
        }
      }
      const summary = (arm: number) => {
        const k = n[arm] as number;
        const mean = (sum[arm] as number) / k;
        return { n: k, mean, variance: ((sq[arm] as number) - k * mean * mean) / (k - 1) };
      };
      const [a, b] = [summary(0), summary(1)];
      const test =
        kind === 'mean'
          ? welchTTest(a, b, ALPHA)
          : twoProportionZTest(
              { successes: sum[0] as number, n: a.n },
              { successes: sum[1] as number, n: b.n },
              ALPHA,
            );
      if (test.pValue < ALPHA) peekedFixed = true;
      if (sequentialInterval(test.delta, test.se, a.n + b.n, ALPHA).pValue < ALPHA) peekedSequential = true;
      if (day === DAYS && test.pValue < ALPHA) fixedOnce++;
    }
    if (peekedFixed) fixedPeeking++;
    if (peekedSequential) sequentialPeeking++;
  }
  return {
    fixedOnce: fixedOnce / RUNS,
    fixedPeeking: fixedPeeking / RUNS,
    sequentialPeeking: sequentialPeeking / RUNS,
  };
}

// 2,000 runs: the binomial standard deviation of a 5 % rate is 0.49 points, so 5 % ± 1.5 points is
// a three-sigma band.
describe('A/A simulation (2,000 runs × 14 daily looks, 50 units per variant per day)', () => {
  it.each(['mean', 'proportion'] as const)(
    '%s: fixed horizon at 5 % when looked at once; peeking daily inflates it, the sequential test stays at or below 5 %',
    (kind) => {
      // Act
      const rates = simulate(kind === 'mean' ? 20261201 : 15, kind);
      // Assess
      expect(rates.fixedOnce).toBeGreaterThan(ALPHA - 0.015);
      expect(rates.fixedOnce).toBeLessThan(ALPHA + 0.015);
      expect(rates.fixedPeeking).toBeGreaterThan(0.1);
      expect(rates.sequentialPeeking).toBeLessThanOrEqual(ALPHA);
    },
  );
});
