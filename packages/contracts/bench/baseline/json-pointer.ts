// Frozen copy of src/json-pointer.ts as it was before the ingest performance work: the baseline of
// bench/ingest.bench.ts and the reference of test/pii-guard-equivalence.test.ts. Do not edit.
/** Escapes one reference token of a JSON pointer (RFC 6901): `~` → `~0`, `/` → `~1`. */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** `appendPointer('/a', 'b/c')` → `/a/b~1c`. */
export function appendPointer(pointer: string, token: string): string {
  return `${pointer}/${escapePointerToken(token)}`;
}
