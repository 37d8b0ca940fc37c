import { DependencyUnavailableError, LakeopsError, type Notification, type Notifier } from '@lakeops/core';

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
 * 429 and 5xx answers and network errors are retryable; other 4xx answers are not.
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
      throw new DependencyUnavailableError('Slack webhook unreachable', { cause: error });
    }
    if (response.ok) return;
    const body = await response.text().catch(() => '');
    if (response.status === 429 || response.status >= 500) {
      throw new DependencyUnavailableError(`Slack webhook answered ${response.status}`);
    }
    throw new NotificationRejectedError(response.status, body);
  }
}

/** The Slack payload: a plain-text fallback plus header, body and fields blocks. */
export function slackMessage(n: Notification): Record<string, unknown> {
  const fields = Object.entries(n.fields).map(([k, v]) => ({ type: 'mrkdwn', text: `*${k}*\n${v}` }));
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: n.title.slice(0, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: `${emoji[n.severity]} ${n.text}` } },
  ];
  if (fields.length > 0) blocks.push({ type: 'section', fields: fields.slice(0, 10) });
  if (n.link) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${n.link}|details>` }] });
  return { text: `${n.title}\n${n.text}`, blocks };
}
