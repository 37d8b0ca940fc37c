/** The shape of an event's `time`: RFC 3339 with seconds, a fraction optional, `Z` or an offset. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Whether `time` is an RFC 3339 timestamp as the bus requires: the shape above, and a time
 * `Date.parse` accepts. Answers as `RFC3339.test(time) && !Number.isNaN(Date.parse(time))` does,
 * reading the fields instead of parsing (V8 takes any day 01–31 of any month, hour 24 only as
 * 24:00:00(.000…), zone hours ≤ 23 and minutes ≤ 59); `test/rfc3339.test.ts` compares the two.
 */
export function isRfc3339Time(time: string): boolean {
  if (!RFC3339.test(time)) return false;
  const month = num(time, 5);
  const day = num(time, 8);
  const hour = num(time, 11);
  const minute = num(time, 14);
  const second = num(time, 17);
  const zone = time.length - 1;
  if (time.charCodeAt(zone) !== 0x5a /* Z */) {
    if (num(time, zone - 4) > 23 || num(time, zone - 1) > 59) return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || minute > 59 || second > 59) return false;
  if (hour < 24) return true;
  if (hour > 24 || minute !== 0 || second !== 0) return false;
  // 24:00:00 is the end of the day, with a fraction of zeros only
  if (time.charCodeAt(19) !== 0x2e /* . */) return true;
  for (let i = 20; i < time.length; i++) {
    const c = time.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    if (c !== 0x30) return false;
  }
  return true;
}

/** The two-digit number at `i` (the regex has checked the digits). */
function num(text: string, i: number): number {
  return (text.charCodeAt(i) - 0x30) * 10 + text.charCodeAt(i + 1) - 0x30;
}
