import { createHash } from 'node:crypto';
import {
  DependencyUnavailableError,
  type Notification,
  NotificationDeliveryFailedError,
  type Notifier,
  retryAfterMs,
} from '@lakeops/core';

/** The Events API v2 endpoint for alerts (`trigger` / `resolve`). */
export const pagerDutyEventsUrl = 'https://events.pagerduty.com/v2/enqueue';

/** PagerDuty's limits: `dedup_key` at most 255 characters, `payload.summary` at most 1024. */
export const pagerDutyLimits = { dedupKey: 255, summary: 1024 } as const;

/**
 * A `dedup_key` for a notification key: the key itself when it fits in 255 characters, else its
 * first 190 characters, `#` and the SHA-256 hex of the whole key — stable across retries,
 * restarts and invocations, so a resend updates the same PagerDuty alert instead of opening one.
 */
export function pagerDutyDedupKey(key: string): string {
  if (key.length <= pagerDutyLimits.dedupKey) return key;
  return `${key.slice(0, 190)}#${createHash('sha256').update(key).digest('hex')}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The request body for a notification: an alert event (`trigger` / `resolve`, with the stable
 * `dedup_key`) or, for `change`, a change event (which pages nobody). lakeops severities are
 * PagerDuty's own four (`critical`, `error`, `warning`, `info`), mapped one to one.
 */
export function pagerDutyEvent(n: Notification, routingKey: string): Record<string, unknown> {
  const summary = truncate(n.text.trim() === '' ? n.title : `${n.title}: ${n.text.split('\n')[0]}`, 1024);
  const links = n.link ? [{ href: n.link, text: 'details' }] : [];
  const source = n.fields.source ?? n.fields.table ?? n.fields.service ?? 'lakeops';
  if (n.action === 'change') {
    return {
      routing_key: routingKey,
      payload: { summary, source, custom_details: { ...n.fields } },
      links,
    };
  }
  if (n.action === 'resolve') {
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: pagerDutyDedupKey(n.key) };
  }
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: pagerDutyDedupKey(n.key),
    payload: { summary, source, severity: n.severity, custom_details: { ...n.fields, text: n.text } },
    client: 'lakeops',
    links,
  };
}

/**
 * Sends notifications to PagerDuty's Events API v2 (`PAGERDUTY_ROUTING_KEY`,
 * `PAGERDUTY_EVENTS_URL`): `trigger` / `resolve` to the events endpoint, `change` (deploys) to the
 * change events endpoint beside it (`…/v2/change/enqueue`). 202 is success; 400 is permanent;
 * 429 (with its `Retry-After` when sent), 5xx, timeouts and network errors are retryable. Errors
 * never carry the routing key.
 *
 * @example
 * ```ts
 * const pager = new PagerDutyEventsNotifier({ routingKey: process.env.PAGERDUTY_ROUTING_KEY ?? '' });
 * await pager.send({ key: 'alert:abc', severity: 'critical', title: 'Lake storage alarm', text: '…', fields: {}, sourceEventId: 'e1' });
 * ```
 */
export class PagerDutyEventsNotifier implements Notifier {
  readonly #routingKey: string;
  readonly #eventsUrl: string;
  readonly #changeUrl: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  constructor(options: {
    routingKey: string;
    eventsUrl?: string;
    changeUrl?: string;
    fetch?: typeof fetch;
    timeoutMs?: number;
  }) {
    this.#routingKey = options.routingKey;
    this.#eventsUrl = options.eventsUrl ?? pagerDutyEventsUrl;
    this.#changeUrl = options.changeUrl ?? this.#eventsUrl.replace(/\/v2\/enqueue\/?$/, '/v2/change/enqueue');
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  async send(notification: Notification): Promise<void> {
    const url = notification.action === 'change' ? this.#changeUrl : this.#eventsUrl;
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(pagerDutyEvent(notification, this.#routingKey)),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new DependencyUnavailableError('PagerDuty unreachable or timed out', { cause: error });
    }
    if (response.status === 202 || response.ok) {
      await response.body?.cancel();
      return;
    }
    const body = (await response.text().catch(() => '')).split(this.#routingKey).join('***').slice(0, 200);
    if (response.status === 429) {
      const wait = retryAfterMs(response.headers.get('retry-after'), new Date());
      throw new NotificationDeliveryFailedError('PagerDuty answered 429 (rate limited)', {
        retryable: true,
        status: 429,
        ...(wait === undefined ? {} : { retryAfterMs: wait }),
      });
    }
    throw new NotificationDeliveryFailedError(`PagerDuty answered ${response.status}: ${body}`, {
      retryable: response.status >= 500,
      status: response.status,
    });
  }
}
