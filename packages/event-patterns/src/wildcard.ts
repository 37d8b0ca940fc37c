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

/** Number of `*` in a parsed wildcard value. */
export function wildcardCount(segments: WildcardSegments): number {
  return segments.length - 1;
}
