import { describe, expect, it } from 'vitest';
import {
  detectKpiAnomalies,
  drillDown,
  explainMove,
  holidayCalendar,
  type KpiSeries,
  movePartsOf,
} from '../src/index.ts';

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
    const rest = {
      deltaPct: null,
      severity: null,
      score: null,
      skip: null,
      holiday: null,
      band: null,
      reason: '',
    };
    // Act
    const parts = movePartsOf([
      { ...base, ...rest, scope: 'a', observed: 0.02, baseline: 0.04, volume: 1000 },
      { ...base, ...rest, scope: 'b', observed: null, baseline: null, volume: null },
    ]);
    // Assess
    expect(parts).toEqual([{ scope: 'a', observed: 20, baseline: 40 }]);
  });
});

describe('drillDown', () => {
  it('names the city behind a drop of the total', () => {
    // Prepare: three cities, Lisbon loses 70 % on day 72; the total is their sum
    const iso = (t: number) => new Date(Date.UTC(2025, 0, 6 + t)).toISOString().slice(0, 10);
    const values = (scope: string, level: number) =>
      Array.from(
        { length: 84 },
        (_, t) => level * (1 + 0.02 * Math.sin(t * 1.3 + level)) * (scope === 'lis' && t === 72 ? 0.3 : 1),
      );
    const levels: [string, number][] = [
      ['lis', 50_000],
      ['mad', 40_000],
      ['ber', 30_000],
    ];
    const byCity = levels.map(([scope, level]) => ({ scope, values: values(scope, level) }));
    const series = (scope: string, v: number[]): KpiSeries => ({
      metric: 'gmv',
      scope,
      points: v.map((value, t) => ({ date: iso(t), value })),
    });
    const cities = byCity.map((c) => series(c.scope, c.values));
    const all = series(
      'all',
      Array.from({ length: 84 }, (_, t) => byCity.reduce((sum, c) => sum + (c.values[t] ?? 0), 0)),
    );
    const opts = { holidays: holidayCalendar({ rules: [] }) };
    // Act
    const result = drillDown(
      detectKpiAnomalies(all, opts).verdicts,
      cities.flatMap((c) => detectKpiAnomalies(c, opts).verdicts),
    );
    // Assess
    expect(result.map((r) => r.verdict.date)).toEqual([iso(72)]);
    expect(result[0]?.drivers.map((d) => d.scope)).toEqual(['lis']);
    expect(result[0]?.drivers[0]?.share).toBeGreaterThan(0.9);
  });
});
