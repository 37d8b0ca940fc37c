import { checkDetail, type DetailCheck, validateDetailWith } from './detail-check.ts';
import { validators } from './validators/index.generated.ts';

/**
 * Validates an event's `detail` against the schema of its detail-type and `detail.v` among ALL
 * contracts (precompiled, see `validators/index.generated.ts`), then runs the PII guard over it.
 * For the consumers that see every event (ingest, the Firehose archive, the seed); a function
 * checks its own contracts only, with `checkEvent` and its route's validators.
 * Unknown fields do not fail the check: they come back in `unknownFields`.
 * An unknown detail-type or version fails with a reason. Reason pointers are relative to `detail`.
 *
 * @example
 * ```ts
 * const check = validateDetail('deploy.failed', event.detail);
 * if (!check.ok) throw new EventInvalidError('deploy.failed failed its contract', check.reasons);
 * if (check.unknownFields.length > 0) logger.warn('unknown fields', { unknownFields: check.unknownFields });
 * ```
 */
export function validateDetail(detailType: string, detail: unknown): DetailCheck {
  return validateDetailWith(validators, detailType, detail);
}

/** The schema part of {@link validateDetail}, without the PII guard; pointers start at `base`. */
export function checkSchema(detailType: string, detail: unknown, base: string): DetailCheck {
  return checkDetail(validators, detailType, detail, base);
}
