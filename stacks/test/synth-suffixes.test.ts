import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalSuffixes, deterministicRandomBytes } from '../synth/runtime.ts';

describe('synth physical-name suffixes', () => {
  it('are the same text whichever resource the run handed each suffix to', () => {
    // Prepare: two runs that made the same suffixes in a different order (apply callbacks race).
    const fake = { randomBytes: undefined as unknown, createHash: crypto.createHash };
    const generated = deterministicRandomBytes(fake);
    const draw = fake.randomBytes as (size: number) => Buffer;
    draw(8);
    draw(8);
    const [first, second] = generated();
    const runA = JSON.stringify([
      { name: 'A', physical: `lakeops-synth-A-${first}` },
      { name: 'B', physical: `lakeops-synth-B-${second}`, policy: `arn:x:lakeops-synth-B-${second}` },
    ]);
    const runB = JSON.stringify([
      { name: 'A', physical: `lakeops-synth-A-${second}` },
      { name: 'B', physical: `lakeops-synth-B-${first}`, policy: `arn:x:lakeops-synth-B-${first}` },
    ]);
    // Act
    const a = canonicalSuffixes(runA, generated(), crypto.createHash);
    const b = canonicalSuffixes(runB, generated(), crypto.createHash);
    // Assess
    expect(first).toMatch(/^[abcdefhkmnorstuvwxz]{8}$/);
    expect(first).not.toBe(second);
    expect(runA).not.toBe(runB);
    expect(a).toBe(b);
    // The same suffix is renamed the same everywhere (a name and the ARN that points at it).
    const parsed = JSON.parse(a) as { physical: string; policy?: string }[];
    expect(parsed[1]?.policy).toBe(`arn:x:${parsed[1]?.physical}`);
    // Text that is not a generated suffix stays as it is.
    expect(canonicalSuffixes('-abcdefhk', generated(), crypto.createHash)).toBe('-abcdefhk');
  });
});
