// equals-ignore-case as event-ruler reads it (input/EqualsIgnoreCaseParser.java): each UTF-16 character
// of the pattern may appear in the event as its lower-case or its upper-case form (Locale.ROOT), so
// `ß` also matches `SS`, but the Kelvin sign does not match `K`. The event itself is not folded.

/** A compiled case-insensitive pattern text. */
export interface CaselessText {
  readonly text: string;
  /** Pure ASCII pattern: then a match is exactly lower-case equality, so it can be hashed. */
  readonly ascii: boolean;
  /** `text.toLowerCase()`: the index key of an ASCII pattern. */
  readonly folded: string;
  readonly alternatives: readonly (readonly string[])[];
}

const ASCII = /^[ -~\t\n\r]*$/; // printable ASCII and common whitespace
const isAscii = (s: string): boolean => ASCII.test(s) || [...s].every((c) => c.charCodeAt(0) < 0x80);

export function caseless(text: string): CaselessText {
  const alternatives: string[][] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    const lower = c.toLowerCase();
    const upper = c.toUpperCase();
    alternatives.push(lower === upper ? [lower] : [lower, upper]);
  }
  return { text, ascii: isAscii(text), folded: text.toLowerCase(), alternatives };
}

/** Does `value` equal (or start or end with) the pattern, ignoring case? */
export function caselessMatch(p: CaselessText, value: string, mode: 'equals' | 'prefix' | 'suffix'): boolean {
  if (p.ascii && isAscii(value)) {
    const v = value.toLowerCase();
    return mode === 'equals'
      ? v === p.folded
      : mode === 'prefix'
        ? v.startsWith(p.folded)
        : v.endsWith(p.folded);
  }
  // offsets in `value` reachable after matching the pattern characters seen so far
  let offsets = [mode === 'suffix' ? value.length : 0];
  const n = p.alternatives.length;
  for (let i = 0; i < n && offsets.length > 0; i++) {
    const alts = p.alternatives[mode === 'suffix' ? n - 1 - i : i] ?? [];
    const next: number[] = [];
    for (const o of offsets) {
      for (const alt of alts) {
        const at = mode === 'suffix' ? o - alt.length : o;
        if (at >= 0 && value.startsWith(alt, at)) {
          const reached = mode === 'suffix' ? at : o + alt.length;
          if (!next.includes(reached)) next.push(reached);
        }
      }
    }
    offsets = next;
  }
  return mode === 'equals' ? offsets.includes(value.length) : offsets.length > 0;
}
