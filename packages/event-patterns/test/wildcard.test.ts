import { describe, expect, it } from 'vitest';
import { matchWildcard, parseWildcard, wildcardComplexity } from '../src/wildcard.ts';

describe('wildcardComplexity', () => {
  // expectations from event-ruler's MachineComplexityEvaluatorTest (aws/event-ruler, Apache-2.0)
  const cases: [string[], number][] = [
    [['*'], 1],
    [['abc'], 1],
    [['*aa'], 3],
    [['aa*'], 2],
    [['a*bbb'], 4],
    [['*ab*ad'], 4],
    [['a*b*bb'], 5],
    [['ab*c', 'x*xx'], 3],
    [['*abc', '*abcde'], 4],
    [['a*aaa', 'aa*aa'], 7],
  ];
  for (const [patterns, expected] of cases) {
    it(`scores ${patterns.join(' + ')} as ${expected}`, () => {
      expect(wildcardComplexity(patterns.map(parseWildcard), 100)).toBe(expected);
    });
  }

  it('scores the patterns AWS accepted and rejected on either side of the limit of 10', () => {
    expect(wildcardComplexity([parseWildcard('/Users/*/dir/dir/dir/dir/dir/doc.txt')], 100)).toBe(7);
    expect(wildcardComplexity([parseWildcard('*:*:*:*:*:event-bus/*')], 100)).toBe(11);
  });
});

describe('matchWildcard', () => {
  it('matches anchored globs, with escaped stars as literals', () => {
    expect(matchWildcard(parseWildcard('a*b*c'), 'abc')).toBe(true);
    expect(matchWildcard(parseWildcard('a*b*c'), 'aXbYc')).toBe(true);
    expect(matchWildcard(parseWildcard('a*b*c'), 'acb')).toBe(false);
    expect(matchWildcard(parseWildcard('a*a'), 'a')).toBe(false);
    expect(matchWildcard(parseWildcard('\\*\\\\'), '*\\')).toBe(true);
    expect(matchWildcard(parseWildcard(''), '')).toBe(true);
  });
});
