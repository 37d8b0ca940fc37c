import type { DeadLetter, ParkedEvent } from '../shared/dead-letter.port.ts';
import { isRetryable, LakeopsError } from '../shared/errors.ts';
import type { Notification, Notifier } from '../shared/notifier.port.ts';

/**
 * A notifier's answer that it could not deliver: `retryable` says whether trying again may work,
 * `retryAfterMs` is the wait the service asked for (HTTP `Retry-After`), `status` its HTTP status.
 * It never carries the webhook URL or the routing key.
 */
export class NotificationDeliveryFailedError extends LakeopsError {
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    options: { retryable: boolean; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super('NotificationDeliveryFailed', message, options);
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * Reads an HTTP `Retry-After` value — delay-seconds or an HTTP date (RFC 9110 §10.2.3) — as
 * milliseconds from `now`; `undefined` when absent or unreadable.
 */
export function retryAfterMs(header: string | null | undefined, now: Date): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now.getTime()) : undefined;
}

/** How hard to try before parking a notification. */
export interface DeliveryPolicy {
  /** Attempts in all, the first included (default 5). */
  readonly maxAttempts: number;
  /** First backoff ceiling in ms (default 500), doubled each attempt up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  /** No wait is longer, a `Retry-After` included (default 30 000): a longer one parks. */
  readonly maxDelayMs: number;
}

export const defaultDeliveryPolicy: DeliveryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

export type DeliveryOutcome =
  | { readonly status: 'sent'; readonly attempts: number }
  | { readonly status: 'parked'; readonly attempts: number; readonly reason: ParkedEvent['reason'] };

/** Where a notification goes: the receiver kind whose notifier sends it (`outbox` = the fallback). */
export type NotificationChannel = 'slack' | 'pagerduty' | 'outbox';

/**
 * What a parked notification keeps as its `event`: the notification (it holds no personal data)
 * and the channel it was for, so `lakeops outbox retry` sends it to the same place again with
 * the same key (PagerDuty's `dedup_key`).
 */
export interface ParkedNotification {
  readonly kind: 'notification';
  readonly channel: NotificationChannel;
  readonly notification: Notification;
}

const channels: readonly string[] = ['slack', 'pagerduty', 'outbox'] satisfies NotificationChannel[];

/** The notification a parked record holds, or `undefined` when it holds an event. */
export function parkedNotificationOf(parked: Pick<ParkedEvent, 'event'>): ParkedNotification | undefined {
  const e = parked.event;
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return undefined;
  const r = e as Record<string, unknown>;
  if (r.kind !== 'notification' || typeof r.channel !== 'string' || !channels.includes(r.channel))
    return undefined;
  const n = r.notification as Record<string, unknown> | null;
  if (typeof n !== 'object' || n === null || typeof n.key !== 'string' || typeof n.title !== 'string')
    return undefined;
  return e as ParkedNotification;
}

/**
 * Sends one notification: retries transient failures (5xx, timeouts, network) with exponential
 * backoff and full jitter, waits what a 429's `Retry-After` asks, and parks the notification in
 * the dead-letter place with the reason when it is permanent (4xx) or the attempts are spent —
 * so nothing is lost. The parked record's `routeId` is the route that sent it (`alert-flush`,
 * `notify-deploy`), its `event` a {@link ParkedNotification}.
 *
 * @example
 * ```ts
 * const outcome = await deliverNotification(
 *   { notifier, deadLetter, sleep, random: Math.random, now: () => new Date(), routeId: 'alert-flush', channel: 'slack' }, n);
 * ```
 */
export async function deliverNotification(
  deps: {
    readonly notifier: Notifier;
    readonly deadLetter: DeadLetter;
    readonly sleep: (ms: number) => Promise<void>;
    readonly random: () => number;
    readonly now: () => Date;
    /** The route whose function sends it: the parked record names it. */
    readonly routeId: string;
    readonly channel: NotificationChannel;
  },
  notification: Notification,
  policy: DeliveryPolicy = defaultDeliveryPolicy,
): Promise<DeliveryOutcome> {
  for (let attempt = 1; ; attempt++) {
    let error: unknown;
    try {
      await deps.notifier.send(notification);
      return { status: 'sent', attempts: attempt };
    } catch (caught) {
      error = caught;
    }
    const retryable = isRetryable(error);
    const asked = error instanceof NotificationDeliveryFailedError ? error.retryAfterMs : undefined;
    const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * deps.random();
    const wait = asked ?? backoff;
    if (!retryable || attempt >= policy.maxAttempts || wait > policy.maxDelayMs) {
      const reason = {
        code: error instanceof LakeopsError ? error.code : 'NotificationDeliveryFailed',
        message: error instanceof Error ? error.message : String(error),
        retryable,
        ...(error instanceof NotificationDeliveryFailedError && error.status !== undefined
          ? { details: { status: error.status } }
          : {}),
      };
      await deps.deadLetter.park({
        v: 1,
        routeId: deps.routeId,
        event: { kind: 'notification', channel: deps.channel, notification } satisfies ParkedNotification,
        reason,
        attempts: attempt,
        parkedAt: deps.now().toISOString(),
        parkedBy: 'function',
      });
      return { status: 'parked', attempts: attempt, reason };
    }
    await deps.sleep(wait);
  }
}

/**
 * Sends a parked notification again (`lakeops outbox retry`) to the channel it was for, with the
 * same retries; it is not parked a second time: the outcome says whether it went out, and the
 * caller removes the parked record only then. A channel with no notifier configured now is
 * refused (`parked`, code `NotificationChannelUnset`) rather than sent somewhere else.
 *
 * @example
 * ```ts
 * const outcome = await resendParkedNotification({ notifiers, sleep, random: Math.random, now }, parked);
 * ```
 */
export async function resendParkedNotification(
  deps: {
    readonly notifiers: {
      readonly slack?: Notifier;
      readonly pagerduty?: Notifier;
      readonly fallback: Notifier;
    };
    readonly sleep: (ms: number) => Promise<void>;
    readonly random: () => number;
    readonly now: () => Date;
  },
  parked: ParkedNotification,
  policy: DeliveryPolicy = defaultDeliveryPolicy,
): Promise<DeliveryOutcome> {
  const notifier = parked.channel === 'outbox' ? deps.notifiers.fallback : deps.notifiers[parked.channel];
  if (!notifier) {
    return {
      status: 'parked',
      attempts: 0,
      reason: {
        code: 'NotificationChannelUnset',
        message: `no ${parked.channel === 'slack' ? 'Slack webhook' : 'PagerDuty routing key'} is configured`,
        retryable: true,
      },
    };
  }
  const unparked: DeadLetter = { park: async () => {} };
  return deliverNotification(
    { ...deps, notifier, deadLetter: unparked, routeId: 'outbox-retry', channel: parked.channel },
    parked.notification,
    policy,
  );
}
