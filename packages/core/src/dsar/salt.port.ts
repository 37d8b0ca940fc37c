/**
 * The secret salt of user-id hashes: an SSM SecureString read through Powertools parameters on
 * AWS, a file under `LAKEOPS_HOME` locally. Never logged, never stored beside the hashes.
 *
 * @example
 * ```ts
 * const hash = await hashUserId(await salt.get(), 'u_123');
 * ```
 */
export interface SaltSource {
  get(): Promise<string>;
}

/**
 * The salted hash that stands for a user once the raw id may no longer be kept: HMAC-SHA-256
 * keyed with the salt, hex. Web Crypto, so the same code runs in Lambda, the CLI and tests.
 */
export async function hashUserId(salt: string, userId: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    'raw',
    enc.encode(salt),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(userId)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}
