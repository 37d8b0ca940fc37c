import { seededRandom } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { jsonBytesBound } from '../src/json-size.ts';
import { scanPiiAndSize } from '../src/pii-guard.ts';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

describe('the JSON size bound behind the 256 KB check', () => {
  it('never says "fits" for a value larger than the budget (generated values, worst-case characters)', () => {
    const random = seededRandom(256);
    const int = (n: number) => Math.floor(random() * n);
    const UNITS = [
      'a',
      '"',
      '\\',
      '\u0000',
      '\u001f',
      '\n',
      'é',
      '€',
      '\ud83d\ude00',
      '\ud800',
      '\udc00',
      '\u2028',
    ];
    const NUMBERS = [
      0,
      -0,
      1,
      -1.7976931348623157e308,
      2.2250738585072014e-308,
      -5e-324,
      123456789.123,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ];
    const string = () => Array.from({ length: int(12) }, () => UNITS[int(UNITS.length)]).join('');
    const value = (depth: number): unknown => {
      const r = int(12);
      if (depth > 3 || r < 6) {
        return [string(), NUMBERS[int(NUMBERS.length)], true, false, null, undefined][r % 6];
      }
      if (r < 9) return Array.from({ length: int(5) }, () => value(depth + 1));
      const out: Record<string, unknown> = {};
      for (let k = int(5); k > 0; k--) out[string()] = value(depth + 1);
      return out;
    };
    for (let n = 0; n < 5000; n++) {
      const v = value(0);
      const size = bytes(v);
      for (const budget of [0, size - 1, size, size + 10, 6 * size + 50]) {
        if (budget < 0) continue;
        const left = jsonBytesBound(v, budget);
        if (left >= 0) expect(size, JSON.stringify(v)).toBeLessThanOrEqual(budget);
        if (scanPiiAndSize(v, budget).fits) expect(size, JSON.stringify(v)).toBeLessThanOrEqual(budget);
      }
      // with room to spare, plain data is always bounded
      expect(scanPiiAndSize(v, 6 * size + 1000).fits).toBe(true);
    }
  });

  it('leaves anything but plain JSON data to JSON.stringify', () => {
    const notPlain: unknown[] = [
      new Date(0),
      { at: new Date(0) },
      { toJSON: () => 'x' },
      [new Map()],
      { n: 10n },
      { f: () => 1 },
      Object.create({ inherited: 1 }),
      [Symbol('s')],
    ];
    for (const v of notPlain) {
      expect(jsonBytesBound(v, 1e9)).toBe(-1);
      expect(scanPiiAndSize(v, 1e9).fits).toBe(false);
    }
    expect(scanPiiAndSize(Object.create(null), 10).fits).toBe(true);
    expect(scanPiiAndSize({ 'jane@example.com': 'x'.repeat(100) }, 100).fits).toBe(false); // a flagged name's value counts too
  });
});
