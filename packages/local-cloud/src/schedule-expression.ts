import { ScheduleExpressionInvalidError } from './errors.ts';

/** A parsed EventBridge Scheduler expression: `rate()`, `cron()` or one-time `at()`. */
export type ScheduleExpression =
  | { readonly kind: 'rate'; readonly text: string; readonly everyMs: number }
  | { readonly kind: 'cron'; readonly text: string; readonly fields: CronFields }
  | { readonly kind: 'at'; readonly text: string; readonly wall: number };

type DayOfMonth =
  | { readonly kind: 'any' }
  | { readonly kind: 'set'; readonly values: ReadonlySet<number> }
  | { readonly kind: 'last' }
  | { readonly kind: 'last-weekday' }
  | { readonly kind: 'nearest-weekday'; readonly day: number };

type DayOfWeek =
  | { readonly kind: 'any' }
  | { readonly kind: 'set'; readonly values: ReadonlySet<number> }
  | { readonly kind: 'last-of-month'; readonly weekday: number }
  | { readonly kind: 'nth'; readonly weekday: number; readonly nth: number };

export interface CronFields {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly dayOfMonth: DayOfMonth;
  readonly months: ReadonlySet<number>;
  readonly dayOfWeek: DayOfWeek;
  readonly years: ReadonlySet<number>;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MAX_YEAR = 2199;

/**
 * Parses an EventBridge Scheduler expression as AWS documents it:
 * - `rate(value unit)`, unit `minute(s)`, `hour(s)`, `day(s)` (singular only for 1);
 * - `cron(minutes hours day-of-month month day-of-week year)`: `, - * /` everywhere, `?` in exactly
 *   one of the day fields, `L` and `W` (`15W`, `LW`) in day-of-month, `L` (`6L`: last Friday) and
 *   `#` (`2#1`: first Monday) in day-of-week; names `JAN`–`DEC`, `SUN`–`SAT` (SUN = 1);
 * - `at(yyyy-mm-ddThh:mm:ss)`: once.
 * @throws ScheduleExpressionInvalidError with the reason.
 * @example
 * ```ts
 * const every15 = parseScheduleExpression('cron(0/15 * * * ? *)');
 * nextFireTime(every15, new Date('2026-11-27T10:07:00Z')); // 2026-11-27T10:15:00Z
 * ```
 */
export function parseScheduleExpression(text: string): ScheduleExpression {
  const trimmed = text.trim();
  const rate = /^rate\((.*)\)$/.exec(trimmed);
  if (rate) return parseRate(trimmed, rate[1] as string);
  const cron = /^cron\((.*)\)$/.exec(trimmed);
  if (cron) return { kind: 'cron', text: trimmed, fields: parseCron(cron[1] as string) };
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(trimmed);
  if (at) {
    const [y, mo, d, h, mi, s] = at.slice(1).map(Number) as [number, number, number, number, number, number];
    const wall = Date.UTC(y, mo - 1, d, h, mi, s);
    const back = new Date(wall);
    if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
      throw invalid(text, 'at() is not a valid date and time');
    }
    return { kind: 'at', text: trimmed, wall };
  }
  throw invalid(text, 'expected rate(value unit), cron(6 fields) or at(yyyy-mm-ddThh:mm:ss)');
}

function parseRate(text: string, inner: string): ScheduleExpression {
  const m = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(inner.trim());
  if (!m) throw invalid(text, 'rate() takes a positive whole number and minute(s), hour(s) or day(s)');
  const value = Number(m[1]);
  const unit = m[2] as string;
  if (value < 1) throw invalid(text, 'the rate value must be at least 1');
  if ((value === 1) !== !unit.endsWith('s')) {
    throw invalid(
      text,
      value === 1
        ? `use the singular unit for 1 (${unit.replace(/s$/, '')})`
        : `use the plural unit (${unit}s)`,
    );
  }
  const unitMs = unit.startsWith('minute') ? MINUTE : unit.startsWith('hour') ? HOUR : DAY;
  return { kind: 'rate', text, everyMs: value * unitMs };
}

function parseCron(inner: string): CronFields {
  const text = `cron(${inner})`;
  const parts = inner.trim().split(/\s+/);
  if (parts.length !== 6) throw invalid(text, `cron() takes 6 fields, got ${parts.length}`);
  const [min, hour, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    throw invalid(text, 'exactly one of day-of-month and day-of-week must be ?');
  }
  return {
    minutes: parseSet(text, 'minutes', min, 0, 59),
    hours: parseSet(text, 'hours', hour, 0, 23),
    dayOfMonth: parseDayOfMonth(text, dom),
    months: parseSet(text, 'month', month, 1, 12, MONTHS),
    dayOfWeek: parseDayOfWeek(text, dow),
    years: parseSet(text, 'year', year, 1970, MAX_YEAR),
  };
}

function parseDayOfMonth(text: string, field: string): DayOfMonth {
  if (field === '?') return { kind: 'any' };
  if (field === 'L') return { kind: 'last' };
  if (field === 'LW') return { kind: 'last-weekday' };
  const w = /^(\d{1,2})W$/.exec(field);
  if (w) {
    const day = Number(w[1]);
    if (day < 1 || day > 31) throw invalid(text, `day-of-month ${field}: the day must be 1-31`);
    return { kind: 'nearest-weekday', day };
  }
  if (/[LW]/.test(field)) throw invalid(text, `day-of-month ${field}: L and W stand alone (L, LW, 15W)`);
  return { kind: 'set', values: parseSet(text, 'day-of-month', field, 1, 31) };
}

function parseDayOfWeek(text: string, field: string): DayOfWeek {
  if (field === '?') return { kind: 'any' };
  if (field === 'L') return { kind: 'set', values: new Set([7]) };
  const last = /^(\w+)L$/.exec(field);
  if (last)
    return { kind: 'last-of-month', weekday: value(text, 'day-of-week', last[1] as string, 1, 7, DAYS) };
  const nth = /^(\w+)#(\d)$/.exec(field);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) throw invalid(text, `day-of-week ${field}: # takes 1-5`);
    return { kind: 'nth', weekday: value(text, 'day-of-week', nth[1] as string, 1, 7, DAYS), nth: n };
  }
  if (/[L#]/.test(field)) throw invalid(text, `day-of-week ${field}: L and # stand alone (6L, 2#1)`);
  return { kind: 'set', values: parseSet(text, 'day-of-week', field, 1, 7, DAYS) };
}

function parseSet(
  text: string,
  name: string,
  field: string,
  lo: number,
  hi: number,
  names?: string[],
): Set<number> {
  const out = new Set<number>();
  for (const term of field.split(',')) {
    const [range, stepText, extra] = term.split('/');
    if (extra !== undefined || range === undefined || range === '')
      throw invalid(text, `${name} '${term}' is not valid`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1)
        throw invalid(text, `${name} '${term}': bad increment`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = lo;
      to = hi;
    } else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (more !== undefined || a === undefined || b === undefined)
        throw invalid(text, `${name} '${term}' is not valid`);
      from = value(text, name, a, lo, hi, names);
      to = value(text, name, b, lo, hi, names);
    } else {
      from = value(text, name, range, lo, hi, names);
      to = stepText === undefined ? from : hi; // `0/15`: from 0 every 15
    }
    // A range may wrap around (`FRI-MON`, `22-2`).
    const span = to >= from ? to - from : hi - from + (to - lo) + 1;
    for (let i = 0; i <= span; i += step) out.add(((from - lo + i) % (hi - lo + 1)) + lo);
  }
  return out;
}

function value(text: string, name: string, token: string, lo: number, hi: number, names?: string[]): number {
  const upper = token.toUpperCase();
  const named = names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(token))
    throw invalid(text, `${name} '${token}' is not a number${names ? ' or a name' : ''}`);
  const n = Number(token);
  if (n < lo || n > hi) throw invalid(text, `${name} ${n} is out of range ${lo}-${hi}`);
  return n;
}

function invalid(text: string, reason: string): ScheduleExpressionInvalidError {
  return new ScheduleExpressionInvalidError(`invalid schedule expression '${text}': ${reason}`);
}

// ---- when it fires ------------------------------------------------------------------------------

/**
 * The first time strictly after `after` at which the expression fires, in `timeZone` (IANA; UTC by
 * default), or undefined when it never fires again. As EventBridge Scheduler does across daylight
 * saving changes, a time that does not exist (spring forward) is skipped and a time that occurs
 * twice (fall back) fires once. A `rate()` fires every interval from `anchor` (default: `after`).
 * @throws ScheduleExpressionInvalidError on an unknown time zone.
 */
export function nextFireTime(
  expression: ScheduleExpression,
  after: Date,
  timeZone = 'UTC',
  anchor: Date = after,
): Date | undefined {
  const zone = zoneOf(timeZone);
  const afterMs = after.getTime();
  if (expression.kind === 'rate') {
    const a = anchor.getTime();
    const k = Math.max(1, Math.floor((afterMs - a) / expression.everyMs) + 1);
    return new Date(a + k * expression.everyMs);
  }
  if (expression.kind === 'at') {
    const t = firstInstant(expression.wall, zone);
    return t !== undefined && t > afterMs ? new Date(t) : undefined;
  }
  let from = Math.floor(zone.wall(afterMs) / MINUTE) * MINUTE + MINUTE;
  for (let guard = 0; guard < 10_000; guard++) {
    const wall = nextWall(expression.fields, from);
    if (wall === undefined) return undefined;
    const t = firstInstant(wall, zone);
    if (t !== undefined && t > afterMs) return new Date(t);
    from = wall + MINUTE;
  }
  return undefined;
}

/** The next wall-clock minute (as a UTC-based calendar number) at or after `from` that matches. */
function nextWall(f: CronFields, from: number): number | undefined {
  let t = from;
  for (let guard = 0; guard < 1_000_000; guard++) {
    const d = new Date(t);
    const y = d.getUTCFullYear();
    const mo = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    const h = d.getUTCHours();
    if (y > MAX_YEAR) return undefined;
    if (!f.years.has(y)) {
      t = Date.UTC(y + 1, 0, 1);
      continue;
    }
    if (!f.months.has(mo)) {
      t = Date.UTC(y, mo, 1);
      continue;
    }
    if (!dayMatches(f, y, mo, day)) {
      t = Date.UTC(y, mo - 1, day + 1);
      continue;
    }
    if (!f.hours.has(h)) {
      t = Date.UTC(y, mo - 1, day, h + 1);
      continue;
    }
    if (!f.minutes.has(d.getUTCMinutes())) {
      t += MINUTE;
      continue;
    }
    return t;
  }
  return undefined;
}

function dayMatches(f: CronFields, y: number, mo: number, day: number): boolean {
  const dim = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  const weekday = new Date(Date.UTC(y, mo - 1, day)).getUTCDay() + 1; // SUN = 1
  const dom = f.dayOfMonth;
  switch (dom.kind) {
    case 'set':
      return dom.values.has(day);
    case 'last':
      return day === dim;
    case 'last-weekday':
      return day === nearestWeekday(y, mo, dim, dim);
    case 'nearest-weekday':
      return dom.day <= dim && day === nearestWeekday(y, mo, dom.day, dim);
    case 'any':
      break;
  }
  const dow = f.dayOfWeek;
  switch (dow.kind) {
    case 'set':
      return dow.values.has(weekday);
    case 'last-of-month':
      return weekday === dow.weekday && day + 7 > dim;
    case 'nth':
      return weekday === dow.weekday && Math.ceil(day / 7) === dow.nth;
    case 'any':
      return true;
  }
}

/** The weekday (Mon–Fri) nearest to `day`, without leaving the month. */
function nearestWeekday(y: number, mo: number, day: number, dim: number): number {
  const wd = new Date(Date.UTC(y, mo - 1, day)).getUTCDay(); // 0 = Sunday
  if (wd === 6) return day === 1 ? 3 : day - 1;
  if (wd === 0) return day === dim ? day - 2 : day + 1;
  return day;
}

interface Zone {
  /** The wall clock at an instant, as a UTC-based calendar number (ms). */
  wall(instant: number): number;
}

const zones = new Map<string, Zone>();

function zoneOf(timeZone: string): Zone {
  let zone = zones.get(timeZone);
  if (zone) return zone;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (error) {
    throw new ScheduleExpressionInvalidError(
      `unknown time zone '${timeZone}' (use an IANA name such as Europe/Berlin)`,
      {
        cause: error,
      },
    );
  }
  zone = {
    wall(instant) {
      const p: Record<string, number> = {};
      for (const part of format.formatToParts(new Date(instant))) p[part.type] = Number(part.value);
      return Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
    },
  };
  zones.set(timeZone, zone);
  return zone;
}

/** The earliest instant whose wall clock is `wall`, or undefined when that wall time is skipped. */
function firstInstant(wall: number, zone: Zone): number | undefined {
  let best: number | undefined;
  for (const probe of [wall - 12 * HOUR, wall + 12 * HOUR]) {
    const offset = zone.wall(probe) - probe;
    const t = wall - offset;
    if (zone.wall(t) === wall && (best === undefined || t < best)) best = t;
  }
  return best;
}
