// Frozen copy of src/validate-detail.ts as it was before the ingest performance work: the baseline of
// bench/ingest.bench.ts and the reference of test/pii-guard-equivalence.test.ts. Do not edit.
import type { CompiledValidatorError, ValidatorTable } from '../../src/compiled-validator.ts';
import type { ValidationReason } from '../../src/validation-reason.ts';
// The generated validators are shared with src/: a frozen copy would break the bench at the next
// schema change; the date-format speed-up in them is therefore not counted in the bench's ratios.
import { validators as generated } from '../../src/validators/index.generated.ts';
import { appendPointer } from './json-pointer.ts';
import { piiReasons, scanPii } from './pii-guard.ts';

const validators: ValidatorTable = generated;

/** The outcome of checking one `detail`. */
export type DetailCheck =
  | {
      readonly ok: true;
      /** Fields the schema does not know, as JSON pointers; the event is still valid and kept whole. */
      readonly unknownFields: string[];
    }
  | { readonly ok: false; readonly reasons: ValidationReason[] };

const DETAIL_TYPE = /^[A-Za-z0-9][A-Za-z0-9 ._:/-]{0,127}$/;

/**
 * Validates an event's `detail` against the schema of its detail-type and `detail.v`
 * (precompiled, see `validators.generated.ts`), then runs the PII guard over it.
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
  const schema = checkSchema(detailType, detail, '');
  const pii = piiReasons(scanPii(detail));
  if (!schema.ok || pii.length > 0) {
    return { ok: false, reasons: [...(schema.ok ? [] : schema.reasons), ...pii] };
  }
  return schema;
}

/** The schema part of {@link validateDetail}, without the PII guard; pointers start at `base`. */
export function checkSchema(detailType: string, detail: unknown, base: string): DetailCheck {
  const byVersion = Object.hasOwn(validators, detailType) ? validators[detailType] : undefined;
  const named = DETAIL_TYPE.test(detailType) ? `'${detailType}'` : 'this detail-type';
  if (!byVersion) {
    return { ok: false, reasons: [{ pointer: base, message: `no schema for detail-type ${named}` }] };
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { ok: false, reasons: [{ pointer: base, message: 'detail must be a JSON object' }] };
  }
  const v = (detail as { v?: unknown }).v;
  const known = Object.keys(byVersion).join(', ');
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    return {
      ok: false,
      reasons: [
        { pointer: `${base}/v`, message: `must be the schema version, an integer (known: ${known})` },
      ],
    };
  }
  const validate = Object.hasOwn(byVersion, v) ? byVersion[v] : undefined;
  if (!validate) {
    return {
      ok: false,
      reasons: [{ pointer: `${base}/v`, message: `no schema for ${named} v${v} (known: ${known})` }],
    };
  }
  if (validate(detail)) return { ok: true, unknownFields: [] };
  const unknownFields: string[] = [];
  const reasons: ValidationReason[] = [];
  for (const error of validate.errors ?? []) {
    if (error.keyword === 'additionalProperties') {
      unknownFields.push(appendPointer(base + error.instancePath, String(error.params.additionalProperty)));
    } else {
      reasons.push(toReason(error, base));
    }
  }
  return reasons.length > 0 ? { ok: false, reasons } : { ok: true, unknownFields };
}

function toReason(error: CompiledValidatorError, base: string): ValidationReason {
  const at = base + error.instancePath;
  switch (error.keyword) {
    case 'required':
      return { pointer: appendPointer(at, String(error.params.missingProperty)), message: 'is required' };
    case 'enum': {
      const allowed = error.params.allowedValues;
      return {
        pointer: at,
        message: Array.isArray(allowed)
          ? `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`
          : 'must be one of the allowed values',
      };
    }
    case 'const':
      return { pointer: at, message: `must be ${JSON.stringify(error.params.allowedValue)}` };
    default:
      return { pointer: at, message: describeRule(error) };
  }
}

/**
 * The rule an error broke, in words (the validators are generated without Ajv's message strings,
 * which saves a sixth of their size). Built from the schema's parameters, never from the data.
 */
function describeRule({ keyword, params }: CompiledValidatorError): string {
  const limit = params.limit;
  switch (keyword) {
    case 'type':
      return `must be ${Array.isArray(params.type) ? params.type.join(' or ') : String(params.type)}`;
    case 'pattern':
      return `must match pattern "${String(params.pattern)}"`;
    case 'format':
      return `must match format "${String(params.format)}"`;
    case 'minLength':
      return `must NOT have fewer than ${limit} characters`;
    case 'maxLength':
      return `must NOT have more than ${limit} characters`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(params.comparison)} ${limit}`;
    case 'multipleOf':
      return `must be a multiple of ${String(params.multipleOf)}`;
    case 'minItems':
      return `must NOT have fewer than ${limit} items`;
    case 'maxItems':
      return `must NOT have more than ${limit} items`;
    case 'minProperties':
      return `must NOT have fewer than ${limit} properties`;
    case 'maxProperties':
      return `must NOT have more than ${limit} properties`;
    case 'uniqueItems':
      return `must NOT have duplicate items (items ${String(params.j)} and ${String(params.i)} are identical)`;
    case 'anyOf':
      return 'must match a schema in anyOf';
    case 'oneOf':
      return 'must match exactly one schema in oneOf';
    case 'not':
      return 'must NOT be valid';
    default:
      return `fails ${keyword}`;
  }
}
