import type { CompiledValidator, CompiledValidatorError, ValidatorTable } from './compiled-validator.ts';
import { appendPointer } from './json-pointer.ts';
import type { EventBridgeEvent } from './normalise-event.ts';
import { piiReasons, scanPii } from './pii-guard.ts';
import type { ValidationReason } from './validation-reason.ts';

/** The outcome of checking one `detail`. */
export type DetailCheck =
  | {
      readonly ok: true;
      /** Fields the schema does not know, as JSON pointers; the event is still valid and kept whole. */
      readonly unknownFields: string[];
    }
  | { readonly ok: false; readonly reasons: ValidationReason[] };

/** An event of one contract: its detail-type and the detail type generated from its schema. */
export interface ContractEvent<T extends string, D> extends EventBridgeEvent<D> {
  'detail-type': T;
}

/** The events a validator table accepts: one {@link ContractEvent} per detail-type and version in it. */
export type EventOf<Table extends ValidatorTable> = {
  [T in keyof Table & string]: {
    [V in keyof Table[T]]: Table[T][V] extends CompiledValidator<infer D> ? ContractEvent<T, D> : never;
  }[keyof Table[T]];
}[keyof Table & string];

/** The outcome of checking a whole event against a table: the event, typed by its contract, or why not. */
export type EventCheck<E> =
  | { readonly ok: true; readonly event: E; readonly unknownFields: string[] }
  | { readonly ok: false; readonly reasons: ValidationReason[] };

const DETAIL_TYPE = /^[A-Za-z0-9][A-Za-z0-9 ._:/-]{0,127}$/;

/**
 * Checks an event's `detail` against the validator of its detail-type and `detail.v` in `table`,
 * then runs the PII guard over it, and returns the event typed by its contract. A function passes
 * only the validators of the contracts its route pins (see `functions/routes.validators.generated.ts`),
 * so its bundle carries no other schema. Unknown fields do not fail the check.
 *
 * @example
 * ```ts
 * const check = checkEvent({ 'deploy.failed': { 1: deployFailedV1 } }, event);
 * if (check.ok) check.event.detail.service; // typed as DeployFailedV1
 * ```
 */
export function checkEvent<Table extends ValidatorTable>(
  table: Table,
  event: EventBridgeEvent,
): EventCheck<EventOf<Table>> {
  const found: { check?: DetailCheck } = {};
  const pii = piiReasons(scanPii(event.detail));
  if (conforms(table, event, found) && pii.length === 0) {
    return { ok: true, event, unknownFields: found.check?.ok ? found.check.unknownFields : [] };
  }
  return { ok: false, reasons: [...(found.check?.ok === false ? found.check.reasons : []), ...pii] };
}

/**
 * Whether the detail passes its contract's validator in `table` (unknown fields allowed: a type
 * does not forbid extra properties); `found.check` receives the check with its reasons.
 */
function conforms<Table extends ValidatorTable>(
  table: Table,
  event: EventBridgeEvent,
  found: { check?: DetailCheck },
): event is EventOf<Table> {
  found.check = checkDetail(table, event['detail-type'], event.detail, '');
  return found.check.ok;
}

/**
 * `validateDetail` over the validators in `table`: the schema check of {@link checkDetail}, then
 * the PII guard.
 */
export function validateDetailWith(table: ValidatorTable, detailType: string, detail: unknown): DetailCheck {
  const schema = checkDetail(table, detailType, detail, '');
  const pii = piiReasons(scanPii(detail));
  if (!schema.ok || pii.length > 0) {
    return { ok: false, reasons: [...(schema.ok ? [] : schema.reasons), ...pii] };
  }
  return schema;
}

/**
 * The schema check alone (no PII guard): `detail` against the validator of its detail-type and
 * `detail.v` in `table`; reason pointers start at `base`. An unknown detail-type or version fails
 * with a reason.
 */
export function checkDetail(
  table: ValidatorTable,
  detailType: string,
  detail: unknown,
  base: string,
): DetailCheck {
  const byVersion = Object.hasOwn(table, detailType) ? table[detailType] : undefined;
  if (!byVersion) {
    return {
      ok: false,
      reasons: [{ pointer: base, message: `no schema for detail-type ${named(detailType)}` }],
    };
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { ok: false, reasons: [{ pointer: base, message: 'detail must be a JSON object' }] };
  }
  const v = (detail as { v?: unknown }).v;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    return {
      ok: false,
      reasons: [
        {
          pointer: `${base}/v`,
          message: `must be the schema version, an integer (known: ${known(byVersion)})`,
        },
      ],
    };
  }
  const validate = Object.hasOwn(byVersion, v) ? byVersion[v] : undefined;
  if (!validate) {
    return {
      ok: false,
      reasons: [
        {
          pointer: `${base}/v`,
          message: `no schema for ${named(detailType)} v${v} (known: ${known(byVersion)})`,
        },
      ],
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

// The names in messages, built only for a failure (not on the hot path of a valid event).
function named(detailType: string): string {
  return DETAIL_TYPE.test(detailType) ? `'${detailType}'` : 'this detail-type';
}

function known(byVersion: object): string {
  return Object.keys(byVersion).join(', ');
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
