import { escapePointerToken } from './json-pointer.ts';
import { isPlainContainer, jsonBytesBound } from './json-size.ts';
import type { ValidationReason } from './validation-reason.ts';

/**
 * The PII guard: no event carries a raw email address or phone number, and `*_sha256` fields
 * hold a SHA-256 digest (64 lowercase hex characters). Hashed contact identifiers
 * (`email_sha256`, `phone_sha256`) stay in the Silver private area and never travel in events.
 * Reasons name the field (a JSON pointer), never the value.
 *
 * It runs on every event the bus and the seed check, so it is written for speed (see
 * `bench/ingest.bench.ts`): the phone matcher is a hand-written scan equivalent to the regex
 * `/\+?\(?\d[\d\s().-]{5,}\d\)?/g` (a run of digits and separators with at least 7 digits), field
 * names are classified once and remembered, and pointers are built only for findings.
 * `test/pii-guard-equivalence.test.ts` checks it against the regex version on generated strings.
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
/** A character of a phone number's run: a digit or a separator (`\d` is ASCII only here). */
const PHONE_RUN_CHAR = /[\d\s().-]/;
/** A character before a digit run that makes it part of something else: a word, id, path, URL, version, time. */
const JOINED_BEFORE = /[\p{L}\p{N}_/\\:.#@=&?%~-]/u;
const JOINED_AFTER = /[\p{L}\p{N}_/\\:@%~-]/u;
const LETTER_OR_NUMBER = /[\p{L}\p{N}]/u;
const SHA256 = /^[0-9a-f]{64}$/;
const SHA256_SUFFIX = /_sha256$/i;
const HASHED_CONTACT = /(^|_)(email|e_mail|phone|mobile|msisdn|tel)(_|$)/i;

/** The character classes above for the ASCII range, as bit flags (computed from the regexes). */
const RUN = 1;
const BEFORE = 2;
const AFTER = 4;
const ALNUM = 8;
const ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  ASCII[c] =
    (PHONE_RUN_CHAR.test(ch) ? RUN : 0) |
    (JOINED_BEFORE.test(ch) ? BEFORE : 0) |
    (JOINED_AFTER.test(ch) ? AFTER : 0) |
    (LETTER_OR_NUMBER.test(ch) ? ALNUM : 0);
}

/** Whether one UTF-16 code unit is in a class: a table for ASCII, the regex (on that one unit) beyond. */
function is(code: number, flag: number, regex: RegExp): boolean {
  return code < 128 ? ((ASCII[code] as number) & flag) !== 0 : regex.test(String.fromCharCode(code));
}

/** Whether a text contains something that looks like an email address. */
export function hasEmail(text: string): boolean {
  return scanEmails(text, undefined);
}

/** Whether a text contains something that looks like a phone number (not a date, time, id, version or URL). */
export function hasPhone(text: string): boolean {
  return scanPhones(text, undefined);
}

/**
 * Finds email look-alikes: pushes each span to `spans`, or, without `spans`, returns at the first.
 * Returns whether there was one.
 */
function scanEmails(text: string, spans: [number, number][] | undefined): boolean {
  if (!text.includes('@')) return false;
  let found = false;
  EMAIL.lastIndex = 0;
  for (let m = EMAIL.exec(text); m !== null; m = EMAIL.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    // `https://user@host/…`: a URL's user info, not a mailbox.
    if (start >= 3 && text.startsWith('://', start - 3)) continue;
    // `git@github.com:org/repo.git`: an SSH remote.
    if (text[end] === ':' && /\S/.test(text[end + 1] ?? ' ')) continue;
    found = true;
    if (!spans) break;
    spans.push([start, end]);
  }
  EMAIL.lastIndex = 0;
  return found;
}

/**
 * Finds phone look-alikes: pushes each span to `spans`, or, without `spans`, returns at the first.
 * Returns whether there was one.
 *
 * Equivalent to taking every match of `/\+?\(?\d[\d\s().-]{5,}\d\)?/g` as a candidate (then the
 * checks below). A match lies in one run of `[\d\s().-]` characters (plus a leading `+`); it
 * starts at the run's first digit (or the `(`, `+(` or `+` right before it) and, being greedy,
 * ends at the run's last digit (and a `)` right after it), provided that is at least 6 characters
 * further; otherwise no match starts anywhere in the run. So each run is read once, and a run
 * with fewer than 7 digits (most ids, times, versions) is dismissed without building a string.
 */
function scanPhones(text: string, spans: [number, number][] | undefined): boolean {
  const n = text.length;
  let found = false;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) {
      i++;
      continue;
    }
    // `i` is the first digit of a run: find the run's end, its last digit and its digit count.
    const first = i;
    let last = i;
    let digits = 1;
    let e = i + 1;
    for (; e < n; e++) {
      const d = text.charCodeAt(e);
      if (d >= 0x30 && d <= 0x39) {
        last = e;
        digits++;
      } else if (!is(d, RUN, PHONE_RUN_CHAR)) break;
    }
    if (last < first + 6) {
      i = e; // no candidate starts in this run
      continue;
    }
    let start = first;
    const prev = first > 0 ? text.charCodeAt(first - 1) : -1;
    if (prev === 0x28 /* ( */)
      start = first >= 2 && text.charCodeAt(first - 2) === 0x2b ? first - 2 : first - 1;
    else if (prev === 0x2b /* + */) start = first - 1;
    let end = last + 1 < n && text.charCodeAt(last + 1) === 0x29 /* ) */ ? last + 2 : last + 1;
    i = end;
    // isPhoneShape refuses fewer than 7 or more than 15 digits (the candidate holds all the run's).
    if (digits < 7 || digits > 15) continue;
    // A trailing `)` belongs to the prose unless the candidate opened one.
    if (text.charCodeAt(end - 1) === 0x29 && !includesBetween(text, 0x28, start, end)) end--;
    if (text.charCodeAt(start) === 0x28 && !includesBetween(text, 0x29, start, end)) start++;
    if (start > 0 && is(text.charCodeAt(start - 1), BEFORE, JOINED_BEFORE)) continue;
    if (end < n) {
      const after = text.charCodeAt(end);
      if (is(after, AFTER, JOINED_AFTER)) continue;
      if (after === 0x2e && end + 1 < n && is(text.charCodeAt(end + 1), ALNUM, LETTER_OR_NUMBER)) continue;
    }
    // All digits (an account id, an epoch): isPhoneShape's one-group rule, without the string.
    if (
      digits === end - start
        ? !(digits >= 10 && digits <= 11 && text.charCodeAt(start) === 0x30)
        : !isPhoneShape(text.slice(start, end))
    )
      continue;
    found = true;
    if (!spans) break;
    spans.push([start, end]);
  }
  return found;
}

function includesBetween(text: string, code: number, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (text.charCodeAt(k) === code) return true;
  return false;
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

/** What a field name says, as bit flags; a pure function of the name, remembered per name. */
const KEY_EMAIL = 1; // the name itself looks like an email
const KEY_PHONE = 2; // … like a phone number
const KEY_SHA256 = 4; // ends in `_sha256`: its strings must be digests
const KEY_HASHED_CONTACT = 8; // `email_sha256`, `phone_sha256`, …
const keyClasses = new Map<string, number>();
const KEY_CACHE_LIMIT = 10_000;

function classifyKey(key: string): number {
  const known = keyClasses.get(key);
  if (known !== undefined) return known;
  let kc = hasEmail(key) ? KEY_EMAIL : hasPhone(key) ? KEY_PHONE : 0;
  if (SHA256_SUFFIX.test(key)) {
    kc |= KEY_SHA256;
    if (HASHED_CONTACT.test(key.replace(SHA256_SUFFIX, ''))) kc |= KEY_HASHED_CONTACT;
  }
  if (keyClasses.size >= KEY_CACHE_LIMIT) keyClasses.clear(); // field names are few; a flood of odd ones is not
  keyClasses.set(key, kc);
  return kc;
}

/** What a string value under a field of class `kc` is flagged as, if anything. */
function stringKind(value: string, kc: number): PiiKind | undefined {
  if (kc & KEY_SHA256) {
    if (kc & KEY_HASHED_CONTACT) return 'hashed-contact';
    return SHA256.test(value) ? undefined : 'sha256';
  }
  if (scanEmails(value, undefined)) return 'email';
  if (scanPhones(value, undefined)) return 'phone';
  return undefined;
}

/** Every PII finding in a JSON value; pointers start at `base`. */
export function scanPii(value: unknown, base = ''): PiiFinding[] {
  const scan: Scan = { base, path: [], out: [], measure: false, left: 0 };
  walk(value, 0, scan);
  return scan.out;
}

/**
 * {@link scanPii} from the root, and in the same walk whether the value surely fits in `maxBytes`
 * as JSON (see `jsonBytesBound`; false: measure it). For `ingestEvent`.
 */
export function scanPiiAndSize(value: unknown, maxBytes: number): { findings: PiiFinding[]; fits: boolean } {
  const scan: Scan = { base: '', path: [], out: [], measure: true, left: maxBytes };
  walk(value, 0, scan);
  return { findings: scan.out, fits: scan.measure && scan.left >= 0 };
}

/**
 * One scan: the pointer to the current value is `base` + `path` (built only for a finding).
 * While `measure`, `left` is the byte budget minus an upper bound of the JSON size walked so far;
 * `measure` turns off for anything `jsonBytesBound` cannot bound.
 */
interface Scan {
  readonly base: string;
  readonly path: (string | number)[];
  readonly out: PiiFinding[];
  measure: boolean;
  left: number;
}

function pointerOf(scan: Scan, last?: string): string {
  let pointer = scan.base;
  for (const token of scan.path)
    pointer += `/${typeof token === 'number' ? token : escapePointerToken(token)}`;
  return last === undefined ? pointer : `${pointer}/${escapePointerToken(last)}`;
}

function walk(value: unknown, kc: number, scan: Scan): void {
  if (typeof value === 'string') {
    if (scan.measure) scan.left -= 6 * value.length + 2;
    const kind = stringKind(value, kc);
    if (kind) scan.out.push({ pointer: pointerOf(scan), kind, inKey: false });
    return;
  }
  if (typeof value !== 'object' || value === null) {
    if (scan.measure) measure(scan, jsonBytesBound(value, scan.left));
    return;
  }
  if (scan.measure) {
    if (isPlainContainer(value)) scan.left -= 2;
    else scan.measure = false;
  }
  const { path } = scan;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (scan.measure) scan.left -= 1;
      path.push(i); // a hole reads as undefined, which has nothing to find
      walk(value[i], kc, scan);
      path.pop();
    }
    return;
  }
  const record = value as Record<string, unknown>;
  for (const k of Object.keys(record)) {
    const kk = classifyKey(k);
    if (scan.measure) scan.left -= 6 * k.length + 4;
    if (kk & (KEY_EMAIL | KEY_PHONE | KEY_HASHED_CONTACT)) {
      // not walked: bound its size on its own
      if (scan.measure) measure(scan, jsonBytesBound(record[k], scan.left));
      if (kk & (KEY_EMAIL | KEY_PHONE)) {
        // The field name itself is personal data: point at the parent, never at the name.
        scan.out.push({
          pointer: pointerOf(scan, '*'),
          kind: kk & KEY_EMAIL ? 'email' : 'phone',
          inKey: true,
        });
      } else {
        scan.out.push({ pointer: pointerOf(scan, k), kind: 'hashed-contact', inKey: false });
      }
      continue;
    }
    path.push(k);
    walk(record[k], kk, scan);
    path.pop();
  }
}

function measure(scan: Scan, left: number): void {
  if (left < 0) scan.measure = false;
  else scan.left = left;
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
  return mask(value, key === undefined ? 0 : classifyKey(key));
}

function mask(value: unknown, kc: number): unknown {
  if (typeof value === 'string') {
    const kind = stringKind(value, kc);
    return kind ? maskedPlaceholder(kind) : value;
  }
  if (Array.isArray(value)) return value.map((item) => mask(item, kc));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const [k, v] of Object.entries(value)) {
      const kk = classifyKey(k);
      const kind = kk & KEY_EMAIL ? 'email' : kk & KEY_PHONE ? 'phone' : undefined;
      out[kind ? `${maskedPlaceholder(kind)}#${n++}` : k] =
        kk & KEY_HASHED_CONTACT ? maskedPlaceholder('hashed-contact') : mask(v, kk);
    }
    return out;
  }
  return value;
}

/** A free text (say, a body that is not JSON) with every email or phone look-alike masked. */
export function maskPiiInText(text: string): string {
  const emails: [number, number][] = [];
  const phones: [number, number][] = [];
  scanEmails(text, emails);
  scanPhones(text, phones);
  const spans = [
    ...emails.map(([s, e]) => [s, e, 'email'] as const),
    ...phones.map(([s, e]) => [s, e, 'phone'] as const),
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
