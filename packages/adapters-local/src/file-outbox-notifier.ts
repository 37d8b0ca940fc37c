import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Notification, Notifier } from '@lakeops/core';

/**
 * The local Notifier: appends each notification as one JSON line to an outbox file
 * (`.lakeops/outbox/notifications.jsonl`) and hands a one-line summary to `print`.
 * Used when no Slack/PagerDuty URL is configured.
 *
 * @example
 * ```ts
 * const notifier = new FileOutboxNotifier({ file: '.lakeops/outbox/notifications.jsonl', print: console.log });
 * ```
 */
export class FileOutboxNotifier implements Notifier {
  readonly file: string;
  readonly #print: (line: string) => void;
  readonly #now: () => Date;

  constructor(options: { file: string; print?: (line: string) => void; now?: () => Date }) {
    this.file = options.file;
    this.#print = options.print ?? (() => {});
    this.#now = options.now ?? (() => new Date());
  }

  async send(notification: Notification): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const record = { ...notification, sentAt: this.#now().toISOString() };
    // One write per line: with O_APPEND concurrent writers never interleave inside a line.
    await appendFile(this.file, `${JSON.stringify(record)}\n`, 'utf8');
    this.#print(`[${notification.severity}] ${notification.title}`);
  }
}
