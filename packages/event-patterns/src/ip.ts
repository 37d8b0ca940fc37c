// IP literals and CIDR blocks as event-ruler reads them (src/main/.../CIDR.java, Apache-2.0, Amazon.com, Inc.).

const IPV4 = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/** True when the text has the shape of an IPv4 or IPv6 literal (it may still be invalid). */
export function looksLikeIp(text: string): boolean {
  return IPV4.test(text) || IPV6.test(text);
}

function v4Bytes(text: string): number[] | undefined {
  const parts = text.split('.').map(Number);
  return parts.every((p) => p <= 255) ? parts : undefined;
}

function v6Bytes(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] | undefined => {
    if (s === '') return [];
    const g = s.split(':');
    return g.every((x) => /^[0-9a-fA-F]{1,4}$/.test(x)) ? g : undefined;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(missing).fill('0'), ...tail];
  return all.flatMap((g) => {
    const n = Number.parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/** Bytes of an IP literal, or undefined when the text is not one. */
export function ipBytes(text: string): number[] | undefined {
  if (IPV4.test(text)) return v4Bytes(text);
  if (IPV6.test(text)) return v6Bytes(text);
  return undefined;
}

const hex = (bytes: readonly number[]): string =>
  bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');

/** Canonical upper-case hex form of an IP literal (8 or 32 digits), or undefined. */
export function canonicalIp(text: string): string | undefined {
  const bytes = ipBytes(text);
  return bytes ? hex(bytes) : undefined;
}

/** An inclusive range of canonical hex IPs of one family. */
export interface IpRange {
  readonly low: string;
  readonly high: string;
}

/** Parses a CIDR block; throws Error with event-ruler's message when malformed. */
export function parseCidr(cidr: string): IpRange {
  // Java's String.split drops trailing empty strings.
  const slashed = cidr.split('/');
  while (slashed.length > 0 && slashed[slashed.length - 1] === '') slashed.pop();
  if (slashed.length !== 2) throw new Error("Malformed CIDR, one '/' required");
  const [ip = '', maskText = ''] = slashed;
  if (!/^[+-]?\d+$/.test(maskText) || Math.abs(Number(maskText)) > 2147483647) {
    throw new Error('Malformed CIDR, mask bits must be an integer');
  }
  const maskBits = Number(maskText);
  if (maskBits < 0) throw new Error('Malformed CIDR, mask bits must not be negative');
  if (!looksLikeIp(ip)) throw new Error(`Nonstandard IP address: ${ip}`);
  const bytes = ipBytes(ip);
  if (!bytes) throw new Error(`Invalid IP address: ${ip}`);
  if (bytes.length === 4 && maskBits > 31) throw new Error('IPv4 mask bits must be < 32');
  if (bytes.length === 16 && maskBits > 127) throw new Error('IPv6 mask bits must be < 128');
  let variable = bytes.length * 8 - maskBits;
  const low = [...bytes];
  const high = [...bytes];
  for (let i = bytes.length - 1; i >= 0 && variable > 0; i--, variable -= 8) {
    const bits = Math.min(8, variable);
    const mask = (1 << bits) - 1;
    low[i] = (bytes[i] ?? 0) & ~mask & 0xff;
    high[i] = (bytes[i] ?? 0) | mask;
  }
  return { low: hex(low), high: hex(high) };
}

/** True when `text` is an IP literal inside `range` (same family). */
export function ipInRange(text: string, range: IpRange): boolean {
  const ip = canonicalIp(text);
  return ip !== undefined && ip.length === range.low.length && ip >= range.low && ip <= range.high;
}
