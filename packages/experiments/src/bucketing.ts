import { sha256 } from './sha256.ts';

/** Buckets per experiment: a unit falls in one of 0 … 9,999 (a basis point of traffic each). */
export const BUCKETS = 10_000;

/**
 * The unit's bucket in an experiment, reproducible in any language:
 *
 *   digest = SHA-256( UTF-8( salt + ":" + expKey + ":" + unitId ) )
 *   bucket = (first 8 bytes of digest as an unsigned big-endian 64-bit integer) mod 10000
 *
 * Python: `int.from_bytes(hashlib.sha256(f"{salt}:{key}:{unit}".encode()).digest()[:8], "big") % 10000`
 * (scripts/bucketing-vectors.py, which wrote test/fixtures/bucketing-vectors.json).
 * 2^64 mod 10000 = 1616, so the modulo bias is below 1e-15 per bucket.
 */
export function bucketOf(salt: string, expKey: string, unitId: string): number {
  const d = sha256(`${salt}:${expKey}:${unitId}`);
  // (hi * 2^32 + lo) mod 10000 without BigInt: 2^32 mod 10000 = 7296; every term stays below 2^53.
  const hi =
    (d[0] as number) * 0x1000000 + (((d[1] as number) << 16) | ((d[2] as number) << 8) | (d[3] as number));
  const lo =
    (d[4] as number) * 0x1000000 + (((d[5] as number) << 16) | ((d[6] as number) << 8) | (d[7] as number));
  return ((hi % BUCKETS) * 7296 + lo) % BUCKETS;
}

/** A variant's share of traffic, as bucket bounds: the unit is in it when `start <= bucket < end`. */
export interface BucketRange {
  readonly variant: string;
  readonly start: number;
  readonly end: number;
}

/**
 * The bucket ranges of an experiment's variants.
 *
 * `weightsBp` are the variants' weights in basis points (summing to 10,000) and `allocationBp` the
 * share of traffic in the experiment, in basis points. Variant i owns the buckets from
 * `start_i = sum(weightsBp[0..i-1])` to `start_i + floor(weightsBp[i] * allocationBp / 10000)`:
 * each variant's range is anchored at the start of its weight slot and grows with the allocation.
 * So raising the allocation only adds buckets (no assigned unit moves), lowering it only removes
 * units from the experiment (none switches variant), and every experiment hashes with its own salt
 * and key, so one experiment's allocation never moves a unit in another. (GrowthBook's
 * `getBucketRanges` has the same shape.) Changing the weights does move units: start a new salt.
 */
export function bucketRanges(
  variants: readonly string[],
  weightsBp: readonly number[],
  allocationBp: number,
): BucketRange[] {
  let start = 0;
  return variants.map((variant, i) => {
    const weight = weightsBp[i] ?? 0;
    const range = { variant, start, end: start + Math.floor((weight * allocationBp) / BUCKETS) };
    start += weight;
    return range;
  });
}

/** The variant whose range holds `bucket`, or null when the bucket is outside the allocation. */
export function variantOfBucket(ranges: readonly BucketRange[], bucket: number): string | null {
  for (const r of ranges) if (bucket >= r.start && bucket < r.end) return r.variant;
  return null;
}
