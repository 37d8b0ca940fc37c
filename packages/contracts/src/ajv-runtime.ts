/**
 * The two helpers Ajv's standalone validators call at run time, as plain ESM (Ajv's own copies are
 * CommonJS with `exports.default`, which Node, Vite and esbuild import differently).
 */

/** String length in Unicode code points, as JSON Schema's `minLength`/`maxLength` count it. */
export function ucs2length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    length++;
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if ((next & 0xfc00) === 0xdc00) i++; // a surrogate pair is one code point
    }
  }
  return length;
}

/** Deep equality of JSON values, as `const`, `enum` and `uniqueItems` compare them. */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false; // JSON has no NaN
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) => Object.hasOwn(b, k) && equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}
