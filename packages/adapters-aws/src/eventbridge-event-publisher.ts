import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { type EventPublisher, LakeopsError, type PublishedEvent } from '@lakeops/core';
import { awsFailure } from './aws-errors.ts';

/**
 * PutEvents limits (EventBridge API reference, `PutEvents`; quotas page): at most 10 entries per
 * request and 256 KB for the whole request, where an entry counts the UTF-8 bytes of `Source`,
 * `DetailType`, `Detail` and each of `Resources` (plus 14 bytes for `Time`, which lakeops does
 * not set: EventBridge stamps the time it receives the event).
 */
export const putEventsLimits = { entries: 10, bytes: 256 * 1024 } as const;

/**
 * Per-entry error codes PutEvents documents as retryable (`PutEventsResultEntry.ErrorCode`:
 * "Retryable errors include InternalFailure, ThrottlingException"); every other code
 * (`MalformedDetail`, `InvalidArgument`, `AccessDeniedException`, `NotAuthorizedForSourceException`,
 * …) is permanent for that entry.
 */
const retryableEntryCodes = new Set(['InternalFailure', 'ThrottlingException']);

/** Some events could not be published: which ones (source and type only, never the detail) and why. */
export class EventsPublishFailedError extends LakeopsError {
  readonly failures: readonly { source: string; detailType: string; code: string; message: string }[];
  constructor(
    failures: readonly { source: string; detailType: string; code: string; message: string }[],
    published: number,
  ) {
    const listed = failures
      .slice(0, 5)
      .map((f) => `${f.source}/${f.detailType} (${f.code}: ${f.message})`)
      .join(', ');
    const more = failures.length > 5 ? ` and ${failures.length - 5} more` : '';
    super(
      'EventsPublishFailed',
      `EventBridge refused ${failures.length} event(s) (${published} published): ${listed}${more}`,
      { retryable: failures.every((f) => retryableEntryCodes.has(f.code)) },
    );
    this.failures = failures;
  }
}

/** One event is larger than a whole PutEvents request may be. */
export class EventTooLargeError extends LakeopsError {
  constructor(event: PublishedEvent, bytes: number) {
    super(
      'EventTooLarge',
      `${event.source}/${event.detailType} is ${bytes} bytes; a PutEvents entry must fit in ${putEventsLimits.bytes}`,
      { retryable: false },
    );
  }
}

export interface EventBridgeEventPublisherOptions {
  readonly client: EventBridgeClient;
  /** The bus name or ARN (`EventBusName` of every entry). */
  readonly eventBusName: string;
  /** Rounds of PutEvents for entries that failed with a retryable code (default 4). */
  readonly maxAttempts?: number;
  /** Base of the exponential backoff between rounds, in ms (default 100; full jitter). */
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

/** The bytes EventBridge counts for one entry. */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined ? 0 : 14;
  for (const s of [entry.Source, entry.DetailType, entry.Detail]) size += s ? byteLength(s) : 0;
  for (const r of entry.Resources ?? []) size += byteLength(r);
  return size;
}

/**
 * lakeops' own events (`nrt.refreshed`, `alarm.triggered`, `dsar.purge.completed`, …) onto an
 * EventBridge bus: on AWS the deployment's bus, locally the `lakeops start` endpoint (the same
 * client with `endpoint` set), so the routes receive them either way.
 *
 * Entries go in requests of at most 10 entries and 256 KB, in order. PutEvents answers 200 even
 * when entries fail: each failed entry carries an `ErrorCode`; entries that failed with a
 * retryable code are sent again (exponential backoff, full jitter), the rest are reported at
 * once. Whole-request failures are mapped by {@link awsFailure} (the SDK has already retried the
 * transient ones).
 *
 * @throws EventsPublishFailedError when entries are still failed after the retries (retryable
 *   only when all of them failed with a retryable code).
 * @throws EventTooLargeError for an event that cannot fit in one request.
 * @example
 * ```ts
 * const events = new EventBridgeEventPublisher({ client: new EventBridgeClient({}), eventBusName: env.busName });
 * await events.publish([{ source: 'lakeops.nrt', detailType: 'nrt.refreshed', detail }]);
 * ```
 */
export class EventBridgeEventPublisher implements EventPublisher {
  readonly #client: EventBridgeClient;
  readonly #bus: string;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;

  constructor(options: EventBridgeEventPublisherOptions) {
    this.#client = options.client;
    this.#bus = options.eventBusName;
    this.#maxAttempts = options.maxAttempts ?? 4;
    this.#baseDelayMs = options.baseDelayMs ?? 100;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
  }

  async publish(events: readonly PublishedEvent[]): Promise<void> {
    const entries = events.map((event) => {
      const entry: PutEventsRequestEntry = {
        Source: event.source,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
        EventBusName: this.#bus,
      };
      const size = putEventsEntrySize(entry);
      if (size > putEventsLimits.bytes) throw new EventTooLargeError(event, size);
      return { event, entry, size };
    });
    const failures: { source: string; detailType: string; code: string; message: string }[] = [];
    let pending = entries;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) {
        const cap = this.#baseDelayMs * 2 ** (attempt - 2);
        await this.#sleep(Math.floor(this.#random() * cap));
      }
      const retry: typeof entries = [];
      for (const batch of batches(pending)) {
        const results = await this.#send(batch.map((b) => b.entry));
        batch.forEach((item, i) => {
          const result: PutEventsResultEntry | undefined = results[i];
          if (result?.EventId) return;
          const code = result?.ErrorCode ?? 'InternalFailure';
          const message = result?.ErrorMessage ?? 'no result entry for this event';
          if (retryableEntryCodes.has(code) && attempt < this.#maxAttempts) retry.push(item);
          else failures.push({ source: item.event.source, detailType: item.event.detailType, code, message });
        });
      }
      pending = retry;
    }
    if (failures.length > 0) throw new EventsPublishFailedError(failures, events.length - failures.length);
  }

  async #send(entries: PutEventsRequestEntry[]): Promise<PutEventsResultEntry[]> {
    try {
      const out = await this.#client.send(new PutEventsCommand({ Entries: entries }));
      return out.Entries ?? [];
    } catch (error) {
      throw awsFailure('EventBridge PutEvents', error);
    }
  }
}

/** Splits entries into PutEvents requests: ≤ 10 entries and ≤ 256 KB each, order kept. */
function batches<T extends { size: number }>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length === putEventsLimits.entries || bytes + item.size > putEventsLimits.bytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
