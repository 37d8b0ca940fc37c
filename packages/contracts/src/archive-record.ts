import { ingestEvent } from './ingest-event.ts';
import type { EventBridgeEvent } from './normalise-event.ts';
import { isRfc3339Time } from './rfc3339.ts';
import type { ValidationReason } from './validation-reason.ts';

/** Where a line goes under `bronze/`: the events table, or the quarantine beside it. */
export type ArchiveArea = 'events' | '_quarantine';

/** One line to append to Bronze, and its Hive partition. */
export interface ArchiveRecord {
  readonly area: ArchiveArea;
  /** `YYYY-MM-DD`, UTC. */
  readonly dt: string;
  /** `HH`, UTC. */
  readonly hour: string;
  /** Exactly one JSON line, without the trailing newline. */
  readonly line: string;
}

/** What to write for one raw event, and why. */
export type ArchiveDecision =
  | (ArchiveRecord & {
      readonly area: 'events';
      readonly status: 'accepted';
      /** The event as it came (kept whole: unknown fields included). */
      readonly event: EventBridgeEvent;
      readonly unknownFields: readonly string[];
    })
  | (ArchiveRecord & {
      readonly area: '_quarantine';
      readonly status: 'rejected';
      readonly reasons: readonly ValidationReason[];
    });

/**
 * The archive decision for one raw event (an object, or its JSON text or bytes), shared by both
 * drivers — the local bus (before it acknowledges) and the Firehose transform Lambda on AWS:
 * `ingestEvent` decides, and this says what to write where.
 *
 * - accepted: `area: 'events'`, the line is the event unchanged (the JSON text as it came when
 *   the input is one line of text, so numbers keep every digit; else `JSON.stringify(event)`);
 * - rejected: `area: '_quarantine'`, the line is `{"receivedAt", "reasons", "event"}` with the
 *   event PII-masked (a text that is not JSON is kept as a masked string).
 *
 * `dt`/`hour` are the UTC date and hour of the event's `time`, or of `arrivedAt` when the event
 * has no readable RFC 3339 `time` (not JSON, no envelope, a malformed time).
 *
 * @example
 * ```ts
 * const record = archiveRecord(body, new Date());
 * await append(`bronze/${record.area}/dt=${record.dt}/hour=${record.hour}/part-….json`, `${record.line}\n`);
 * ```
 */
export function archiveRecord(raw: unknown, arrivedAt: Date): ArchiveDecision {
  let text: string | undefined;
  let input: unknown = raw;
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw);
    try {
      input = JSON.parse(text);
    } catch {
      input = text; // ingestEvent reports it as not JSON
    }
  }
  const checked = ingestEvent(input);
  if (checked.status === 'accepted') {
    const { dt, hour } = partitionTime(checked.event.time) ?? partitionTime(arrivedAt.toISOString()) ?? EPOCH;
    const line = text !== undefined && !/[\r\n]/.test(text) ? text.trim() : JSON.stringify(checked.event);
    return {
      area: 'events',
      status: 'accepted',
      dt,
      hour,
      line,
      event: checked.event,
      unknownFields: checked.unknownFields,
    };
  }
  const { dt, hour } = partitionTime(timeOf(input)) ?? partitionTime(arrivedAt.toISOString()) ?? EPOCH;
  const line = JSON.stringify({
    receivedAt: arrivedAt.toISOString(),
    reasons: checked.reasons,
    event: checked.quarantined,
  });
  return { area: '_quarantine', status: 'rejected', dt, hour, line, reasons: checked.reasons };
}

/** `bronze/<area>/dt=YYYY-MM-DD/hour=HH`: the folder (S3 prefix) a record is appended under. */
export function archivePartition(record: Pick<ArchiveRecord, 'area' | 'dt' | 'hour'>): string {
  return `bronze/${record.area}/dt=${record.dt}/hour=${record.hour}`;
}

const EPOCH = { dt: '1970-01-01', hour: '00' } as const;
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function timeOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const time = (input as { time?: unknown }).time;
  return typeof time === 'string' ? time : undefined;
}

/** UTC date and hour of an RFC 3339 time; undefined when it is not one. */
function partitionTime(time: string | undefined): { dt: string; hour: string } | undefined {
  if (time === undefined || !isRfc3339Time(time)) return undefined;
  let iso = time;
  if (!UTC_TIME.test(time)) {
    const ms = Date.parse(time);
    if (!Number.isFinite(ms)) return undefined;
    const date = new Date(ms);
    if (date.getUTCFullYear() > 9999 || date.getUTCFullYear() < 0) return undefined;
    iso = date.toISOString();
  } else if (time.slice(11, 13) === '24') {
    iso = new Date(Date.parse(time)).toISOString(); // 24:00:00 is the next day's 00 hour
  }
  return { dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
}
