/** Escapes one reference token of a JSON pointer (RFC 6901): `~` → `~0`, `/` → `~1`. */
export function escapePointerToken(token: string): string {
  // Most tokens (field names, indices) need no escaping: skip the two replaces and their copies.
  if (!token.includes('~') && !token.includes('/')) return token;
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** `appendPointer('/a', 'b/c')` → `/a/b~1c`. */
export function appendPointer(pointer: string, token: string): string {
  return `${pointer}/${escapePointerToken(token)}`;
}
