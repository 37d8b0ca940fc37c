import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  detectKpiAnomalies,
  holidayCalendar,
  type KpiPoint,
  KpiSeriesInvalidError,
  parseKpiCsv,
} from '../src/index.ts';

const START = Date.UTC(2025, 0, 6) / 86_400_000; // Monday
const iso = (t: number) => new Date((START + t) * 86_400_000).toISOString().slice(0, 10);
/** Weekends 40 % up (Monday is day 0), a small deterministic wiggle, no noise beyond it. */
const week = [1, 1, 1, 1, 1, 1.4, 1.4];
const gmv = (
  days: number,
  level = 100_000,
  edit: (t: number, v: number) => number | undefined = (_t, v) => v,
) => {
  const points: KpiPoint[] = [];
  for (let t = 0; t < days; t++) {
    const v = edit(t, level * (week[t % 7] as number) * (1 + 0.02 * Math.sin(t * 1.7)));
    if (v !== undefined) points.push({ date: iso(t), value: v });
  }
  return points;
};
const noHolidays = holidayCalendar({ rules: [] });
const flagged = (points: KpiPoint[], detector: 'robust' | 'plan-7d') =>
  detectKpiAnomalies(
    { metric: 'gmv', scope: 'all', points },
    { detector, ...(detector === 'robust' ? { holidays: noHolidays } : {}) },
  )
    .verdicts.filter((v) => v.status === 'anomaly')
    .map((v) => v.date);

describe('detectKpiAnomalies — plan-7d', () => {
  it('flags a relative move beyond 20 % of the previous 7-day mean, and weekends with it', () => {
    // Prepare
    const points = gmv(70);
    // Act
    const dates = flagged(points, 'plan-7d');
    // Assess: a Saturday is +26 % against a week averaging 1.114; a Thursday is −10 %
    expect(dates).toContain(iso(61));
    expect(dates).not.toContain(iso(58));
  });

  it('uses 20 % as a strict bound and reports observed, baseline and delta', () => {
    // Prepare
    const points: KpiPoint[] = [
      ...Array.from({ length: 7 }, (_, t) => ({ date: iso(t), value: 100 })),
      { date: iso(7), value: 120 },
    ];
    const spike = [...points.slice(0, 7), { date: iso(7), value: 121 }];
    // Act
    const at20 = detectKpiAnomalies(
      { metric: 'gmv', scope: 'all', points },
      { detector: 'plan-7d' },
    ).verdicts.at(-1);
    const at21 = detectKpiAnomalies(
      { metric: 'gmv', scope: 'all', points: spike },
      { detector: 'plan-7d' },
    ).verdicts.at(-1);
    // Assess
    expect(at20?.status).toBe('normal');
    expect(at21).toMatchObject({ status: 'anomaly', observed: 121, baseline: 100, severity: 'warn' });
    expect(at21?.deltaPct).toBeCloseTo(21);
  });
});

describe('detectKpiAnomalies — robust', () => {
  it('does not flag weekends but flags a 40 % drop on a Wednesday', () => {
    // Prepare
    const points = gmv(84, 100_000, (t, v) => (t === 72 ? v * 0.6 : v));
    // Act
    const dates = flagged(points, 'robust');
    // Assess
    expect(dates).toEqual([iso(72)]);
  });

  it('follows a trend through the level correction (no alarms on steady growth)', () => {
    // Prepare: +0.5 % a day, 2.5x over the series
    const points = gmv(182, 100_000, (t, v) => v * Math.exp(0.005 * t));
    // Act
    const dates = flagged(points, 'robust');
    // Assess
    expect(dates).toEqual([]);
  });

  it('suppresses a holiday with its name as the reason, and keeps it out of later baselines', () => {
    // Prepare: Memorial Day 2025-05-26 is day 140, GMV halves
    const points = gmv(168, 100_000, (t, v) => (t === 140 ? v * 0.5 : v));
    // Act
    const result = detectKpiAnomalies({ metric: 'gmv', scope: 'all', points }, { detector: 'robust' });
    // Assess
    const day = result.verdicts.find((v) => v.date === '2025-05-26');
    expect(day).toMatchObject({ status: 'skipped', skip: 'holiday', holiday: 'Memorial Day' });
    expect(result.verdicts.filter((v) => v.status === 'anomaly')).toEqual([]);
  });

  it('re-baselines a holiday by the effect of earlier holidays when asked', () => {
    // Prepare: every holiday halves GMV; Independence Day 2025 (day 179) drops to 20 % instead
    const calendar = holidayCalendar();
    const points = gmv(196, 100_000, (t, v) =>
      t === 179 ? v * 0.2 : calendar.holiday(iso(t)) ? v * 0.5 : v,
    );
    // Act
    const result = detectKpiAnomalies(
      { metric: 'gmv', scope: 'all', points },
      { detector: 'robust', holidayPolicy: 'rebaseline' },
    );
    // Assess: Memorial Day (a normal holiday) passes; 4 July is a page, its baseline halved
    expect(result.verdicts.find((v) => v.date === '2025-05-26')?.status).toBe('normal');
    const july4 = result.verdicts.find((v) => v.date === '2025-07-04');
    expect(july4?.status).toBe('anomaly');
    expect(july4?.reason).toContain('re-baselined for Independence Day');
  });

  it('does not judge a city below the minimum volume, and says so', () => {
    // Prepare: a city with 300 a day drops 60 %
    const points = gmv(84, 300, (t, v) => (t === 72 ? v * 0.4 : v));
    // Act
    const result = detectKpiAnomalies({ metric: 'gmv', scope: 'tiny', points }, { holidays: noHolidays });
    // Assess
    expect(result.verdicts.filter((v) => v.status === 'anomaly')).toEqual([]);
    expect(result.verdicts.at(-1)).toMatchObject({ status: 'skipped', skip: 'low-volume' });
  });

  it('judges CTR on counts: a 30 % CTR drop pages on 100 000 impressions, not on 400', () => {
    // Prepare
    const ctr = (impressions: number) =>
      Array.from({ length: 84 }, (_, t) => {
        const p = 0.04 * (1 + 0.03 * Math.sin(t * 2.3)) * (t === 72 ? 0.7 : 1);
        return { date: iso(t), clicks: Math.round(impressions * p), impressions };
      });
    // Act
    const big = detectKpiAnomalies(
      { metric: 'ctr', scope: 'big', points: ctr(100_000) },
      { holidays: noHolidays },
    );
    const small = detectKpiAnomalies(
      { metric: 'ctr', scope: 'small', points: ctr(400) },
      { holidays: noHolidays },
    );
    // Assess
    expect(big.verdicts.filter((v) => v.status === 'anomaly').map((v) => v.date)).toEqual([iso(72)]);
    expect(small.verdicts.filter((v) => v.status === 'anomaly')).toEqual([]);
  });
});

describe('detectKpiAnomalies — bad input', () => {
  it('a missing day is skipped with a reason and neither detector flags around it', () => {
    // Prepare
    const points = gmv(84, 100_000, (t, v) => (t === 70 ? undefined : v));
    // Act
    const robust = detectKpiAnomalies({ metric: 'gmv', scope: 'all', points }, { holidays: noHolidays });
    // Assess
    expect(robust.verdicts.find((v) => v.date === iso(70))).toMatchObject({
      status: 'skipped',
      skip: 'missing-day',
      observed: null,
    });
    expect(robust.verdicts.filter((v) => v.status === 'anomaly')).toEqual([]);
    expect(robust.verdicts).toHaveLength(84);
  });

  it('a zero-impression day is skipped, not a 0 % CTR page', () => {
    // Prepare
    const points = Array.from({ length: 84 }, (_, t) => ({
      date: iso(t),
      clicks: t === 72 ? 0 : 4000,
      impressions: t === 72 ? 0 : 100_000,
    }));
    // Act
    const robust = detectKpiAnomalies({ metric: 'ctr', scope: 'all', points }, { holidays: noHolidays });
    const plan = detectKpiAnomalies({ metric: 'ctr', scope: 'all', points }, { detector: 'plan-7d' });
    // Assess
    for (const result of [robust, plan]) {
      expect(result.verdicts.filter((v) => v.status === 'anomaly')).toEqual([]);
      expect(result.verdicts.find((v) => v.date === iso(72))?.skip).toBe('no-impressions');
    }
  });

  it('an empty city gives no verdicts and a reason', () => {
    // Act
    const result = detectKpiAnomalies({ metric: 'gmv', scope: 'boise', points: [] });
    // Assess
    expect(result).toMatchObject({ verdicts: [], reason: 'no rows for boise: nothing to judge' });
  });

  it('refuses a day given twice, with a stable code', () => {
    // Act
    const act = () =>
      detectKpiAnomalies({
        metric: 'gmv',
        scope: 'all',
        points: [
          { date: '2025-01-06', value: 1 },
          { date: '2025-01-06', value: 2 },
        ],
      });
    // Assess
    expect(act).toThrow(KpiSeriesInvalidError);
    expect(act).toThrow('2025-01-06 appears twice');
  });
});

describe('detectKpiAnomalies — the band', () => {
  const fixtures = join(import.meta.dirname, '../../../test/fixtures/kpi');
  const cases = (['gmv', 'ctr'] as const).flatMap((metric) =>
    (['robust', 'plan-7d'] as const).map((detector) => [metric, detector] as const),
  );

  it.each(cases)(
    '%s / %s: a judged day is an anomaly exactly when it leaves its band',
    (metric, detector) => {
      // Prepare
      const series = parseKpiCsv(readFileSync(join(fixtures, `${metric}-seed101.csv`), 'utf8')).series;
      // Act
      const verdicts = series.flatMap((s) => detectKpiAnomalies(s.series, { detector }).verdicts);
      // Assess
      const judged = verdicts.filter((v) => v.status !== 'skipped');
      expect(judged.length).toBeGreaterThan(50);
      expect(judged.filter((v) => v.status === 'anomaly').length).toBeGreaterThan(0);
      for (const v of judged) {
        const { lower, upper } = v.band ?? { lower: Number.NaN, upper: Number.NaN };
        const o = v.observed ?? Number.NaN;
        const outside = detector === 'plan-7d' ? o < lower || o > upper : o <= lower || o >= upper;
        expect({ date: v.date, scope: v.scope, outside }).toEqual({
          date: v.date,
          scope: v.scope,
          outside: v.status === 'anomaly',
        });
        expect(lower).toBeLessThan(v.baseline ?? Number.NaN);
        expect(upper).toBeGreaterThan(v.baseline ?? Number.NaN);
      }
      expect(verdicts.filter((v) => v.status === 'skipped').every((v) => v.band === null)).toBe(true);
    },
  );

  it.each(['robust', 'plan-7d'] as const)(
    '%s: a GMV day just inside its bounds is normal, just outside an anomaly',
    (detector) => {
      // Prepare
      const points = gmv(70);
      const options = { detector, ...(detector === 'robust' ? { holidays: noHolidays } : {}) } as const;
      const day = 65;
      const band = detectKpiAnomalies({ metric: 'gmv', scope: 'all', points }, options).verdicts[day]?.band;
      if (!band) throw new Error('day 65 was not judged');
      const statusAt = (value: number) =>
        detectKpiAnomalies(
          {
            metric: 'gmv',
            scope: 'all',
            points: points.map((p, t) => (t === day ? { date: p.date, value } : p)),
          },
          options,
        ).verdicts[day]?.status;
      // Act
      const seen = [band.upper * 0.999, band.upper * 1.001, band.lower * 1.001, band.lower * 0.999].map(
        statusAt,
      );
      // Assess
      expect(seen).toEqual(['normal', 'anomaly', 'normal', 'anomaly']);
    },
  );
});
