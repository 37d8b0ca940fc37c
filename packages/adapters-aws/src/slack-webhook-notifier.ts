import {
  DependencyUnavailableError,
  LakeopsError,
  type Notification,
  NotificationDeliveryFailedError,
  type Notifier,
  retryAfterMs,
} from '@lakeops/core';

/** Slack answered 4xx: the message itself is wrong, retrying will not help. */
export class NotificationRejectedError extends LakeopsError {
  readonly status: number;
  constructor(status: number, body: string) {
    super('NotificationRejected', `Slack rejected the message (${status}): ${body.slice(0, 200)}`, {
      retryable: false,
    });
    this.status = status;
  }
}

const emoji: Record<Notification['severity'], string> = {
  critical: ':rotating_light:',
  error: ':x:',
  warning: ':warning:',
  info: ':white_check_mark:',
};

/**
 * Posts notifications to a Slack incoming webhook (`SLACK_WEBHOOK_URL`) as Block Kit messages.
 * 429 (with its `Retry-After`), 5xx answers, timeouts and network errors are retryable; 4xx
 * answers (400 invalid payload, 403 action prohibited, 404 channel not found, 410 channel
 * archived) are permanent. Errors never carry the webhook URL (it is the secret).
 *
 * @example
 * ```ts
 * const notifier = new SlackWebhookNotifier({ url: process.env.SLACK_WEBHOOK_URL });
 * ```
 */
export class SlackWebhookNotifier implements Notifier {
  readonly #url: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  constructor(options: { url: string; fetch?: typeof fetch; timeoutMs?: number }) {
    this.#url = options.url;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  async send(notification: Notification): Promise<void> {
    let response: Response;
    try {
      response = await this.#fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(slackMessage(notification)),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      // The cause is a fetch TypeError/AbortError: it names no URL.
      throw new DependencyUnavailableError('Slack webhook unreachable or timed out', { cause: error });
    }
    if (response.ok) return;
    const body = await response.text().catch(() => '');
    if (response.status === 429) {
      const wait = retryAfterMs(response.headers.get('retry-after'), new Date());
      throw new NotificationDeliveryFailedError('Slack webhook answered 429 (rate limited)', {
        retryable: true,
        status: 429,
        ...(wait === undefined ? {} : { retryAfterMs: wait }),
      });
    }
    if (response.status >= 500) {
      throw new NotificationDeliveryFailedError(`Slack webhook answered ${response.status}`, {
        retryable: true,
        status: response.status,
      });
    }
    throw new NotificationRejectedError(response.status, body);
  }
}

/** The Slack payload: a plain-text fallback plus header, body and fields blocks. */
export function slackMessage(n: Notification): Record<string, unknown> {
  const fields = Object.entries(n.fields).map(([k, v]) => ({ type: 'mrkdwn', text: `*${k}*\n${v}` }));
  const resolved = n.action === 'resolve';
  const title = resolved ? `Resolved: ${n.title}` : n.title;
  const icon = resolved ? ':large_green_circle:' : emoji[n.severity];
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: `${icon} ${n.text}` } },
  ];
  if (fields.length > 0) blocks.push({ type: 'section', fields: fields.slice(0, 10) });
  if (n.link) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${n.link}|details>` }] });
  return { text: `${title}\n${n.text}`, blocks };
}
