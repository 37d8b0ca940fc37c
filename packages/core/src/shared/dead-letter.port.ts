/** Which part of the platform parked an event: the same shape whichever it was. */
export type ParkedBy =
  /** The function's error policy: a permanent failure (invalid event, domain rule, 4xx). */
  | 'function'
  /** The local bus, after its retries were spent (or the route was gone). */
  | 'local-bus'
  /** EventBridge, when a rule target could not be invoked (rule target dead-letter queue). */
  | 'eventbridge'
  /** Lambda, after the retries of an asynchronous invocation (function dead-letter queue). */
  | 'lambda-async'
  /** EventBridge Scheduler, when a schedule could not invoke its target. */
  | 'scheduler';

export const parkedByValues: readonly ParkedBy[] = [
  'function',
  'local-bus',
  'eventbridge',
  'lambda-async',
  'scheduler',
];

/**
 * An event that was not processed and will not be retried by itself, with the reason — one
 * shape (`v: 1`) whichever path parked it, so that `lakeops dead-letter list|redrive` reads
 * them all alike. The event is kept whole because redrive needs it; it may hold personal
 * data, so it is never logged or printed (only its envelope: id, source, detail-type).
 *
 * @example
 * ```ts
 * const parked: ParkedEvent = {
 *   v: 1, routeId: 'notify-deploy', event,
 *   reason: { code: 'EventInvalid', message: 'deploy.failed failed its contract', retryable: false },
 *   attempts: 1, parkedAt: clock.now().toISOString(), parkedBy: 'function',
 * };
 * ```
 */
export interface ParkedEvent {
  readonly v: 1;
  /** The route whose function did not process it; `null` when the parking service did not say. */
  readonly routeId: string | null;
  /** The event exactly as the function would have received it. */
  readonly event: unknown;
  readonly reason: {
    readonly code: string;
    readonly message: string;
    /** Whether the failure was transient (a plain retry may work) or permanent (fix first). */
    readonly retryable: boolean;
    readonly details?: unknown;
  };
  /** Attempts made before parking; `null` when the parking service does not report it. */
  readonly attempts: number | null;
  /** ISO time the event was parked. */
  readonly parkedAt: string;
  readonly parkedBy: ParkedBy;
  /** The function (ARN) that failed, when known: redrive on AWS invokes it. */
  readonly functionArn?: string;
}

/**
 * The dead-letter place for events that will not be retried: an SQS queue on AWS, a JSONL file
 * per route locally. Nothing parked is lost; an operator lists and redrives it.
 *
 * @example
 * ```ts
 * await deadLetter.park({ v: 1, routeId: 'notify-deploy', event, attempts: 1, parkedBy: 'function',
 *   reason: { code: 'EventInvalid', message: '…', retryable: false }, parkedAt: clock.now().toISOString() });
 * ```
 */
export interface DeadLetter {
  park(parked: ParkedEvent): Promise<void>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a parked record written by a lakeops writer (a JSONL line, or the body of an SQS
 * message the function parked): the `v: 1` shape, or the earlier unversioned one
 * (`{ routeId, reason: { code, message }, event, parkedAt }`, parked by the function), which is
 * upgraded. Anything else is `undefined`.
 *
 * @example
 * ```ts
 * const parked = readParkedEvent(JSON.parse(line));
 * ```
 */
export function readParkedEvent(value: unknown): ParkedEvent | undefined {
  if (!isObject(value) || value.event === undefined) return undefined;
  const { routeId, reason, parkedAt } = value;
  if (!(typeof routeId === 'string' || (routeId === null && value.v === 1))) return undefined;
  if (!isObject(reason) || typeof reason.code !== 'string' || typeof reason.message !== 'string')
    return undefined;
  if (typeof parkedAt !== 'string') return undefined;
  const details = 'details' in reason && reason.details !== undefined ? { details: reason.details } : {};
  if (value.v === undefined) {
    // Before v1 only the function's error policy parked, and only permanent failures.
    return {
      v: 1,
      routeId,
      event: value.event,
      reason: { code: reason.code, message: reason.message, retryable: false, ...details },
      attempts: 1,
      parkedAt,
      parkedBy: 'function',
    };
  }
  if (value.v !== 1) return undefined;
  const { attempts, parkedBy, functionArn } = value;
  if (typeof reason.retryable !== 'boolean') return undefined;
  if (!(attempts === null || (typeof attempts === 'number' && Number.isInteger(attempts) && attempts >= 0)))
    return undefined;
  if (!parkedByValues.includes(parkedBy as ParkedBy)) return undefined;
  return {
    v: 1,
    routeId,
    event: value.event,
    reason: { code: reason.code, message: reason.message, retryable: reason.retryable, ...details },
    attempts,
    parkedAt,
    parkedBy: parkedBy as ParkedBy,
    ...(typeof functionArn === 'string' ? { functionArn } : {}),
  };
}

/** The envelope of a parked event, for listings: never its `detail` (it may hold personal data). */
export function parkedEnvelope(parked: Pick<ParkedEvent, 'event'>): {
  id: string | undefined;
  source: string | undefined;
  detailType: string | undefined;
} {
  const e = isObject(parked.event) ? parked.event : {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  // A parked notification (alerting's deliverNotification): its key, and the channel it was for.
  if (e.kind === 'notification' && isObject(e.notification))
    return {
      id: str(e.notification.key),
      source: 'lakeops',
      detailType: `notification (${str(e.channel) ?? '?'})`,
    };
  return { id: str(e.id), source: str(e.source), detailType: str(e['detail-type']) };
}
