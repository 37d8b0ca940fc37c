import { type CaselessText, caselessMatch } from './ignore-case.ts';
import { canonicalIp, type IpRange, ipInRange } from './ip.ts';
import { JsonRawNumber } from './json.ts';
import { matchWildcard, type WildcardSegments } from './wildcard.ts';

/** A leaf value of an event: what the matchers compare against. */
export type EventValue = string | number | boolean | null | JsonRawNumber;

/** One compiled entry of a pattern's value list (the list is an OR of its entries). */
export type ValueMatcher =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'ip'; readonly hex: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'raw-number'; readonly text: string }
  | { readonly kind: 'literal'; readonly value: boolean | null }
  | { readonly kind: 'prefix'; readonly value: string }
  | { readonly kind: 'suffix'; readonly value: string }
  | { readonly kind: 'prefix-ignore-case'; readonly value: CaselessText }
  | { readonly kind: 'suffix-ignore-case'; readonly value: CaselessText }
  | { readonly kind: 'equals-ignore-case'; readonly value: CaselessText }
  | { readonly kind: 'wildcard'; readonly text: string; readonly segments: WildcardSegments }
  | {
      readonly kind: 'numeric';
      readonly low: number;
      readonly lowOpen: boolean;
      readonly high: number;
      readonly highOpen: boolean;
    }
  | { readonly kind: 'cidr'; readonly range: IpRange }
  | { readonly kind: 'exists' }
  | {
      readonly kind: 'anything-but';
      readonly strings: ReadonlySet<string>;
      readonly numbers: readonly number[];
    }
  | { readonly kind: 'anything-but-prefix'; readonly values: readonly string[] }
  | { readonly kind: 'anything-but-suffix'; readonly values: readonly string[] }
  | { readonly kind: 'anything-but-ignore-case'; readonly values: readonly CaselessText[] }
  | { readonly kind: 'anything-but-wildcard'; readonly values: readonly WildcardSegments[] };

/**
 * Numbers in event-ruler's order, where -0 sorts just below 0 (it compares the doubles' bits):
 * negative, zero or positive as a is below, equal to or above b.
 */
export const compareNumbers = (a: number, b: number): number =>
  a < b ? -1 : a > b ? 1 : Object.is(a, b) ? 0 : Object.is(a, -0) ? -1 : 1;

/** True when the leaf value satisfies the matcher. */
export function matchesValue(m: ValueMatcher, v: EventValue): boolean {
  switch (m.kind) {
    case 'string':
      return v === m.value;
    case 'ip':
      return typeof v === 'string' && canonicalIp(v) === m.hex;
    case 'number':
      return typeof v === 'number' && compareNumbers(v, m.value) === 0;
    case 'raw-number':
      return v instanceof JsonRawNumber && v.text === m.text;
    case 'literal':
      return v === m.value;
    case 'prefix':
      return typeof v === 'string' && v.startsWith(m.value);
    case 'suffix':
      return typeof v === 'string' && v.endsWith(m.value);
    case 'prefix-ignore-case':
      return typeof v === 'string' && caselessMatch(m.value, v, 'prefix');
    case 'suffix-ignore-case':
      return typeof v === 'string' && caselessMatch(m.value, v, 'suffix');
    case 'equals-ignore-case':
      return typeof v === 'string' && caselessMatch(m.value, v, 'equals');
    case 'wildcard':
      return typeof v === 'string' && matchWildcard(m.segments, v);
    case 'numeric':
      return (
        typeof v === 'number' &&
        (m.lowOpen ? compareNumbers(v, m.low) > 0 : compareNumbers(v, m.low) >= 0) &&
        (m.highOpen ? compareNumbers(v, m.high) < 0 : compareNumbers(v, m.high) <= 0)
      );
    case 'cidr':
      return typeof v === 'string' && ipInRange(v, m.range);
    case 'exists':
      return true;
    case 'anything-but':
      if (typeof v === 'string') return !m.strings.has(v);
      if (typeof v === 'number') return !m.numbers.some((n) => compareNumbers(n, v) === 0);
      return true;
    case 'anything-but-prefix':
      return typeof v !== 'string' || !m.values.some((p) => v.startsWith(p));
    case 'anything-but-suffix':
      return typeof v !== 'string' || !m.values.some((p) => v.endsWith(p));
    case 'anything-but-ignore-case':
      return typeof v !== 'string' || !m.values.some((p) => caselessMatch(p, v, 'equals'));
    case 'anything-but-wildcard':
      return typeof v !== 'string' || !m.values.some((s) => matchWildcard(s, v));
  }
}
