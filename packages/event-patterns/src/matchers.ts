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
  | { readonly kind: 'prefix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'suffix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'equals-ignore-case'; readonly value: string }
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
  | { readonly kind: 'anything-but-ignore-case'; readonly values: readonly string[] }
  | { readonly kind: 'anything-but-wildcard'; readonly values: readonly WildcardSegments[] };

/** The case-folded form used by every `equals-ignore-case` comparison. */
export const fold = (s: string): string => s.toLowerCase();

/** True when the leaf value satisfies the matcher. */
export function matchesValue(m: ValueMatcher, v: EventValue): boolean {
  switch (m.kind) {
    case 'string':
      return v === m.value;
    case 'ip':
      return typeof v === 'string' && canonicalIp(v) === m.hex;
    case 'number':
      return v === m.value;
    case 'raw-number':
      return v instanceof JsonRawNumber && v.text === m.text;
    case 'literal':
      return v === m.value;
    case 'prefix':
      return typeof v === 'string' && (m.ignoreCase ? fold(v) : v).startsWith(m.value);
    case 'suffix':
      return typeof v === 'string' && (m.ignoreCase ? fold(v) : v).endsWith(m.value);
    case 'equals-ignore-case':
      return typeof v === 'string' && fold(v) === m.value;
    case 'wildcard':
      return typeof v === 'string' && matchWildcard(m.segments, v);
    case 'numeric':
      return (
        typeof v === 'number' &&
        (m.lowOpen ? v > m.low : v >= m.low) &&
        (m.highOpen ? v < m.high : v <= m.high)
      );
    case 'cidr':
      return typeof v === 'string' && ipInRange(v, m.range);
    case 'exists':
      return true;
    case 'anything-but':
      if (typeof v === 'string') return !m.strings.has(v);
      if (typeof v === 'number') return !m.numbers.includes(v);
      return true;
    case 'anything-but-prefix':
      return typeof v !== 'string' || !m.values.some((p) => v.startsWith(p));
    case 'anything-but-suffix':
      return typeof v !== 'string' || !m.values.some((p) => v.endsWith(p));
    case 'anything-but-ignore-case': {
      if (typeof v !== 'string') return true;
      const f = fold(v);
      return !m.values.includes(f);
    }
    case 'anything-but-wildcard':
      return typeof v !== 'string' || !m.values.some((s) => matchWildcard(s, v));
  }
}
