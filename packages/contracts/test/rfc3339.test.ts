import { seededRandom } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { isRfc3339Time } from '../src/rfc3339.ts';

/** The check as ingestEvent made it before: the regex, then Date.parse. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const reference = (time: string) => RFC3339.test(time) && !Number.isNaN(Date.parse(time));

describe('isRfc3339Time agrees with the regex + Date.parse', () => {
  const two = (n: number) => String(n).padStart(2, '0');
  const FRACTIONS = [
    '',
    '.0',
    '.00',
    '.000',
    '.0000',
    '.0001',
    '.0009',
    '.001',
    '.5',
    '.05',
    '.123',
    '.123456789',
    `.${'0'.repeat(40)}`,
    `.${'0'.repeat(39)}1`,
    `.${'9'.repeat(40)}`,
  ];
  const ZONES = [
    'Z',
    '+00:00',
    '-00:00',
    '+01:00',
    '-05:30',
    '+23:59',
    '-23:59',
    '+24:00',
    '+00:60',
    '+14:00',
  ];

  it('for every value of every two-digit field, every fraction and zone', () => {
    const differ: string[] = [];
    for (let v = 0; v < 100; v++) {
      const f = two(v);
      const texts = [
        `2026-${f}-15T10:00:00Z`,
        `2026-02-${f}T10:00:00Z`,
        `2026-04-${f}T10:00:00Z`,
        `2026-01-01T${f}:00:00Z`,
        `2026-01-01T10:${f}:00Z`,
        `2026-01-01T10:00:${f}Z`,
        `2026-01-01T10:00:00+${f}:00`,
        `2026-01-01T10:00:00-00:${f}`,
        `${f}${f}-02-29T00:00:00Z`,
        `2026-01-01T24:${f}:00Z`,
        `2026-01-01T24:00:${f}Z`,
      ];
      for (const text of texts) {
        for (const fraction of ['', '.000', '.5']) {
          const t = text.replace(/(T\d\d:\d\d:\d\d)/, `$1${fraction}`);
          if (isRfc3339Time(t) !== reference(t)) differ.push(t);
        }
      }
    }
    for (const fraction of FRACTIONS) {
      for (const zone of ZONES) {
        for (const time of ['24:00:00', '23:59:59', '00:00:00', '24:00:01', '24:01:00']) {
          for (const day of ['0000-01-01', '9999-12-31', '2026-02-31', '1970-01-01']) {
            const t = `${day}T${time}${fraction}${zone}`;
            if (isRfc3339Time(t) !== reference(t)) differ.push(t);
          }
        }
      }
    }
    expect(differ).toEqual([]);
  });

  it('on 100,000 generated times and near misses', () => {
    const random = seededRandom(3339);
    const int = (n: number) => Math.floor(random() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
    const field = () => (int(4) === 0 ? two(int(100)) : two(int(30)));
    let valid = 0;
    for (let n = 0; n < 100_000; n++) {
      let t = `${two(int(100))}${two(int(100))}-${field()}-${field()}T${field()}:${field()}:${field()}${pick(FRACTIONS)}${pick(ZONES)}`;
      if (int(5) === 0) {
        const at = int(t.length);
        t = t.slice(0, at) + pick([...'0123456789-:.+TZz ', '']) + t.slice(at + 1);
      }
      const expected = reference(t);
      if (isRfc3339Time(t) !== expected) expect.fail(`${JSON.stringify(t)} should be ${expected}`);
      if (expected) valid++;
    }
    expect(valid).toBeGreaterThan(5_000);
  });
});
