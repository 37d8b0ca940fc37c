import { describe, expect, it } from 'vitest';
import { holidayCalendar } from '../src/index.ts';

describe('holidayCalendar (US federal by rule)', () => {
  it('gives the 2026 OPM dates, Independence Day observed on Friday 3 July', () => {
    // Prepare
    const calendar = holidayCalendar();
    const opm2026 = [
      '2026-01-01',
      '2026-01-19',
      '2026-02-16',
      '2026-05-25',
      '2026-06-19',
      '2026-07-03',
      '2026-09-07',
      '2026-10-12',
      '2026-11-11',
      '2026-11-26',
      '2026-12-25',
    ];
    // Act
    const all: string[] = [];
    for (let d = Date.UTC(2026, 0, 1); d < Date.UTC(2027, 0, 1); d += 86_400_000) {
      const iso = new Date(d).toISOString().slice(0, 10);
      if (calendar.holiday(iso)) all.push(iso);
    }
    // Assess
    expect(all).toEqual(opm2026);
    expect(calendar.holiday('2026-07-04')).toBeUndefined();
  });

  it('moves a Saturday 1 January to the Friday before, into the previous year', () => {
    // Prepare
    const calendar = holidayCalendar();
    // Act
    const observed = calendar.holiday('2021-12-31');
    // Assess
    expect(observed).toBe("New Year's Day");
    expect(calendar.holiday('2022-01-01')).toBeUndefined();
  });

  it('moves a Sunday holiday to Monday and has no Juneteenth before 2021', () => {
    // Prepare
    const calendar = holidayCalendar();
    // Act + Assess
    expect(calendar.holiday('2022-12-26')).toBe('Christmas Day');
    expect(calendar.holiday('2020-06-19')).toBeUndefined();
    expect(calendar.holiday('2021-06-18')).toBe('Juneteenth National Independence Day');
  });

  it('finds the last Monday of May and the fourth Thursday of November', () => {
    // Prepare
    const calendar = holidayCalendar();
    // Act + Assess
    expect(calendar.holiday('2025-05-26')).toBe('Memorial Day');
    expect(calendar.holiday('2021-05-31')).toBe('Memorial Day');
    expect(calendar.holiday('2025-11-27')).toBe('Thanksgiving Day');
  });

  it('extends a market with its own days and rules', () => {
    // Prepare
    const calendar = holidayCalendar({
      rules: [{ name: 'Boxing Day', month: 12, day: 26, observed: false }],
      dates: [{ date: '2026-11-27', name: 'Black Friday' }],
    });
    // Act + Assess
    expect(calendar.holiday('2026-11-27')).toBe('Black Friday');
    expect(calendar.holiday('2026-12-26')).toBe('Boxing Day');
    expect(calendar.holiday('2026-12-25')).toBeUndefined();
  });
});
