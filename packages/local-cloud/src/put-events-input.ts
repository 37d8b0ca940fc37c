import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from '@lakeops/contracts';
import { EventsInputInvalidError } from './errors.ts';

/** A whole EventBridge event, as rules and targets see it. */
export type BusEvent = EventBridgeEvent;

/** One `PutEvents` request entry (the AWS CLI `--entries` shape). */
export interface PutEventsEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Resources?: unknown;
  Time?: unknown;
}

export interface EnvelopeDefaults {
  readonly account: string;
  readonly region: string;
  readonly now: () => Date;
  readonly newId?: () => string;
}

export const localEnvelope: EnvelopeDefaults = {
  account: '000000000000',
  region: 'us-east-1',
  now: () => new Date(),
};

/**
 * Reads events from text in any of the forms people have at hand:
 * - AWS CLI `put-events --entries` JSON: an array of `{Source, DetailType, Detail}` where
 *   `Detail` is a JSON string (also `{ "Entries": [...] }`, the `--cli-input-json` shape);
 * - whole EventBridge events: one JSON object, an array of them, or JSON lines.
 * Each entry is checked; the first problem is reported with its position.
 */
export function parseEventsInput(text: string, defaults: EnvelopeDefaults = localEnvelope): BusEvent[] {
  const items = parseJsonOrLines(text);
  if (items.length === 0) throw new EventsInputInvalidError('no events in the input');
  return items.map((item, i) => toBusEvent(item, i, defaults));
}

function parseJsonOrLines(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    const value: unknown = JSON.parse(trimmed);
    if (Array.isArray(value)) return value;
    if (isObject(value) && Array.isArray(value.Entries)) return value.Entries;
    return [value];
  } catch {
    // Not one JSON document: try JSON lines.
  }
  const lines = trimmed.split(/\r?\n/);
  return lines.flatMap((line, i) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as unknown];
    } catch (error) {
      throw new EventsInputInvalidError(
        lines.length === 1 ? 'not JSON' : `line ${i + 1} is not JSON (input is neither JSON nor JSON lines)`,
        { cause: error },
      );
    }
  });
}

function toBusEvent(item: unknown, index: number, defaults: EnvelopeDefaults): BusEvent {
  const where = `event ${index + 1}`;
  if (!isObject(item)) throw new EventsInputInvalidError(`${where}: expected a JSON object`);
  if ('DetailType' in item || 'Source' in item || 'Detail' in item) return fromEntry(item, where, defaults);
  if ('detail-type' in item || 'source' in item || 'detail' in item) return fromEvent(item, where, defaults);
  throw new EventsInputInvalidError(
    `${where}: neither a PutEvents entry ({Source, DetailType, Detail}) nor an EventBridge event ({source, detail-type, detail})`,
  );
}

export function fromEntry(entry: PutEventsEntry, where: string, defaults: EnvelopeDefaults): BusEvent {
  const source = requireString(entry.Source, `${where}: Source`);
  const detailType = requireString(entry.DetailType, `${where}: DetailType`);
  const detailText = requireString(entry.Detail, `${where}: Detail`);
  let detail: unknown;
  try {
    detail = JSON.parse(detailText);
  } catch (error) {
    throw new EventsInputInvalidError(`${where}: Detail is not valid JSON`, { cause: error });
  }
  if (!isObject(detail)) throw new EventsInputInvalidError(`${where}: Detail must be a JSON object`);
  const resources = entry.Resources === undefined ? [] : entry.Resources;
  if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string')) {
    throw new EventsInputInvalidError(`${where}: Resources must be an array of strings`);
  }
  return {
    version: '0',
    id: (defaults.newId ?? randomUUID)(),
    'detail-type': detailType,
    source,
    account: defaults.account,
    time: timeOf(entry.Time, where, defaults),
    region: defaults.region,
    resources,
    detail,
  };
}

function fromEvent(event: Record<string, unknown>, where: string, defaults: EnvelopeDefaults): BusEvent {
  const detail = event.detail;
  if (!isObject(detail)) throw new EventsInputInvalidError(`${where}: detail must be a JSON object`);
  const resources = event.resources ?? [];
  if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string')) {
    throw new EventsInputInvalidError(`${where}: resources must be an array of strings`);
  }
  return {
    ...event,
    version: typeof event.version === 'string' ? event.version : '0',
    id: typeof event.id === 'string' && event.id !== '' ? event.id : (defaults.newId ?? randomUUID)(),
    'detail-type': requireString(event['detail-type'], `${where}: detail-type`),
    source: requireString(event.source, `${where}: source`),
    account: typeof event.account === 'string' ? event.account : defaults.account,
    time: timeOf(event.time, where, defaults),
    region: typeof event.region === 'string' ? event.region : defaults.region,
    resources,
    detail,
  };
}

function timeOf(value: unknown, where: string, defaults: EnvelopeDefaults): string {
  if (value === undefined || value === null)
    return defaults
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  const ms =
    typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new EventsInputInvalidError(`${where}: time is not a timestamp`);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '')
    throw new EventsInputInvalidError(`${what} is missing or not a string`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
