import { describe, expect, it } from 'vitest';
import { explainMove, movePartsOf } from '../src/index.ts';

describe('explainMove', () => {
  it('names the fewest cities that explain 80 % of a drop, largest first', () => {
    // Prepare
    const parts = [
      { scope: 'new-york', observed: 100, baseline: 200 },
      { scope: 'chicago', observed: 80, baseline: 100 },
      { scope: 'austin', observed: 55, baseline: 50 },
      { scope: 'boise', observed: 9, baseline: 10 },
    ];
    // Act
    const { total, drivers } = explainMove(parts);
    // Assess: total −116; New York −100 is 86 %
    expect(total).toBe(-116);
    expect(drivers.map((d) => d.scope)).toEqual(['new-york']);
    expect(drivers[0]?.share).toBeCloseTo(100 / 116);
  });

  it('adds cities until the share is reached and ignores those that moved the other way', () => {
    // Prepare
    const parts = [
      { scope: 'a', observed: 150, baseline: 100 },
      { scope: 'b', observed: 140, baseline: 100 },
      { scope: 'c', observed: 90, baseline: 100 },
    ];
    // Act
    const { drivers } = explainMove(parts);
    // Assess: total +80; a (+50) 62.5 %, then b (+40)
    expect(drivers.map((d) => d.scope)).toEqual(['a', 'b']);
  });

  it('has no drivers when nothing moved', () => {
    // Act + Assess
    expect(explainMove([{ scope: 'a', observed: 1, baseline: 1 }]).drivers).toEqual([]);
  });

  it('turns CTR verdicts into clicks and skips cities without a baseline', () => {
    // Prepare
    const base = {
      date: '2025-03-05',
      metric: 'ctr' as const,
      detector: 'robust' as const,
      status: 'normal' as const,
    };
    const rest = { deltaPct: null, severity: null, score: null, skip: null, holiday: null, reason: '' };
    // Act
    const parts = movePartsOf([
      { ...base, ...rest, scope: 'a', observed: 0.02, baseline: 0.04, volume: 1000 },
      { ...base, ...rest, scope: 'b', observed: null, baseline: null, volume: null },
    ]);
    // Assess
    expect(parts).toEqual([{ scope: 'a', observed: 20, baseline: 40 }]);
  });
});
