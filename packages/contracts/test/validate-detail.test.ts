import { aDeployFailedEvent } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { validateDetail } from '../src/index.ts';

const detail = () => ({ ...aDeployFailedEvent().detail }) as Record<string, unknown>;

describe('validateDetail', () => {
  it('accepts a valid detail with no unknown fields', () => {
    expect(validateDetail('deploy.failed', detail())).toEqual({ ok: true, unknownFields: [] });
  });

  it('accepts an extra field and reports it as a JSON pointer', () => {
    // Prepare
    const d = { ...detail(), extra_field: 'x', 'a/b': 1 };
    // Act
    const check = validateDetail('deploy.failed', d);
    // Assess
    expect(check).toEqual({ ok: true, unknownFields: ['/extra_field', '/a~1b'] });
  });

  it('reports every reason, pointing at the missing field', () => {
    const d: Record<string, unknown> = { ...detail(), environment: 42 };
    delete d.version;
    const check = validateDetail('deploy.failed', d);
    expect(check).toEqual({
      ok: false,
      reasons: [
        { pointer: '/version', message: 'is required' },
        { pointer: '/environment', message: 'must be string' },
      ],
    });
  });

  it('rejects an unknown detail-type', () => {
    expect(validateDetail('deploy.exploded', detail())).toEqual({
      ok: false,
      reasons: [{ pointer: '', message: "no schema for detail-type 'deploy.exploded'" }],
    });
  });

  it('rejects an unknown version and a missing version', () => {
    expect(validateDetail('deploy.failed', { ...detail(), v: 9 })).toEqual({
      ok: false,
      reasons: [{ pointer: '/v', message: "no schema for 'deploy.failed' v9 (known: 1)" }],
    });
    const check = validateDetail('deploy.failed', { ...detail(), v: '1' });
    expect(check.ok ? [] : check.reasons.map((r) => r.pointer)).toEqual(['/v']);
  });

  it('rejects a detail that is not an object', () => {
    expect(validateDetail('deploy.failed', 'hello')).toMatchObject({ ok: false, reasons: [{ pointer: '' }] });
    expect(validateDetail('deploy.failed', null)).toMatchObject({ ok: false });
  });

  it('names an enum rule without echoing the value', () => {
    const check = validateDetail('alarm.triggered', {
      v: 1,
      alarm_name: 'x',
      state: 'SECRET-STATE',
      severity: 'info',
      reason: 'r',
    });
    expect(check).toEqual({
      ok: false,
      reasons: [{ pointer: '/state', message: 'must be one of "ALARM", "OK", "INSUFFICIENT_DATA"' }],
    });
    expect(JSON.stringify(check)).not.toContain('SECRET-STATE');
  });

  it('runs the PII guard: an email in any string field is rejected by field, not by value', () => {
    const check = validateDetail('deploy.failed', { ...detail(), error: 'failed for jane.doe@example.com' });
    expect(check).toEqual({
      ok: false,
      reasons: [
        { pointer: '/error', message: 'looks like an email address; events must not carry raw emails' },
      ],
    });
    expect(JSON.stringify(check)).not.toContain('jane.doe');
  });

  it('does not echo a detail-type that looks like personal data', () => {
    const check = validateDetail('bob@example.com', detail());
    expect(JSON.stringify(check)).not.toContain('bob@');
  });
});
