// EventBridge pattern conformance: every case and invalid pattern of the shared data set, read at
// test time (never copied). `ls-*` outcomes were recorded through the TestEventPattern API, so they
// run through testEventPattern; the others through compilePattern + matchesPattern.
import { readConformance } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import {
  compilePattern,
  InvalidEventPatternError,
  matchesPattern,
  parseJsonLossless,
  RuleIndex,
  testEventPattern,
} from '../src/index.ts';

interface Case {
  id: string;
  pattern: unknown;
  event: Record<string, unknown>;
  match: boolean;
  note: string;
}
interface InvalidPattern {
  pattern: unknown;
  error: true;
  note: string;
}

const data = readConformance<{ cases: Case[]; invalidPatterns: InvalidPattern[] }>(
  'eventbridge-patterns.json',
);

/** The reason text the note quotes (event-ruler's check() result or the AWS error), if any. */
function expectedReason(note: string): string | undefined {
  return (/returns an error \((.*)\)$/.exec(note) ?? /Reason: (.*?)(?: NB:.*)?$/.exec(note))?.[1];
}

describe('EventBridge conformance: cases', () => {
  it('has the expected number of cases', () => {
    expect(data.cases).toHaveLength(496);
  });

  for (const c of data.cases) {
    it(c.id, () => {
      const matched = c.id.startsWith('ls-')
        ? testEventPattern(JSON.stringify(c.pattern), JSON.stringify(c.event))
        : matchesPattern(compilePattern(c.pattern), c.event);
      expect(matched, c.note).toBe(c.match);
    });
  }
});

describe('EventBridge conformance: RuleIndex', () => {
  it('answers every case right with all 496 patterns in one index', () => {
    // Prepare
    const index = new RuleIndex();
    for (const c of data.cases) index.add(c.id, parseJsonLossless(JSON.stringify(c.pattern)));
    // Act
    const wrong = data.cases.filter((c) => {
      const matched = index.match(parseJsonLossless(JSON.stringify(c.event))).includes(c.id);
      return matched !== c.match;
    });
    // Assess
    expect(wrong.map((c) => c.id)).toEqual([]);
  });
});

describe('EventBridge conformance: invalid patterns', () => {
  it('has the expected number of invalid patterns', () => {
    expect(data.invalidPatterns).toHaveLength(106);
  });

  data.invalidPatterns.forEach((c, i) => {
    const id = `invalid-${String(i + 1).padStart(3, '0')} ${JSON.stringify(c.pattern).slice(0, 80)}`;
    it(id, () => {
      let error: unknown;
      try {
        compilePattern(c.pattern);
      } catch (e) {
        error = e;
      }
      expect(error, c.note).toBeInstanceOf(InvalidEventPatternError);
      const reason = expectedReason(c.note);
      if (reason !== undefined) expect((error as Error).message).toBe(reason);
      expect(() => testEventPattern(JSON.stringify(c.pattern), '{}')).toThrow(InvalidEventPatternError);
    });
  });
});
