import { seededRandom } from '@lakeops/testing';
import { fullFormats as ajvFormats } from 'ajv-formats/dist/formats.js';
import { describe, expect, it } from 'vitest';
import { fullFormats, isDate, isDateTime } from '../src/ajv-runtime.ts';

type Check = (text: string) => boolean;
const reference = {
  date: (ajvFormats.date as { validate: Check }).validate,
  dateTime: (ajvFormats['date-time'] as { validate: Check }).validate,
};

const TIMESTAMPS = [
  '2026-11-27T10:02:05Z',
  '2026-11-27T10:02:05.123Z',
  '2026-11-27t10:02:05z',
  '2026-11-27 10:02:05Z',
  '2026-11-27T10:02:05.123456789Z',
  '2026-11-27T10:02:05+01:00',
  '2026-11-27T10:02:05-0530',
  '2026-11-27T10:02:05+05',
  '2026-12-31T23:59:60Z',
  '2026-12-31T23:59:60.5Z',
  '2026-12-31T23:59:59.99999999999999999Z',
  '2026-12-31T22:59:60-01:00',
  '2027-01-01T00:59:60+01:00',
  '2027-01-01T00:00:60+00:01',
  '2024-02-29T00:00:00Z',
  '2023-02-29T00:00:00Z',
  '2000-02-29T00:00:00Z',
  '1900-02-29T00:00:00Z',
  '2026-04-31T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-00-10T00:00:00Z',
  '2026-01-00T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T23:60:00Z',
  '2026-01-01T00:00:00+24:00',
  '2026-01-01T00:00:00+23:60',
  '2026-01-01T00:00:00',
  '2026-01-01T00:00:00.Z',
  '2026-01-01T00:00:00+05:',
  '2026-01-01T00:00:00+053',
  '2026-01-01T00:00:00ZZ',
  '2026-01-01\u00a000:00:00Z',
  '2026-01-01\u300000:00:00Z',
  '2026-01-01\n00:00:00Z',
  '2026-01-01TT00:00:00Z',
  '12026-01-01T00:00:00Z',
  '2026-1-01T00:00:00Z',
  '2026-11-27',
  '2026-02-29',
  '2024-02-29',
  '',
];
const CHARS = [
  ...'0123456789012345678901234567890123456789',
  ...'-:.+ TtZz',
  '\u00a0',
  '\ufeff',
  '\u2028',
  '٣',
  'x',
];

describe('ajv-runtime formats agree with ajv-formats', () => {
  it('keeps every other format as ajv-formats has it', () => {
    for (const name of Object.keys(ajvFormats) as (keyof typeof ajvFormats)[]) {
      if (name !== 'date' && name !== 'date-time') expect(fullFormats[name]).toBe(ajvFormats[name]);
    }
    expect(Object.keys(fullFormats)).toEqual(Object.keys(ajvFormats));
  });

  it('on timestamps and their near misses (date-time and date)', () => {
    for (const text of TIMESTAMPS) {
      expect(isDateTime(text), JSON.stringify(text)).toBe(reference.dateTime(text));
      expect(isDate(text), JSON.stringify(text)).toBe(reference.date(text));
    }
  });

  it('on 200,000 mutated timestamps', () => {
    const random = seededRandom(2026);
    const int = (n: number) => Math.floor(random() * n);
    let valid = 0;
    for (let n = 0; n < 200_000; n++) {
      let text = TIMESTAMPS[int(TIMESTAMPS.length)] as string;
      for (let k = int(4); k > 0; k--) {
        const at = int(text.length + 1);
        const c = CHARS[int(CHARS.length)] as string;
        const op = int(3);
        if (op === 0) text = text.slice(0, at) + c + text.slice(at + 1);
        else if (op === 1) text = text.slice(0, at) + text.slice(at + 1);
        else text = text.slice(0, at) + c + text.slice(at);
      }
      const expected = reference.dateTime(text);
      if (isDateTime(text) !== expected)
        expect.fail(`date-time ${JSON.stringify(text)} should be ${expected}`);
      const day = text.slice(0, 10);
      if (isDate(day) !== reference.date(day)) expect.fail(`date ${JSON.stringify(day)}`);
      if (expected) valid++;
    }
    expect(valid).toBeGreaterThan(20_000);
  });

  it('for every UTF-16 code unit as the separator, in the date, the time and the zone', () => {
    const differ: string[] = [];
    for (let code = 0; code < 0x10000; code++) {
      const c = String.fromCharCode(code);
      for (const text of [
        `2026-11-27${c}10:02:05Z`,
        `2026-11-2${c}T10:02:05Z`,
        `2026-11-27T10:02:0${c}Z`,
        `2026-11-27T10:02:05${c}`,
      ]) {
        if (isDateTime(text) !== reference.dateTime(text)) differ.push(JSON.stringify(text));
      }
    }
    expect(differ).toEqual([]);
  });

  it('for every value of every two-digit field, with every zone and leap-second edge', () => {
    const differ: string[] = [];
    const two = (n: number) => String(n).padStart(2, '0');
    for (let v = 0; v < 100; v++) {
      const f = two(v);
      const texts = [
        `2026-${f}-15T10:00:00Z`,
        `2024-02-${f}T10:00:00Z`,
        `2026-${f}-31T10:00:00Z`,
        `2026-01-01T${f}:00:00Z`,
        `2026-01-01T10:${f}:00Z`,
        `2026-01-01T10:00:${f}Z`,
        `2026-01-01T10:00:${f}.999Z`,
        `2026-01-01T10:00:00+${f}:00`,
        `2026-01-01T10:00:00-00:${f}`,
        `${f}00-02-29T00:00:00Z`,
        `20${f}-02-29T00:00:00Z`,
      ];
      for (const zone of ['Z', '+00:00', '+01:00', '-01:00', '+00:01', '-00:01', '+2359', '-23:59']) {
        texts.push(
          `2026-12-31T${f}:59:60${zone}`,
          `2026-12-31T23:${f}:60${zone}`,
          `2027-01-01T${f}:00:60${zone}`,
        );
      }
      for (const text of texts) {
        if (isDateTime(text) !== reference.dateTime(text)) differ.push(text);
        if (isDate(text.slice(0, 10)) !== reference.date(text.slice(0, 10))) differ.push(text.slice(0, 10));
      }
    }
    expect(differ).toEqual([]);
  });
});
