import { describe, expect, it } from 'vitest';
import { hasEmail, hasPhone, maskPii, maskPiiInText, scanPii } from '../src/index.ts';

describe('PII guard: what looks like an email', () => {
  it.each([
    'jane.doe@example.com',
    'contact: Jane <jane+ops@mail.example.co.uk> today',
    'mailto:bob@example.org',
    'JÖRG@BEISPIEL.DE',
  ])('flags %s', (text) => {
    expect(hasEmail(text)).toBe(true);
  });

  it.each([
    'https://user@ci.example.com/pipelines/1', // URL user info
    'git@github.com:org/repo.git', // SSH remote
    '@channel deploy done',
    'a@b', // no domain
    'release@2x',
  ])('does not flag %s', (text) => {
    expect(hasEmail(text)).toBe(false);
  });
});

describe('PII guard: what looks like a phone number', () => {
  it.each([
    '+44 7911 123456',
    '+447911123456',
    '(555) 123-4567',
    '555-123-4567',
    '555.123.4567',
    'call 0791 112 3456 now',
    '07911123456',
    '+1-202-555-0173',
    '+49 (30) 1234567',
  ])('flags %s', (text) => {
    expect(hasPhone(text)).toBe(true);
  });

  it.each([
    ['an ISO timestamp', '2026-11-27T10:02:05Z'],
    ['a timestamp with offset', '2019-10-02T17:04:40.989+0000'],
    ['a date', '2026-11-27'],
    ['a date and time with a space', '2026-11-27 10:02:05'],
    ['a day-first date', '27/11/2026'],
    ['a UUID', '123e4567-e89b-12d3-a456-426614174000'],
    ['an all-digit UUID', '12345678-1234-1234-1234-123456789012'],
    ['a semantic version', '1.4.2'],
    ['a calendar version', '2026.11.27-3'],
    ['a version with a build number', '1.2.3-4567890'],
    ['an IP address', '10.0.12.255'],
    ['a URL with numbers', 'https://ci.example.com/pipelines/88123456/jobs/1234567'],
    ['a git SHA', '4f3c2a1b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a'],
    ['a SHA-256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['an epoch in milliseconds', '1795809427894'],
    ['an id with digits', 'pay_01HF3K9Z1234567'],
    ['a partition', 'dt=2026-11-27/hour=10'],
    [
      'a CloudWatch reason',
      'Threshold Crossed: 1 out of the last 1 datapoints [0.0666851903306472 (01/10/19 13:46:00)]',
    ],
    ['a decimal', '12345.6789'],
    ['an ARN', 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:cpu'],
    ['a duration', '00:05:00'],
  ])('does not flag %s', (_what, text) => {
    expect(hasPhone(text)).toBe(false);
  });
});

describe('scanPii', () => {
  it('finds look-alikes in nested strings and arrays, by pointer', () => {
    // Prepare
    const detail = {
      v: 1,
      note: 'ok',
      people: [{ contact: 'jane@example.com' }, { contact: '+44 7911 123456' }],
      'a/b': { deep: ['x', 'bob@example.org'] },
      count: 5551234567,
    };
    // Act
    const findings = scanPii(detail, '/detail');
    // Assess
    expect(findings).toEqual([
      { pointer: '/detail/people/0/contact', kind: 'email', inKey: false },
      { pointer: '/detail/people/1/contact', kind: 'phone', inKey: false },
      { pointer: '/detail/a~1b/deep/1', kind: 'email', inKey: false },
    ]);
  });

  it('requires *_sha256 to be 64 lowercase hex, and keeps hashed contacts out of events', () => {
    const good = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    expect(scanPii({ plan_sha256: good })).toEqual([]);
    expect(
      scanPii({ plan_sha256: good.toUpperCase(), file_sha256: 'abc', list_sha256: [good, 'nope'] }),
    ).toEqual([
      { pointer: '/plan_sha256', kind: 'sha256', inKey: false },
      { pointer: '/file_sha256', kind: 'sha256', inKey: false },
      { pointer: '/list_sha256/1', kind: 'sha256', inKey: false },
    ]);
    expect(scanPii({ email_sha256: good, user: { phone_sha256: good, mobile_sha256: [good] } })).toEqual([
      { pointer: '/email_sha256', kind: 'hashed-contact', inKey: false },
      { pointer: '/user/phone_sha256', kind: 'hashed-contact', inKey: false },
      { pointer: '/user/mobile_sha256', kind: 'hashed-contact', inKey: false },
    ]);
    expect(maskPii({ email_sha256: good, plan_sha256: 'nope' })).toEqual({
      email_sha256: '[masked:hashed-contact]',
      plan_sha256: '[masked:sha256]',
    });
  });

  it('flags a field name that is itself an email, without naming it', () => {
    expect(scanPii({ counts: { 'jane@example.com': 3 } })).toEqual([
      { pointer: '/counts/*', kind: 'email', inKey: true },
    ]);
  });
});

describe('masking for the quarantine', () => {
  it('replaces flagged values and field names, keeps everything else', () => {
    // Prepare
    const event = {
      id: 'e1',
      time: '2026-11-27T10:02:05Z',
      detail: {
        error: 'failed for jane@example.com',
        phone: '+44 7911 123456',
        by: { 'bob@example.org': 1 },
        n: 3,
      },
    };
    // Act
    const masked = maskPii(event);
    // Assess
    expect(masked).toEqual({
      id: 'e1',
      time: '2026-11-27T10:02:05Z',
      detail: { error: '[masked:email]', phone: '[masked:phone]', by: { '[masked:email]#0': 1 }, n: 3 },
    });
    expect(JSON.stringify(masked)).not.toMatch(/jane|bob@|7911/);
    expect(event.detail.error).toBe('failed for jane@example.com'); // the input is not mutated
  });

  it('masks look-alikes inside free text (a body that is not JSON)', () => {
    expect(maskPiiInText('{"detail": "jane@example.com", call +44 7911 123456')).toBe(
      '{"detail": "[masked:email]", call [masked:phone]',
    );
  });
});
