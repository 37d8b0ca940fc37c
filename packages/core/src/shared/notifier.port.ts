/** How loud a notification is; `critical` pages, the rest go to chat. */
export type NotificationSeverity = 'critical' | 'error' | 'warning' | 'info';

/**
 * What a notification does to the thing it is about: `trigger` opens or updates it (the default),
 * `resolve` closes it (PagerDuty `resolve`, a Slack follow-up), `change` records a change that
 * pages nobody (a deploy: PagerDuty's change events).
 */
export type NotificationAction = 'trigger' | 'resolve' | 'change';

/**
 * One message for people. It carries no raw personal data: no email, phone or user id.
 * `key` identifies what it is about, so that adapters can de-duplicate redeliveries.
 */
export interface Notification {
  readonly key: string;
  readonly severity: NotificationSeverity;
  readonly title: string;
  readonly text: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly link?: string;
  /** `trigger` when absent. */
  readonly action?: NotificationAction;
  /** The id of the event that caused it. */
  readonly sourceEventId: string;
}

/**
 * Delivers notifications: Slack/PagerDuty on AWS, an outbox file + console locally.
 *
 * @example
 * ```ts
 * await notifier.send({ key: 'deploy:abc', severity: 'error', title: 'Deploy failed', text: '…',
 *   fields: { service: 'payments-api' }, sourceEventId: 'abc' });
 * ```
 */
export interface Notifier {
  send(notification: Notification): Promise<void>;
}
