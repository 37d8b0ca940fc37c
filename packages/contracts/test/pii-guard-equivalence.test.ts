import { seededRandom } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
// The PII guard as it was before the performance work (regex matching, pointers built for every
// field), kept frozen in bench/baseline/ as the reference the fast one must agree with.
import * as reference from '../bench/baseline/pii-guard.ts';
import { hasEmail, hasPhone, maskPii, maskPiiInText, scanPii } from '../src/index.ts';

/** Whole look-alikes and near-misses: what events carry, and what the guard must tell apart. */
const FRAGMENTS = [
  // phone numbers, in many shapes
  '+44 7911 123456',
  '+447911123456',
  '(555) 123-4567',
  '555-123-4567',
  '555.123.4567',
  '0791 112 3456',
  '07911123456',
  '+1-202-555-0173',
  '+49 (30) 1234567',
  '+(44) 7911 123456',
  '(+44) 7911 123456',
  '((555)) 123-4567',
  '555) 123-4567',
  '(555 123 4567',
  '555\u00a0123\u00a04567',
  '555\u2009123\u20094567',
  '555\u3000123\u30004567',
  '555\ufeff123\ufeff4567',
  '555\t123\n4567',
  '1 2 3 4 5 6 7',
  '12 34 56 78',
  '123456',
  '1234567',
  '12345678901234567',
  '+1234567890123456',
  '00 44 7911 123456',
  '555.123.4567.',
  '555-123-4567.x',
  '555-123-4567.',
  '555-123-4567)',
  // timestamps, dates, durations
  '2026-11-27T10:02:05Z',
  '2026-11-27T10:02:05.123Z',
  '2019-10-02T17:04:40.989+0000',
  '2026-11-27',
  '2026.11.27',
  '2026 11 27',
  '2026-11-27 10:02:05',
  '27/11/2026',
  '27.11.2026',
  '1/2/26',
  '01/10/19 13:46:00',
  '00:05:00',
  '1795809427894',
  '12345.6789',
  '0.0666851903306472',
  // ids, versions, addresses
  '123e4567-e89b-12d3-a456-426614174000',
  '12345678-1234-1234-1234-123456789012',
  '1.4.2',
  '2026.11.27-3',
  '1.2.3-4567890',
  '10.0.12.255',
  '192.168.100.200',
  '::ffff:10.0.12.255',
  'https://ci.example.com/pipelines/88123456/jobs/1234567',
  'https://user@ci.example.com/pipelines/1',
  'http://x.example.com:8080/a?b=5551234567&c=1',
  '4f3c2a1b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:cpu',
  'arn:aws:lambda:eu-west-1:123456789012:function:x',
  'pay_01HF3K9Z1234567',
  'imp_a1857719c4e2',
  'u0000001',
  'svc000007',
  'dt=2026-11-27/hour=10',
  '#5551234567',
  '~5551234567',
  '%5551234567',
  'x_5551234567',
  '5551234567_x',
  '5551234567@x',
  '5551234567:',
  '٣٣٣ 555 1234',
  '555 1234 ٣',
  'Ö5551234567',
  '5551234567Ö',
  '\u{1d7d9}5551234567',
  '5551234567\u{1f600}',
  '\ud800 555 123 4567',
  '555 123 4567 \udc00',
  // emails and look-alikes
  'jane.doe@example.com',
  'Jane <jane+ops@mail.example.co.uk>',
  'mailto:bob@example.org',
  'JÖRG@BEISPIEL.DE',
  'git@github.com:org/repo.git',
  'git@github.com: done',
  'x@y.com:',
  '@channel',
  'a@b',
  'release@2x',
  'a@b.c',
  'a@b.cd',
  'a@-b.cd',
  'a@b-.cd',
  '://a@b.cd',
  ':/a@b.cd',
  'user@日本.jp',
  'user@example.日本',
  '@@a@@b.co',
  // everyday words
  'ok',
  'payments-api',
  'production',
  'Threshold Crossed: 1 out of the last 1 datapoints',
  'cache miss (tier 2)',
  'retry 2 of 3 after 1500 ms',
  'EUR',
  '',
];
const SEPARATORS = [
  '',
  '',
  ' ',
  '  ',
  '-',
  '.',
  '/',
  ':',
  ',',
  '(',
  ')',
  '+',
  '=',
  '?',
  '&',
  '\n',
  'T',
  'x',
  '_',
  '@',
];
/** Characters that sit on the edges of the classes (digits, separators, joiners, letters, Unicode). */
const ALPHABET = [
  ...'0123456789012345678901234567890123456789',
  ...' ()+-./ ()+-./',
  ...':_#@=&?%~\\,;!*',
  ...'aeTZxyzAE',
  '\t',
  '\n',
  '\u00a0',
  '\u2009',
  '\u3000',
  '\ufeff',
  '\u200b',
  'Ö',
  'é',
  '٣',
  '²',
  '\ud835',
  '\udfd9',
  '\ud83d\ude00',
];

function generator(seed: number) {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const mutate = (text: string): string => {
    // change, drop or insert a character or two: the near misses
    let out = text;
    for (let k = int(3); k > 0; k--) {
      const at = int(out.length + 1);
      const op = int(3);
      if (op === 0) out = out.slice(0, at) + pick(ALPHABET) + out.slice(at + 1);
      else if (op === 1) out = out.slice(0, at) + out.slice(at + 1);
      else out = out.slice(0, at) + pick(ALPHABET) + out.slice(at);
    }
    return out;
  };
  const string = (): string => {
    const shape = int(4);
    if (shape === 0) return Array.from({ length: 1 + int(24) }, () => pick(ALPHABET)).join('');
    const parts: string[] = [];
    for (let k = 1 + int(3); k > 0; k--) {
      const fragment = pick(FRAGMENTS);
      parts.push(pick(SEPARATORS), shape === 1 ? mutate(fragment) : fragment);
    }
    parts.push(pick(SEPARATORS));
    return parts.join('');
  };
  const KEYS = [
    'v',
    'id',
    'note',
    'error',
    'a/b',
    'x~y',
    '~/',
    'plan_sha256',
    'file_SHA256',
    'email_sha256',
    'Phone_Sha256',
    'user_e_mail_sha256',
    'telephone_sha256',
    'jane@example.com',
    '+44 7911 123456',
    'by 555-123-4567',
    '',
    '*',
  ];
  const value = (depth: number): unknown => {
    const r = int(10);
    if (depth > 3 || r < 5) return r === 0 ? int(1000) : r === 1 ? null : string();
    if (r < 7) return Array.from({ length: int(4) }, () => value(depth + 1));
    const out: Record<string, unknown> = {};
    for (let k = int(5); k > 0; k--) out[int(3) === 0 ? string() : pick(KEYS)] = value(depth + 1);
    return out;
  };
  return { string, value };
}

describe('the fast PII guard agrees with the regex reference', () => {
  it('on 30,000 generated strings (hasEmail, hasPhone, maskPiiInText)', () => {
    const gen = generator(42);
    let phones = 0;
    let emails = 0;
    for (let n = 0; n < 30_000; n++) {
      const text = gen.string();
      const phone = reference.hasPhone(text);
      const email = reference.hasEmail(text);
      if (hasPhone(text) !== phone) expect.fail(`hasPhone(${JSON.stringify(text)}) should be ${phone}`);
      if (hasEmail(text) !== email) expect.fail(`hasEmail(${JSON.stringify(text)}) should be ${email}`);
      const masked = reference.maskPiiInText(text);
      if (maskPiiInText(text) !== masked) expect(maskPiiInText(text), JSON.stringify(text)).toBe(masked);
      if (phone) phones++;
      if (email) emails++;
    }
    // the generator must exercise both sides of both checks
    expect(phones).toBeGreaterThan(2000);
    expect(emails).toBeGreaterThan(2000);
  });

  it('on every fragment, on its own and between every separator', () => {
    for (const fragment of FRAGMENTS) {
      for (const before of SEPARATORS) {
        for (const after of SEPARATORS) {
          const text = `${before}${fragment}${after}`;
          expect(hasPhone(text), JSON.stringify(text)).toBe(reference.hasPhone(text));
          expect(hasEmail(text), JSON.stringify(text)).toBe(reference.hasEmail(text));
          expect(maskPiiInText(text), JSON.stringify(text)).toBe(reference.maskPiiInText(text));
        }
      }
    }
  });

  it('for every UTF-16 code unit next to and inside a phone number and an email', () => {
    const templates = [
      (c: string) => `${c}5551234567`,
      (c: string) => `5551234567${c}`,
      (c: string) => `5551234567.${c}`,
      (c: string) => `555${c}123${c}4567`,
      (c: string) => `+44${c}7911${c}123456`,
      (c: string) => `(${c}555) 123-4567`,
      (c: string) => `jane${c}doe@example.com`,
      (c: string) => `jane@exa${c}mple.com${c}`,
    ];
    const differ: string[] = [];
    for (let code = 0; code < 0x10000; code++) {
      const c = String.fromCharCode(code);
      for (const template of templates) {
        const text = template(c);
        if (hasPhone(text) !== reference.hasPhone(text) || hasEmail(text) !== reference.hasEmail(text)) {
          differ.push(JSON.stringify(text));
        }
      }
    }
    expect(differ).toEqual([]);
  });

  it('on 3,000 generated JSON values (scanPii with pointers, maskPii)', () => {
    const gen = generator(7);
    let findings = 0;
    for (let n = 0; n < 3000; n++) {
      const value = gen.value(0);
      const expected = reference.scanPii(value, '/detail');
      expect(scanPii(value, '/detail')).toEqual(expected);
      expect(maskPii(value)).toEqual(reference.maskPii(value));
      findings += expected.length;
    }
    expect(findings).toBeGreaterThan(1000);
  });

  it('on odd inputs: holes, a __proto__ field, a key passed to maskPii, non-JSON objects', () => {
    const good = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const holes: unknown[] = [];
    holes[1] = 'jane@example.com';
    holes[3] = '+44 7911 123456';
    const values: unknown[] = [
      holes,
      JSON.parse('{"__proto__": "jane@example.com", "a": {"__proto__": {"x": "555-123-4567"}}}'),
      { list_sha256: [good, [good, 'no']], email_sha256: 'x' },
      new Date(0),
      new Map([['a', 'jane@example.com']]),
      Object.create({ inherited: 'jane@example.com' }),
      'jane@example.com',
      42,
      undefined,
    ];
    for (const value of values) {
      expect(scanPii(value)).toEqual(reference.scanPii(value));
      expect(maskPii(value)).toEqual(reference.maskPii(value));
    }
    for (const key of ['email_sha256', 'plan_sha256', 'jane@example.com', 'note', '555-123-4567']) {
      for (const value of [good, 'nope', 'jane@example.com', ['+44 7911 123456']]) {
        expect(maskPii(value, key)).toEqual(reference.maskPii(value, key));
      }
    }
  });
});
