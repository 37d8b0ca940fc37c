// Frozen copy of src/pii-guard.ts as it was before the ingest performance work: the baseline of
// bench/ingest.bench.ts and the reference of test/pii-guard-equivalence.test.ts. Do not edit.
import type { ValidationReason } from '../../src/validation-reason.ts';
import { appendPointer } from './json-pointer.ts';

/**
 * The PII guard: no event carries a raw email address or phone number, and `*_sha256` fields
 * hold a SHA-256 digest (64 lowercase hex characters). Hashed contact identifiers
 * (`email_sha256`, `phone_sha256`) stay in the Silver private area and never travel in events.
 * Reasons name the field (a JSON pointer), never the value.
 */

/** What a flagged value looked like. */
export type PiiKind = 'email' | 'phone' | 'sha256' | 'hashed-contact';

export interface PiiFinding {
  readonly pointer: string;
  readonly kind: PiiKind;
  /** True when the finding is a field name, not a value. */
  readonly inKey: boolean;
}

const MESSAGES: Record<PiiKind, string> = {
  email: 'looks like an email address; events must not carry raw emails',
  phone: 'looks like a phone number; events must not carry raw phone numbers',
  sha256: 'must be a SHA-256 digest: 64 lowercase hex characters',
  'hashed-contact':
    'hashed emails and phone numbers stay in the Silver private area and never travel in events',
};

const EMAIL =
  /[\p{L}\p{N}.!#$%&'*+=?^_`{|}~-]+@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)*\.\p{L}{2,}/gu;
const PHONE_CANDIDATE = /\+?\(?\d[\d\s().-]{5,}\d\)?/g;
/** A character before a digit run that makes it part of something else: a word, id, path, URL, version, time. */
const JOINED_BEFORE = /[\p{L}\p{N}_/\\:.#@=&?%~-]/u;
const JOINED_AFTER = /[\p{L}\p{N}_/\\:@%~-]/u;
const SHA256 = /^[0-9a-f]{64}$/;
const HASHED_CONTACT = /(^|_)(email|e_mail|phone|mobile|msisdn|tel)(_|$)/i;

/** Whether a text contains something that looks like an email address. */
export function hasEmail(text: string): boolean {
  return findEmails(text).length > 0;
}

/** Whether a text contains something that looks like a phone number (not a date, time, id, version or URL). */
export function hasPhone(text: string): boolean {
  return findPhones(text).length > 0;
}

function findEmails(text: string): [number, number][] {
  if (!text.includes('@')) return [];
  const spans: [number, number][] = [];
  for (const m of text.matchAll(EMAIL)) {
    const start = m.index;
    const end = start + m[0].length;
    // `https://user@host/…`: a URL's user info, not a mailbox.
    if (text.slice(Math.max(0, start - 3), start) === '://') continue;
    // `git@github.com:org/repo.git`: an SSH remote.
    if (text[end] === ':' && /\S/.test(text[end + 1] ?? ' ')) continue;
    spans.push([start, end]);
  }
  return spans;
}

function findPhones(text: string): [number, number][] {
  const spans: [number, number][] = [];
  for (const m of text.matchAll(PHONE_CANDIDATE)) {
    let candidate = m[0];
    let start = m.index;
    // A trailing `)` belongs to the prose unless the candidate opened one.
    if (candidate.endsWith(')') && !candidate.includes('(')) candidate = candidate.slice(0, -1);
    if (candidate.startsWith('(') && !candidate.includes(')')) {
      candidate = candidate.slice(1);
      start += 1;
    }
    const end = start + candidate.length;
    const before = text[start - 1] ?? '';
    const after = text[end] ?? '';
    if (before !== '' && JOINED_BEFORE.test(before)) continue;
    if (after !== '' && JOINED_AFTER.test(after)) continue;
    if (after === '.' && /[\p{L}\p{N}]/u.test(text[end + 1] ?? '')) continue;
    if (isPhoneShape(candidate)) spans.push([start, end]);
  }
  return spans;
}

function isPhoneShape(text: string): boolean {
  const digits = text.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return false;
  if (/^\d{4}[-./ ]\d{1,2}[-./ ]\d{1,2}(?!\d)/.test(text)) return false; // 2026-11-27, 2026.11.27
  if (/^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/.test(text)) return false; // 27/11/2026
  const international = text.startsWith('+');
  const body = international ? text.slice(1) : text;
  const groups = body.split(/[\s().-]+/).filter((g) => g.length > 0);
  if (groups.length === 1) return international || /^0\d{9,10}$/.test(body); // +447911123456, 07911123456
  if (/^[\d.]+$/.test(body)) return international || /^\d{3}\.\d{3}\.\d{4}$/.test(body); // 555.123.4567, not 10.0.12.255
  if (international) return true; // +44 7911 123456
  return groups.every((g) => g.length >= 2 && g.length <= 5); // (555) 123-4567, 0791 112 3456
}

/** Every PII finding in a JSON value; pointers start at `base`. */
export function scanPii(value: unknown, base = ''): PiiFinding[] {
  const findings: PiiFinding[] = [];
  walk(value, base, undefined, findings);
  return findings;
}

function walk(value: unknown, pointer: string, key: string | undefined, out: PiiFinding[]): void {
  if (typeof value === 'string') {
    if (key !== undefined && /_sha256$/i.test(key)) {
      if (HASHED_CONTACT.test(key.replace(/_sha256$/i, '')))
        out.push({ pointer, kind: 'hashed-contact', inKey: false });
      else if (!SHA256.test(value)) out.push({ pointer, kind: 'sha256', inKey: false });
      return;
    }
    if (hasEmail(value)) out.push({ pointer, kind: 'email', inKey: false });
    else if (hasPhone(value)) out.push({ pointer, kind: 'phone', inKey: false });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      walk(item, appendPointer(pointer, String(i)), key, out);
    });
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const kind = hasEmail(k) ? 'email' : hasPhone(k) ? 'phone' : undefined;
      if (kind) {
        // The field name itself is personal data: point at the parent, never at the name.
        out.push({ pointer: appendPointer(pointer, '*'), kind, inKey: true });
        continue;
      }
      if (isHashedContact(k)) {
        out.push({ pointer: appendPointer(pointer, k), kind: 'hashed-contact', inKey: false });
        continue;
      }
      walk(v, appendPointer(pointer, k), k, out);
    }
  }
}

/** `email_sha256`, `phone_sha256`, `user_email_sha256`, …: hashed contact details, which never travel in events. */
function isHashedContact(key: string): boolean {
  return /_sha256$/i.test(key) && HASHED_CONTACT.test(key.replace(/_sha256$/i, ''));
}

/** The findings as validation reasons (field pointer + message, never the value). */
export function piiReasons(findings: readonly PiiFinding[]): ValidationReason[] {
  return findings.map((f) => ({
    pointer: f.pointer,
    message: f.inKey ? `a field name ${MESSAGES[f.kind]}` : MESSAGES[f.kind],
  }));
}

/** The placeholder a masked value or field name is replaced with. */
export function maskedPlaceholder(kind: PiiKind): string {
  return `[masked:${kind}]`;
}

/**
 * A copy of a JSON value with every PII look-alike masked: flagged string values are replaced
 * whole, flagged field names renamed. Safe to write to a quarantine, a log or a notification.
 */
export function maskPii(value: unknown, key?: string): unknown {
  if (typeof value === 'string') {
    const findings: PiiFinding[] = [];
    walk(value, '', key, findings);
    const first = findings[0];
    return first ? maskedPlaceholder(first.kind) : value;
  }
  if (Array.isArray(value)) return value.map((item) => maskPii(item, key));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const [k, v] of Object.entries(value)) {
      const kind = hasEmail(k) ? 'email' : hasPhone(k) ? 'phone' : undefined;
      out[kind ? `${maskedPlaceholder(kind)}#${n++}` : k] = isHashedContact(k)
        ? maskedPlaceholder('hashed-contact')
        : maskPii(v, k);
    }
    return out;
  }
  return value;
}

/** A free text (say, a body that is not JSON) with every email or phone look-alike masked. */
export function maskPiiInText(text: string): string {
  const spans = [
    ...findEmails(text).map(([s, e]) => [s, e, 'email'] as const),
    ...findPhones(text).map(([s, e]) => [s, e, 'phone'] as const),
  ].sort((a, b) => b[0] - a[0]);
  let out = text;
  let limit = Number.POSITIVE_INFINITY;
  for (const [start, end, kind] of spans) {
    if (end > limit) continue; // overlaps a span already masked
    out = `${out.slice(0, start)}${maskedPlaceholder(kind)}${out.slice(end)}`;
    limit = start;
  }
  return out;
}
