// Frozen copy of src/ingest-event.ts as it was before the ingest performance work: the baseline of
// bench/ingest.bench.ts and the reference of test/pii-guard-equivalence.test.ts. Do not edit.
import { type EventBridgeEvent, normaliseEvent } from '../../src/normalise-event.ts';
import type { ValidationReason } from '../../src/validation-reason.ts';
import { appendPointer } from './json-pointer.ts';
import { maskPii, maskPiiInText, piiReasons, scanPii } from './pii-guard.ts';
import { checkSchema } from './validate-detail.ts';

/** EventBridge's limit on one event entry (256 KB). */
export const MAX_EVENT_BYTES = 256 * 1024;

/** What the bus does with one incoming event. */
export type IngestResult =
  | {
      readonly status: 'accepted';
      /** The event exactly as it came (kept whole in Bronze, unknown fields included). */
      readonly event: EventBridgeEvent;
      /** Fields no schema knows, as JSON pointers from the event root (`/detail/extra`). */
      readonly unknownFields: string[];
    }
  | {
      readonly status: 'rejected';
      /** Every reason, as JSON pointers from the event root; never a value. */
      readonly reasons: ValidationReason[];
      /** The input with PII look-alikes masked: what goes to the quarantine. */
      readonly quarantined: unknown;
    };

const ENVELOPE_STRINGS = ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region'] as const;
const ENVELOPE_FIELDS: readonly string[] = [...ENVELOPE_STRINGS, 'resources', 'detail'];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Ingest validation for the bus: the envelope, then `detail` against the schema of its
 * detail-type and `v` (native events normalised first, see `normaliseEvent`), then the PII guard
 * over the whole event. Accepts an object, or the raw body (a JSON string or bytes).
 * Unknown fields are reported, never removed: an accepted event is returned unchanged.
 * A rejected one comes with every reason and a masked copy for the quarantine; nothing is dropped.
 *
 * @example
 * ```ts
 * const result = ingestEvent(body);
 * if (result.status === 'rejected') await quarantine.put({ reasons: result.reasons, event: result.quarantined });
 * else await bronze.append(result.event);
 * ```
 */
export function ingestEvent(raw: unknown): IngestResult {
  let input: unknown = raw;
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw);
    try {
      input = JSON.parse(text);
    } catch (error) {
      const problem = error instanceof SyntaxError ? error.message : 'unreadable';
      return reject([{ pointer: '', message: `not JSON: ${maskPiiInText(problem)}` }], maskPiiInText(text));
    }
  }
  const reasons: ValidationReason[] = [];
  const unknownFields: string[] = [];
  const envelope = checkEnvelope(input, reasons, unknownFields);
  const size = byteLength(input);
  if (size > MAX_EVENT_BYTES) {
    reasons.push({
      pointer: '',
      message: `event is ${size} bytes; EventBridge's limit is ${MAX_EVENT_BYTES} bytes (256 KB)`,
    });
  }
  if (envelope) {
    const normalised = normaliseEvent(envelope);
    const check = checkSchema(normalised['detail-type'], normalised.detail, '/detail');
    if (check.ok) unknownFields.push(...check.unknownFields);
    else reasons.push(...check.reasons);
  }
  reasons.push(...piiReasons(scanPii(input)));
  if (reasons.length > 0 || !envelope) return reject(reasons, maskPii(input));
  return { status: 'accepted', event: envelope, unknownFields };
}

function reject(reasons: ValidationReason[], quarantined: unknown): IngestResult {
  return { status: 'rejected', reasons, quarantined };
}

function checkEnvelope(
  input: unknown,
  reasons: ValidationReason[],
  unknownFields: string[],
): EventBridgeEvent | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    reasons.push({ pointer: '', message: 'an event must be a JSON object with an EventBridge envelope' });
    return undefined;
  }
  const e = input as Record<string, unknown>;
  const before = reasons.length;
  for (const field of ENVELOPE_STRINGS) {
    const value = e[field];
    const at = appendPointer('', field);
    if (value === undefined) reasons.push({ pointer: at, message: 'is required' });
    else if (typeof value !== 'string') reasons.push({ pointer: at, message: 'must be a string' });
    else if (value.length === 0) reasons.push({ pointer: at, message: 'must not be empty' });
  }
  if (typeof e.account === 'string' && e.account.length > 0 && !/^\d{12}$/.test(e.account)) {
    reasons.push({ pointer: '/account', message: 'must be a 12-digit AWS account id' });
  }
  if (
    typeof e.time === 'string' &&
    e.time.length > 0 &&
    !(RFC3339.test(e.time) && !Number.isNaN(Date.parse(e.time)))
  ) {
    reasons.push({ pointer: '/time', message: 'must be an RFC 3339 timestamp' });
  }
  if (typeof e['detail-type'] === 'string' && e['detail-type'].length > 128) {
    reasons.push({ pointer: '/detail-type', message: 'must be at most 128 characters' });
  }
  if (e.resources === undefined) reasons.push({ pointer: '/resources', message: 'is required' });
  else if (!Array.isArray(e.resources) || !e.resources.every((r) => typeof r === 'string')) {
    reasons.push({ pointer: '/resources', message: 'must be an array of strings' });
  }
  if (e.detail === undefined) reasons.push({ pointer: '/detail', message: 'is required' });
  else if (typeof e.detail !== 'object' || e.detail === null || Array.isArray(e.detail)) {
    reasons.push({ pointer: '/detail', message: 'must be a JSON object' });
  }
  for (const key of Object.keys(e)) {
    if (!ENVELOPE_FIELDS.includes(key)) unknownFields.push(appendPointer('', key));
  }
  return reasons.length === before ? (input as EventBridgeEvent) : undefined;
}

function byteLength(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  } catch {
    return 0;
  }
}
