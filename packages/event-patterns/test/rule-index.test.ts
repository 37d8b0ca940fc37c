import { seededRandom } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidEventPatternError, matchesPattern, RuleIndex } from '../src/index.ts';

const PATHS = [
  'source',
  'detail-type',
  'detail.a',
  'detail.b',
  'detail.n',
  'detail.ip',
  'detail.items.k',
  'detail.items.v',
];
const STRINGS = [
  'a',
  'ab',
  'abc',
  'b',
  'ba',
  'A',
  'AB',
  'Abc',
  '',
  'x*y',
  '10.0.0.1',
  '10.0.0.200',
  '10.0.1.1',
];
const NUMBERS = [0, -0, 1, 2, 2.5, 5, 10, -1, 300];

function generators(random: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const str = () => pick(STRINGS);
  const nonEmpty = () => pick(STRINGS.filter((s) => s !== ''));
  const num = () => pick(NUMBERS);
  const leaf = (): unknown => {
    const r = random();
    if (r < 0.55) return str();
    if (r < 0.85) return num();
    return pick([true, false, null]);
  };
  const matcher = (): unknown => {
    switch (Math.floor(random() * 18)) {
      case 0:
      case 1:
        return str();
      case 2:
        return num();
      case 3:
        return pick([true, false, null]);
      case 4:
        return { prefix: str() };
      case 5:
        return { suffix: str() };
      case 6:
        return { prefix: { 'equals-ignore-case': str() } };
      case 7:
        return { suffix: { 'equals-ignore-case': str() } };
      case 8:
        return { 'equals-ignore-case': str() };
      case 9:
        return { wildcard: pick(['a*', '*b', 'a*c', '*', 'ab', '*b*', 'x\\*y']) };
      case 10: {
        const lo = num();
        const hi = lo + 1 + Math.floor(random() * 10);
        return {
          numeric: pick([
            ['>', lo],
            ['>=', lo, '<', hi],
            ['<=', hi],
            ['=', lo],
            ['>', lo, '<=', hi],
          ]),
        };
      }
      case 11:
        return { exists: random() < 0.5 };
      case 12:
        return { 'anything-but': random() < 0.5 ? [str(), str()] : num() };
      case 13:
        return { 'anything-but': { prefix: nonEmpty() } };
      case 14:
        return { 'anything-but': { suffix: [nonEmpty(), nonEmpty()] } };
      case 15:
        return { 'anything-but': { 'equals-ignore-case': str() } };
      case 16:
        return { 'anything-but': { wildcard: pick(['a*', '*b']) } };
      default:
        return { cidr: pick(['10.0.0.0/24', '10.0.0.0/8']) };
    }
  };
  const setPath = (target: Record<string, unknown>, path: string, value: unknown): void => {
    const parts = path.split('.');
    let at = target;
    for (const p of parts.slice(0, -1)) {
      at[p] ??= {};
      at = at[p] as Record<string, unknown>;
    }
    at[parts[parts.length - 1] as string] = value;
  };
  const fields = (n: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const paths = [...PATHS].sort(() => random() - 0.5).slice(0, n);
    for (const path of paths)
      setPath(out, path, Array.from({ length: 1 + Math.floor(random() * 2) }, matcher));
    return out;
  };
  const rule = (): Record<string, unknown> => {
    const base = fields(1 + Math.floor(random() * 3));
    if (random() < 0.2) base.$or = [fields(1), fields(1 + Math.floor(random() * 2))];
    return base;
  };
  const event = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const path of PATHS.filter((p) => !p.startsWith('detail.items'))) {
      if (random() < 0.75) setPath(out, path, random() < 0.2 ? [leaf(), leaf()] : leaf());
    }
    if (random() < 0.6) {
      const items = Array.from({ length: Math.floor(random() * 3) }, () => {
        const item: Record<string, unknown> = {};
        if (random() < 0.8) item.k = leaf();
        if (random() < 0.8) item.v = leaf();
        return item;
      });
      setPath(out, 'detail.items', items);
    }
    return out;
  };
  return { rule, event, pick };
}

describe('RuleIndex', () => {
  it('returns the ids of matching rules in the order they were added', () => {
    // Prepare
    const index = new RuleIndex();
    index.add('by-source', { source: ['aws.s3'] });
    index.add('by-prefix', { 'detail-type': [{ prefix: 'Object ' }] });
    index.add('by-range', { detail: { size: [{ numeric: ['>', 100, '<=', 200] }] } });
    index.add('not-deleted', { source: ['aws.s3'], detail: { state: [{ 'anything-but': 'deleted' }] } });
    index.add('no-key', { detail: { key: [{ exists: false }] } });
    // Act
    const matched = index.match({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { size: 150, state: 'new' },
    });
    // Assess
    expect(matched).toEqual(['by-source', 'by-prefix', 'by-range', 'not-deleted', 'no-key']);
    expect(index.fallbackSize).toBe(1);
  });

  it('forgets removed rules and replaces a rule added again under the same id', () => {
    // Prepare
    const index = new RuleIndex();
    index.add('r1', { source: ['a'] });
    index.add('r2', { source: ['a'] });
    // Act
    const removed = index.remove('r1');
    index.add('r2', { source: ['b'] });
    // Assess
    expect(removed).toBe(true);
    expect(index.remove('r1')).toBe(false);
    expect(index.match({ source: 'a' })).toEqual([]);
    expect(index.match({ source: 'b' })).toEqual(['r2']);
    expect(index.size).toBe(1);
  });

  it('accepts compiled patterns and rejects invalid ones without changing the index', () => {
    const index = new RuleIndex();
    index.add('compiled', compilePattern({ source: ['a'] }));
    expect(() => index.add('bad', { source: 'a' })).toThrow(InvalidEventPatternError);
    expect(index.size).toBe(1);
    expect(index.match({ source: 'a' })).toEqual(['compiled']);
    expect(index.match('not an object')).toEqual([]);
  });

  it('gives exactly the answers of a loop over compiled rules (randomised, seeded)', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      // Prepare
      const random = seededRandom(seed);
      const gen = generators(random);
      const index = new RuleIndex();
      const rules = new Map<string, ReturnType<typeof compilePattern>>();
      for (let i = 0; i < 300; i++) {
        const id = `r${i}`;
        const compiled = compilePattern(gen.rule());
        rules.set(id, compiled);
        index.add(id, compiled);
      }
      for (let round = 0; round < 2; round++) {
        for (let e = 0; e < 300; e++) {
          const event = gen.event();
          // Act
          const got = index.match(event);
          // Assess
          const expected = [...rules].filter(([, c]) => matchesPattern(c, event)).map(([id]) => id);
          expect(got, `seed ${seed} event ${JSON.stringify(event)}`).toEqual(expected);
        }
        // remove a third of the rules and compare again
        for (const id of [...rules.keys()].filter(() => random() < 0.33)) {
          rules.delete(id);
          index.remove(id);
        }
      }
    }
  });

  it('selects few candidates: an anything-but leaf is not indexed when an exact field is there', () => {
    // Prepare
    const index = new RuleIndex();
    for (let i = 0; i < 1000; i++) {
      index.add(`r${i}`, { detail: { id: [`id-${i}`], state: [{ 'anything-but': 'deleted' }] } });
    }
    // Act
    const matched = index.match({ detail: { id: 'id-7', state: 'new' } });
    // Assess
    expect(matched).toEqual(['r7']);
    expect(index.fallbackSize).toBe(0);
  });
});

describe('RuleIndex selectivity', () => {
  it('checks only a handful of rules per event on a mixed set of 1,000 rules', () => {
    // Prepare: exact values, prefixes, numeric ranges, anything-but beside an exact field
    const index = new RuleIndex();
    for (let i = 0; i < 1000; i++) {
      const detail = [
        { customerId: [`c-${i}`] },
        { key: [{ prefix: `raw/tenant-${i}/` }] },
        { latencyMs: [{ numeric: ['>=', i * 10, '<', i * 10 + 10] }] },
        { userId: [`u-${i}`], status: [{ 'anything-but': 'deleted' }] },
      ][i % 4];
      index.add(`r${i}`, { source: ['shared.source'], detail });
    }
    const events = [
      { source: 'shared.source', detail: { customerId: 'c-400' } },
      { source: 'shared.source', detail: { key: 'raw/tenant-401/2026/x.parquet' } },
      { source: 'shared.source', detail: { latencyMs: 4025 } },
      { source: 'shared.source', detail: { userId: 'u-403', status: 'active' } },
    ];
    // Act
    const counts = events.map((e) => index.candidateCount(e));
    // Assess
    expect(events.map((e) => index.match(e))).toEqual([['r400'], ['r401'], ['r402'], ['r403']]);
    for (const n of counts) expect(n).toBeLessThanOrEqual(10);
  });
});
