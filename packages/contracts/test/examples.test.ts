import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageDir } from '../src/codegen/generate.ts';
import { examplesFileName, listSchemas, validateDetail } from '../src/index.ts';

interface Examples {
  valid: { name: string; detail: unknown }[];
  invalid: { name: string; detail: unknown; pointers: string[] }[];
}

const eventsDir = join(packageDir, 'events');

describe.each(listSchemas())('$detailType v$version examples', ({ detailType, version }) => {
  const examples = JSON.parse(
    readFileSync(join(eventsDir, examplesFileName(detailType, version)), 'utf8'),
  ) as Examples;

  it('has at least one valid and two invalid examples', () => {
    expect(examples.valid.length).toBeGreaterThanOrEqual(1);
    expect(examples.invalid.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples.valid)('valid: $name', ({ detail }) => {
    expect(validateDetail(detailType, detail)).toEqual({ ok: true, unknownFields: [] });
  });

  it.each(examples.invalid)('invalid: $name', ({ detail, pointers }) => {
    // Act
    const check = validateDetail(detailType, detail);
    // Assess
    expect(check.ok).toBe(false);
    const found = check.ok ? [] : [...new Set(check.reasons.map((r) => r.pointer))].sort();
    expect(found).toEqual([...pointers].sort());
  });
});

describe('the events folder', () => {
  it('has an examples file beside every schema file, and nothing else', () => {
    const files = readdirSync(eventsDir).sort();
    const expected = listSchemas()
      .flatMap((s) => [examplesFileName(s.detailType, s.version), s.file.split('/').at(-1) ?? ''])
      .sort();
    expect(files).toEqual(expected);
  });
});
