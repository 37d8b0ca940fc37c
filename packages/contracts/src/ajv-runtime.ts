/**
 * The helpers Ajv's standalone validators call at run time, as plain ESM (Ajv's own copies are
 * CommonJS with `exports.default`, which Node, Vite and esbuild import differently), and the
 * format checks they use.
 */
import type { Format } from 'ajv';
import { fullFormats as ajvFullFormats } from 'ajv-formats/dist/formats.js';

/** String length in Unicode code points, as JSON Schema's `minLength`/`maxLength` count it. */
export function ucs2length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    length++;
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if ((next & 0xfc00) === 0xdc00) i++; // a surrogate pair is one code point
    }
  }
  return length;
}

/** Deep equality of JSON values, as `const`, `enum` and `uniqueItems` compare them. */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false; // JSON has no NaN
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) => Object.hasOwn(b, k) && equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/**
 * The formats the validators check, as `ajv-formats`' `fullFormats`, with `date` and `date-time`
 * (on every timestamp of every event) checked by hand instead of by `split` + two regex matches:
 * the same answers (`test/ajv-runtime.test.ts` compares them), several times faster.
 */
export const fullFormats: typeof ajvFullFormats = {
  ...ajvFullFormats,
  date: { ...(ajvFullFormats.date as object), validate: isDate } as Format,
  'date-time': { ...(ajvFullFormats['date-time'] as object), validate: isDateTime } as Format,
};

const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The ASCII digit at `i` (0–9), or -1. */
function digitAt(text: string, i: number): number {
  const d = text.charCodeAt(i) - 0x30;
  return d >= 0 && d <= 9 ? d : -1;
}

/** The two-digit number at `i` (00–99), or -1. */
function twoDigitsAt(text: string, i: number): number {
  const a = digitAt(text, i);
  const b = digitAt(text, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/** RFC 3339 full-date at `text[0..10)`: `YYYY-MM-DD` with a real day of the month (ajv-formats' `date`). */
function isDateAt(text: string): boolean {
  const y1 = twoDigitsAt(text, 0);
  const y2 = twoDigitsAt(text, 2);
  const month = twoDigitsAt(text, 5);
  const day = twoDigitsAt(text, 8);
  if (y1 < 0 || y2 < 0 || month < 1 || month > 12 || day < 1) return false;
  if (text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d) return false;
  const year = y1 * 100 + y2;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : (DAYS[month] as number));
}

/** ajv-formats' `date`: `/^(\d\d\d\d)-(\d\d)-(\d\d)$/` and a real day. */
export function isDate(text: string): boolean {
  return text.length === 10 && isDateAt(text);
}

/** Whether a UTF-16 unit is a separator of ajv-formats' `date-time` split (`/t|\s/i`). */
function isDateTimeSeparator(c: number): boolean {
  return (
    c === 0x54 ||
    c === 0x74 ||
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * ajv-formats' `date-time` (strict time zone): the string splits on `/t|\s/i` into exactly a
 * `date` and a `time` (`/^(\d\d):(\d\d):(\d\d(?:\.\d+)?)(z|([+-])(\d\d)(?::?(\d\d))?)?$/i`, zone
 * required, hours ≤ 23, minutes ≤ 59, seconds < 60, or a leap second at 23:59 UTC). Neither part
 * can hold a separator, so the split is at index 10 exactly.
 */
export function isDateTime(text: string): boolean {
  const n = text.length;
  if (n < 20 || !isDateTimeSeparator(text.charCodeAt(10)) || !isDateAt(text)) return false;
  // HH:MM:SS from 11
  const hr = twoDigitsAt(text, 11);
  const min = twoDigitsAt(text, 14);
  const ss = twoDigitsAt(text, 17);
  if (hr < 0 || min < 0 || ss < 0 || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a)
    return false;
  let i = 19;
  if (text.charCodeAt(i) === 0x2e) {
    // a fraction: `.` and at least one digit
    i++;
    if (digitAt(text, i) < 0) return false;
    while (digitAt(text, i) >= 0) i++;
  }
  const fractionEnd = i;
  let tzSign = 1;
  let tzH = 0;
  let tzM = 0;
  const z = text.charCodeAt(i);
  if (z === 0x5a || z === 0x7a) {
    if (i + 1 !== n) return false;
  } else if (z === 0x2b || z === 0x2d) {
    tzSign = z === 0x2d ? -1 : 1;
    tzH = twoDigitsAt(text, i + 1);
    if (tzH < 0) return false;
    i += 3;
    if (i !== n) {
      if (text.charCodeAt(i) === 0x3a) i++;
      tzM = twoDigitsAt(text, i);
      if (tzM < 0 || i + 2 !== n) return false;
    }
  } else {
    return false; // no time zone (or something else where it should be)
  }
  if (tzH > 23 || tzM > 59) return false;
  // Seconds with their fraction, as the regex version reads them (`+"59.9999999999999999"` is 60).
  const sec = fractionEnd > 19 && ss >= 59 ? Number(text.slice(17, fractionEnd)) : ss;
  if (hr <= 23 && min <= 59 && sec < 60) return true;
  // leap second
  const utcMin = min - tzM * tzSign;
  const utcHr = hr - tzH * tzSign - (utcMin < 0 ? 1 : 0);
  return (utcHr === 23 || utcHr === -1) && (utcMin === 59 || utcMin === -1) && sec < 61;
}
