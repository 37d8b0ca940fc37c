import { describe, expect, it } from 'vitest';
import {
  compilePattern,
  InvalidEventPatternError,
  InvalidTestEventError,
  matchesPattern,
  parseJsonLossless,
  testEventPattern,
} from '../src/index.ts';

const envelope = {
  id: '1',
  source: 'lake.test',
  'detail-type': 'Test',
  account: '123456789012',
  region: 'eu-west-1',
  time: '2026-11-27T12:00:00Z',
};

const errorOf = (pattern: unknown): InvalidEventPatternError => {
  try {
    compilePattern(pattern);
  } catch (e) {
    if (e instanceof InvalidEventPatternError) return e;
    throw e;
  }
  throw new Error('pattern was accepted');
};

describe('compilePattern', () => {
  it('throws InvalidEventPatternError with a stable code, not retryable, with the event-ruler text', () => {
    // Act
    const error = errorOf({ detail: { count: [{ numeric: ['>', 10, '<', 5] }] } });
    // Assess
    expect(error.code).toBe('InvalidEventPattern');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('Bottom must be less than top');
    expect(error.awsMessage).toBe('Event pattern is not valid. Reason: Bottom must be less than top');
  });

  it('rejects an $or that expands to more than 1,000 combinations and accepts 1,000', () => {
    // Prepare: three nested $or of 10 branches each = 1,000 combinations; a fourth with 2 = 2,000
    const or10 = (field: string) => ({
      $or: Array.from({ length: 10 }, (_, i) => ({ [field]: [`${field}${i}`] })),
    });
    const thousand = { a: or10('x'), b: or10('y'), c: or10('z') };
    const twoThousand = { ...thousand, d: { $or: [{ p: ['1'] }, { q: ['2'] }] } };
    // Act
    const compiled = compilePattern(thousand);
    // Assess
    expect(compiled.subRules).toHaveLength(1000);
    expect(errorOf(twoThousand).message).toMatch(/more than 1000 combinations/);
  });

  it('rejects a wildcard pattern too complex for EventBridge and accepts simpler ones', () => {
    expect(errorOf({ arn: [{ wildcard: '*:*:*:*:*:event-bus/*' }] }).message).toMatch(/^Rule is too complex/);
    expect(() => compilePattern({ arn: [{ wildcard: 'arn:aws:events:*:*:event-bus/*' }] })).not.toThrow();
  });

  it('reports wildcard syntax errors at the UTF-8 byte position of the quoted value', () => {
    expect(errorOf({ a: [{ wildcard: 'é**' }] }).message).toBe('Consecutive wildcard characters at pos 3');
    expect(errorOf({ a: [{ wildcard: 'a\\b' }] }).message).toBe('Invalid escape character at pos 2');
  });

  it('does not accept reserved operator names as field names inside $or', () => {
    expect(errorOf({ $or: [{ prefix: ['a'] }, { b: ['c'] }] }).message).toBe(
      'prefix is Ruler reserved fieldName which cannot be used inside $or.',
    );
  });
});

describe('matchesPattern', () => {
  it('matches numbers in value lists numerically and strings exactly', () => {
    // Prepare
    const rule = compilePattern({ detail: { n: [300], s: ['300'] } });
    // Act / Assess
    expect(matchesPattern(rule, { detail: { n: 300.0, s: '300' } })).toBe(true);
    expect(matchesPattern(rule, { detail: { n: '300', s: 300 } })).toBe(false);
  });

  it('matches wildcards with escapes, anchored at both ends', () => {
    const rule = compilePattern({ key: [{ wildcard: 'raw/*/\\*.parquet' }] });
    expect(matchesPattern(rule, { key: 'raw/2026/11/*.parquet' })).toBe(true);
    expect(matchesPattern(rule, { key: 'raw/2026/11/part.parquet' })).toBe(false);
    expect(matchesPattern(rule, { key: 'raw/x/*.parquet.tmp' })).toBe(false);
  });

  it('keeps array consistency: fields of one match come from one element of an event array', () => {
    const rule = compilePattern({ items: { sku: ['a'], qty: [2] } });
    expect(
      matchesPattern(rule, {
        items: [
          { sku: 'a', qty: 1 },
          { sku: 'b', qty: 2 },
        ],
      }),
    ).toBe(false);
    expect(
      matchesPattern(rule, {
        items: [
          { sku: 'b', qty: 1 },
          { sku: 'a', qty: 2 },
        ],
      }),
    ).toBe(true);
  });

  it('matches IPv6 addresses in a CIDR block and exact IP values written differently', () => {
    const rule = compilePattern({ ip: [{ cidr: '2001:db8::/32' }], peer: ['2001:db8::1'] });
    expect(matchesPattern(rule, { ip: '2001:0db8:ffff::1', peer: '2001:0db8:0:0:0:0:0:1' })).toBe(true);
    expect(matchesPattern(rule, { ip: '2001:0db9::1', peer: '2001:db8::1' })).toBe(false);
  });

  it('ignores case per pattern character, as event-ruler does, without folding the event', () => {
    const sharp = compilePattern({ a: [{ 'equals-ignore-case': 'straße' }] });
    expect(matchesPattern(sharp, { a: 'STRASSE' })).toBe(true);
    expect(matchesPattern(sharp, { a: 'Straße' })).toBe(true);
    expect(matchesPattern(sharp, { a: 'strasse' })).toBe(false);
    const kelvin = compilePattern({ a: [{ prefix: { 'equals-ignore-case': 'k' } }] });
    expect(matchesPattern(kelvin, { a: 'Kilo' })).toBe(true);
    expect(matchesPattern(kelvin, { a: '\u212Aelvin' })).toBe(false);
  });

  it('orders -0 just below 0, as event-ruler compares numbers', () => {
    const event = { n: -0 };
    expect(matchesPattern(compilePattern({ n: [{ numeric: ['>=', 0] }] }), event)).toBe(false);
    expect(matchesPattern(compilePattern({ n: [{ numeric: ['<', 0] }] }), event)).toBe(true);
    expect(matchesPattern(compilePattern({ n: [0] }), event)).toBe(false);
    expect(matchesPattern(compilePattern({ n: [{ 'anything-but': 0 }] }), event)).toBe(true);
  });

  it('never matches something that is not an object', () => {
    expect(matchesPattern(compilePattern({ a: [{ exists: false }] }), ['a'])).toBe(false);
  });
});

describe('testEventPattern', () => {
  it('answers like the TestEventPattern API', () => {
    const event = JSON.stringify({ ...envelope, detail: { state: 'running' } });
    expect(testEventPattern('{"detail":{"state":["running"]}}', event)).toBe(true);
    expect(testEventPattern('{"detail":{"state":[{"anything-but":"running"}]}}', event)).toBe(false);
  });

  it('rejects an Event missing one of id, source, detail-type, account, region, time', () => {
    for (const key of Object.keys(envelope)) {
      // Prepare
      const event = { ...envelope, detail: {} } as Record<string, unknown>;
      delete event[key];
      // Act
      const act = () => testEventPattern('{"source":["lake.test"]}', JSON.stringify(event));
      // Assess
      expect(act, key).toThrow(InvalidTestEventError);
      expect(act, key).toThrow('Parameter Event is not valid');
    }
    expect(() => testEventPattern('{"source":["x"]}', 'not json')).toThrow(InvalidTestEventError);
    expect(() => testEventPattern('{"source":["x"]}', '[1]')).toThrow(InvalidTestEventError);
  });

  it('rejects an invalid pattern with InvalidEventPatternError', () => {
    const event = JSON.stringify(envelope);
    expect(() => testEventPattern('{"source":"x"}', event)).toThrow('"source" must be an object or an array');
    expect(() => testEventPattern('{not json', event)).toThrow(InvalidEventPatternError);
  });

  it('keeps the text of numbers above 2^53 and matches them by text, not by their rounded value', () => {
    // Prepare: both ids round to the same double
    const pattern = '{"detail":{"id":[12345678901234567890]}}';
    const same = `{"id":"1","source":"s","detail-type":"t","account":"1","region":"r","time":"t","detail":{"id":12345678901234567890}}`;
    const other = same.replace('12345678901234567890', '12345678901234567891');
    // Act / Assess
    expect(testEventPattern(pattern, same)).toBe(true);
    expect(testEventPattern(pattern, other)).toBe(false);
    expect(() => testEventPattern('{"n":[{"numeric":[">",12345678901234567890]}]}', same)).toThrow(
      'Cannot compare number : 12345678901234567890',
    );
    expect(parseJsonLossless('[0.1, 1e300]')).toEqual([0.1, 1e300]);
  });
});
