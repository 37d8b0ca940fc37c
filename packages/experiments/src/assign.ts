import { bucketOf, variantOfBucket } from './bucketing.ts';
import type { Experiment } from './flags.ts';

/** Where a unit stands in an experiment. */
export type Assignment =
  | { readonly inExperiment: true; readonly variant: string; readonly bucket: number }
  | {
      readonly inExperiment: false;
      readonly variant: null;
      readonly bucket: number;
      readonly reason: 'disabled' | 'not-started' | 'ended' | 'not-allocated';
    };

/**
 * The sticky variant of a unit (a `user_id`, or an `anon_id` before login): the same unit, salt,
 * key, weights and a same-or-larger allocation always give the same variant, in any process and in
 * any language that follows `bucketOf`. `at` (ISO time or epoch ms) checks the experiment's window.
 *
 * @example
 * const a = assignVariant(catalog.get('checkout-cta'), 'u_123');
 * if (a.inExperiment) render(a.variant);
 */
export function assignVariant(experiment: Experiment, unitId: string, at?: number | string): Assignment {
  const bucket = bucketOf(experiment.salt, experiment.key, unitId);
  const out = (reason: 'disabled' | 'not-started' | 'ended' | 'not-allocated'): Assignment => ({
    inExperiment: false,
    variant: null,
    bucket,
    reason,
  });
  if (!experiment.enabled) return out('disabled');
  if (at !== undefined) {
    const t = typeof at === 'number' ? at : Date.parse(at);
    if (experiment.start !== null && t < Date.parse(experiment.start)) return out('not-started');
    if (experiment.end !== null && t >= Date.parse(experiment.end)) return out('ended');
  }
  const variant = variantOfBucket(experiment.ranges, bucket);
  return variant === null ? out('not-allocated') : { inExperiment: true, variant, bucket };
}
