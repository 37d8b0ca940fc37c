import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtestKpi, parseKpiCsv } from '../src/index.ts';

const fixtures = join(import.meta.dirname, '../../../test/fixtures/kpi');
const heldOut = [101, 102, 103, 104, 105];
const load = (metric: string, seed: number) =>
  parseKpiCsv(readFileSync(join(fixtures, `${metric}-seed${seed}.csv`), 'utf8')).series;

describe('backtestKpi', () => {
  it('scores from the labels: a detector that flags exactly the labelled days has F1 1', () => {
    // Prepare: a flat series; the labelled day is a 50 % drop both detectors must see
    const points = Array.from({ length: 70 }, (_, t) => ({
      date: new Date(Date.UTC(2025, 1, 3 + t)).toISOString().slice(0, 10),
      value: t === 60 ? 50_000 : 100_000 + (t % 3) * 1000,
    }));
    const labels = new Map(points.map((p, t) => [p.date, t === 60 ? (1 as const) : (0 as const)]));
    // Act
    const scores = backtestKpi([{ series: { metric: 'gmv', scope: 'all', points }, labels }]);
    // Assess: the day after the drop is +7 % against a mean that holds it, so neither flags it
    expect(
      scores.map((s) => [s.detector, s.truePositives, s.falsePositives, s.falseNegatives, s.f1]),
    ).toEqual([
      ['robust', 1, 0, 0, 1],
      ['plan-7d', 1, 0, 0, 1],
    ]);
  });

  it.each(['gmv', 'ctr'])(
    'on the held-out %s fixtures robust beats plan-7d on F1, with fewer weekend and holiday false alarms',
    (metric) => {
      // Prepare
      const series = heldOut.flatMap((seed) => load(metric, seed));
      // Act
      const [robust, plan] = backtestKpi(series);
      // Assess
      expect(robust?.detector).toBe('robust');
      expect(robust?.f1).toBeGreaterThan(plan?.f1 ?? 1);
      expect(robust?.falseAlarmsWeekend).toBeLessThan(plan?.falseAlarmsWeekend ?? 0);
      expect(robust?.falseAlarmsHoliday).toBeLessThan(plan?.falseAlarmsHoliday ?? 0);
      expect(robust?.f1).toBeGreaterThanOrEqual(metric === 'gmv' ? 0.8 : 0.9);
    },
  );
});
