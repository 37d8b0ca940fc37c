// `wildcard` values: `*` is zero or more characters, anchored at both ends; `\*` and `\\` are the
// only escapes; `**` is invalid. Error positions are UTF-8 byte offsets into the quoted value, as
// event-ruler reports them (input/WildcardParser.java).

const encoder = new TextEncoder();

/** Literal segments between the `*`s of a wildcard value: `a*b\*c` → ['a', 'b*c']. */
export type WildcardSegments = readonly string[];

/** Parses a wildcard value; throws Error with event-ruler's message when invalid. */
export function parseWildcard(text: string): WildcardSegments {
  const segments: string[] = [];
  let current = '';
  const pos = (i: number): number => 1 + encoder.encode(text.slice(0, i)).length;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '*') {
      if (text[i + 1] === '*') throw new Error(`Consecutive wildcard characters at pos ${pos(i)}`);
      segments.push(current);
      current = '';
    } else if (c === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\') throw new Error(`Invalid escape character at pos ${pos(i)}`);
      current += next;
      i++;
    } else {
      current += c;
    }
  }
  segments.push(current);
  return segments;
}

/** Anchored glob match of `value` against parsed segments (greedy, linear for `*`-only globs). */
export function matchWildcard(segments: WildcardSegments, value: string): boolean {
  const first = segments[0] ?? '';
  if (segments.length === 1) return value === first;
  const last = segments[segments.length - 1] ?? '';
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < segments.length - 1; i++) {
    const seg = segments[i] ?? '';
    const found = value.indexOf(seg, at);
    if (found < 0 || found + seg.length > end) return false;
    at = found + seg.length;
  }
  return true;
}

/**
 * event-ruler's wildcard complexity (MachineComplexityEvaluator): the most prefixes of the given
 * patterns, read as globs, that one input string can match at once — the number of matching paths
 * a worst-case value keeps alive. `a*aaa` with `aa*aa` scores 7 (on `aaaa`). Explores the subset
 * automaton breadth-first and stops as soon as the score exceeds `limit`.
 */
export function wildcardComplexity(patterns: readonly WildcardSegments[], limit: number): number {
  // a pattern as tokens: a literal UTF-16 code unit, or -1 for `*`
  const tokens = patterns.map((segments) =>
    segments.flatMap((seg, i) => [...(i > 0 ? [-1] : []), ...Array.from(seg, (c) => c.charCodeAt(0))]),
  );
  const alphabet = [...new Set(tokens.flat().filter((t) => t >= 0)), -2]; // -2: any other character
  const close = (t: readonly number[], states: Set<number>): number[] => {
    for (const k of [...states]) for (let j = k; j < t.length && t[j] === -1; j++) states.add(j + 1);
    return [...states].sort((a, b) => a - b);
  };
  const start = tokens.map((t) => close(t, new Set([0])));
  const keyOf = (sets: readonly number[][]): string => sets.map((s) => s.join(',')).join('|');
  const seen = new Set([keyOf(start)]);
  const queue = [start];
  let max = 0;
  for (let head = 0; head < queue.length && seen.size < 100_000; head++) {
    const current = queue[head] ?? [];
    const size = current.reduce((n, states) => n + states.filter((k) => k > 0).length, 0);
    max = Math.max(max, size);
    if (max > limit) return max;
    for (const c of alphabet) {
      const next = current.map((states, i) => {
        const t = tokens[i] ?? [];
        const moved = new Set<number>();
        for (const k of states) {
          if (k > 0 && t[k - 1] === -1) moved.add(k); // a `*` consumes the character
          if (k < t.length && t[k] === c) moved.add(k + 1);
        }
        return close(t, moved);
      });
      const key = keyOf(next);
      if (!seen.has(key)) {
        seen.add(key);
        queue.push(next);
      }
    }
  }
  return max;
}
