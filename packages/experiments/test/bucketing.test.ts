import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUCKETS, bucketOf, bucketRanges, variantOfBucket } from '../src/bucketing.ts';
import { sha256 } from '../src/sha256.ts';

interface Vectors {
  configs: { salt: string; key: string; variants: string[]; weights_bp: number[]; allocation_bp: number }[];
  vectors: {
    salt: string;
    key: string;
    unit: string;
    sha256: string;
    bucket: number;
    variant: string | null;
  }[];
}
/** Written by scripts/bucketing-vectors.py with Python's hashlib (an independent implementation). */
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/bucketing-vectors.json', import.meta.url), 'utf8'),
) as Vectors;

describe('bucketOf and bucketRanges', () => {
  it('reproduce every committed test vector (Python hashlib): digest, bucket and variant', () => {
    // Prepare
    const configs = new Map(fixture.configs.map((c) => [c.key, c]));
    // Act
    const ours = fixture.vectors.map((v) => {
      const c = configs.get(v.key);
      if (!c) throw new Error(`no config for ${v.key}`);
      const bucket = bucketOf(v.salt, v.key, v.unit);
      return {
        salt: v.salt,
        key: v.key,
        unit: v.unit,
        sha256: Buffer.from(sha256(`${v.salt}:${v.key}:${v.unit}`)).toString('hex'),
        bucket,
        variant: variantOfBucket(bucketRanges(c.variants, c.weights_bp, c.allocation_bp), bucket),
      };
    });
    // Assess
    expect(fixture.vectors.length).toBe(930);
    expect(ours).toEqual(fixture.vectors);
  });

  it('spreads units uniformly over the 10,000 buckets (chi-square over 100 groups of buckets)', () => {
    // Prepare
    const counts = new Array<number>(100).fill(0);
    // Act
    for (let i = 0; i < 200_000; i++) {
      const b = bucketOf('uniform', 'exp', `user-${i}`);
      counts[Math.floor(b / 100)] = (counts[Math.floor(b / 100)] ?? 0) + 1;
    }
    // Assess: 99 degrees of freedom, 99.9th percentile 148.2
    const expected = 200_000 / 100;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(148.2);
  });

  it('keeps every assigned unit in its variant when the allocation grows, and only drops units when it shrinks', () => {
    // Prepare
    const variants = ['control', 'treatment'];
    const at = (allocationBp: number) => bucketRanges(variants, [2000, 8000], allocationBp);
    const steps = [500, 1000, 2500, 5000, 7500, 10_000];
    // Act
    const moved: string[] = [];
    for (let b = 0; b < BUCKETS; b++) {
      for (let s = 1; s < steps.length; s++) {
        const before = variantOfBucket(at(steps[s - 1] as number), b);
        const after = variantOfBucket(at(steps[s] as number), b);
        if (before !== null && after !== before) moved.push(`bucket ${b}: ${before} -> ${after}`);
      }
    }
    // Assess
    expect(moved).toEqual([]);
    expect(at(5000)).toEqual([
      { variant: 'control', start: 0, end: 1000 },
      { variant: 'treatment', start: 2000, end: 6000 },
    ]);
  });
});
