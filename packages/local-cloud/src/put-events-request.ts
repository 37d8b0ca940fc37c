import type { ValidationReason } from '@lakeops/contracts';
import type { BusInput, PutResult } from './durable-event-bus.ts';
import { type EnvelopeDefaults, fromEntry, localEnvelope } from './put-events-input.ts';

/** EventBridge's PutEvents limits: 10 entries and 256 KB of entries per request. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/** One PutEvents result entry, as the API returns it. */
export type PutEventsResultEntry =
  | { readonly EventId: string }
  | { readonly ErrorCode: string; readonly ErrorMessage: string };

/** `PutEventsRequestEntry.DetailType`: "Free-form string, with a maximum of 128 characters". */
const MAX_DETAIL_TYPE_LENGTH = 128;

/** A PutEvents entry check that failed: its AWS error code and message. */
export interface EntryError {
  readonly code: 'InvalidArgument' | 'MalformedDetail';
  readonly message: string;
  readonly pointer: string;
}

/**
 * The size EventBridge counts for one entry: 14 bytes for `Time` if present, plus the UTF-8
 * bytes of `Source`, `DetailType`, `Detail` and each of `Resources`.
 */
export function entrySize(entry: unknown): number {
  if (typeof entry !== 'object' || entry === null) return 0;
  const e = entry as Record<string, unknown>;
  const bytes = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0);
  let size = e.Time === undefined || e.Time === null ? 0 : 14;
  size += bytes(e.Source) + bytes(e.DetailType) + bytes(e.Detail);
  if (Array.isArray(e.Resources)) for (const r of e.Resources) size += bytes(r);
  return size;
}

/**
 * Checks one PutEvents entry the way EventBridge does before it takes it (required fields,
 * `DetailType` length, `Detail` a JSON object, `Resources` strings, `Time` a timestamp) and turns
 * it into a bus input — or says why EventBridge would fail the entry. A failed entry goes nowhere
 * (EventBridge does not keep it either); the caller gets its error code and message.
 */
export function entryToBusInput(
  entry: unknown,
  defaults: EnvelopeDefaults = localEnvelope,
): { readonly input: BusInput } | { readonly error: EntryError } {
  const error = checkEntry(entry);
  if (error) return { error };
  const e = entry as Record<string, unknown>;
  const clean = { ...e, Resources: e.Resources ?? undefined, Time: e.Time ?? undefined };
  return { input: { event: fromEntry(clean, 'entry', defaults) } };
}

function checkEntry(entry: unknown): EntryError | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return { code: 'InvalidArgument', message: 'Parameter Entry is not valid.', pointer: '' };
  }
  const e = entry as Record<string, unknown>;
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    const value = e[field];
    if (typeof value !== 'string' || value.trim() === '') {
      return {
        code: 'InvalidArgument',
        message: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
        pointer: `/${field}`,
      };
    }
  }
  if ((e.DetailType as string).length > MAX_DETAIL_TYPE_LENGTH) {
    return {
      code: 'InvalidArgument',
      message: `Parameter DetailType is not valid. Reason: DetailType is longer than ${MAX_DETAIL_TYPE_LENGTH} characters.`,
      pointer: '/DetailType',
    };
  }
  let detail: unknown;
  try {
    detail = JSON.parse(e.Detail as string);
  } catch {
    return { code: 'MalformedDetail', message: 'Detail is malformed.', pointer: '/Detail' };
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { code: 'MalformedDetail', message: 'Detail is malformed.', pointer: '/Detail' };
  }
  if (
    e.Resources !== undefined &&
    e.Resources !== null &&
    (!Array.isArray(e.Resources) || !e.Resources.every((r) => typeof r === 'string'))
  ) {
    return { code: 'InvalidArgument', message: 'Parameter Resources is not valid.', pointer: '/Resources' };
  }
  if (e.Time !== undefined && e.Time !== null) {
    const ms =
      typeof e.Time === 'number'
        ? e.Time * 1000
        : typeof e.Time === 'string'
          ? Date.parse(e.Time)
          : Number.NaN;
    if (!Number.isFinite(ms)) {
      return { code: 'InvalidArgument', message: 'Parameter Time is not valid.', pointer: '/Time' };
    }
  }
  return undefined;
}

/** The PutEvents result entry for a bus result, or for an entry failed before the bus. */
export function resultEntry(result: PutResult | EntryError): PutEventsResultEntry {
  if ('code' in result) return { ErrorCode: result.code, ErrorMessage: result.message };
  if (result.status === 'rejected') {
    return {
      ErrorCode: 'InvalidArgument',
      ErrorMessage: `Event failed its contract (strict contracts): ${quarantineMessage(result.reasons)}`,
    };
  }
  // Accepted, or quarantined by ingest: EventBridge takes any well-formed event.
  return { EventId: result.eventId ?? '' };
}

/** Why an event went to the quarantine, as one line of pointers and messages (never values). */
export function quarantineMessage(reasons: readonly ValidationReason[]): string {
  const text = reasons
    .slice(0, 5)
    .map((r) => `${r.pointer || '/'} ${r.message}`)
    .join('; ');
  const more = reasons.length > 5 ? `; and ${reasons.length - 5} more` : '';
  return `${text}${more}`;
}
