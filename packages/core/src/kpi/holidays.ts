import { dayNumber, isoDay, weekdayOf } from './dates.ts';

/**
 * A holiday rule: a fixed month/day (optionally shifted to the observed weekday — Saturday to the
 * Friday before, Sunday to the Monday after, as 5 U.S.C. 6103 practice for federal employees), or
 * the n-th weekday of a month (`n: -1` is the last one).
 */
export type HolidayRule =
  | {
      readonly name: string;
      readonly month: number;
      readonly day: number;
      readonly observed: boolean;
      readonly since?: number;
    }
  | {
      readonly name: string;
      readonly month: number;
      readonly weekday: number;
      readonly n: number;
      readonly since?: number;
    };

const MON = 1;
const THU = 4;

/** The eleven US federal holidays (5 U.S.C. 6103), by rule. Juneteenth from 2021. */
export const usFederalHolidayRules: readonly HolidayRule[] = [
  { name: "New Year's Day", month: 1, day: 1, observed: true },
  { name: 'Birthday of Martin Luther King, Jr.', month: 1, weekday: MON, n: 3 },
  { name: "Washington's Birthday", month: 2, weekday: MON, n: 3 },
  { name: 'Memorial Day', month: 5, weekday: MON, n: -1 },
  { name: 'Juneteenth National Independence Day', month: 6, day: 19, observed: true, since: 2021 },
  { name: 'Independence Day', month: 7, day: 4, observed: true },
  { name: 'Labor Day', month: 9, weekday: MON, n: 1 },
  { name: 'Columbus Day', month: 10, weekday: MON, n: 2 },
  { name: 'Veterans Day', month: 11, day: 11, observed: true },
  { name: 'Thanksgiving Day', month: 11, weekday: THU, n: 4 },
  { name: 'Christmas Day', month: 12, day: 25, observed: true },
];

/** Built-in markets; extend with `holidayCalendar({ rules, dates })`. */
export const marketHolidayRules: Readonly<Record<string, readonly HolidayRule[]>> = {
  US: usFederalHolidayRules,
};

function utcDay(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / 86_400_000;
}

/** The day a rule falls on in a year (observed shift applied), or undefined before `since`. */
export function holidayDay(rule: HolidayRule, year: number): number | undefined {
  if (rule.since !== undefined && year < rule.since) return undefined;
  if ('day' in rule) {
    const d = utcDay(year, rule.month, rule.day);
    if (!rule.observed) return d;
    const w = weekdayOf(d);
    return w === 6 ? d - 1 : w === 0 ? d + 1 : d;
  }
  if (rule.n > 0) {
    const first = utcDay(year, rule.month, 1);
    return first + ((rule.weekday - weekdayOf(first) + 7) % 7) + (rule.n - 1) * 7;
  }
  const last = utcDay(year, rule.month + 1, 1) - 1;
  return last - ((weekdayOf(last) - rule.weekday + 7) % 7) + (rule.n + 1) * 7;
}

/** Which days are known holidays, and their names. */
export interface HolidayCalendar {
  /** The holiday's name on that ISO day, or undefined. */
  holiday(date: string): string | undefined;
}

/**
 * A calendar from rules (default: US federal) plus one-off dates (a market's own days).
 * An observed shift can move a holiday into the neighbouring year (1 Jan on a Saturday is
 * observed on 31 Dec), so each year also looks at the next year's rules.
 *
 * @example
 * ```ts
 * const calendar = holidayCalendar({ dates: [{ date: '2026-11-27', name: 'Black Friday' }] });
 * calendar.holiday('2026-07-03'); // 'Independence Day' (4 July 2026 is a Saturday)
 * ```
 */
export function holidayCalendar(
  options: { rules?: readonly HolidayRule[]; dates?: readonly { date: string; name: string }[] } = {},
): HolidayCalendar {
  const rules = options.rules ?? usFederalHolidayRules;
  const fixed = new Map((options.dates ?? []).map((d) => [d.date, d.name]));
  const byYear = new Map<number, Map<string, string>>();
  const yearMap = (year: number) => {
    let map = byYear.get(year);
    if (!map) {
      map = new Map();
      for (const y of [year - 1, year, year + 1]) {
        for (const rule of rules) {
          const d = holidayDay(rule, y);
          if (d !== undefined && isoDay(d).startsWith(`${year}-`)) map.set(isoDay(d), rule.name);
        }
      }
      byYear.set(year, map);
    }
    return map;
  };
  return {
    holiday(date) {
      const own = fixed.get(date);
      if (own !== undefined) return own;
      if (dayNumber(date) === undefined) return undefined;
      return yearMap(Number(date.slice(0, 4))).get(date);
    },
  };
}
