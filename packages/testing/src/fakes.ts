import type { DeadLetter, Notification, Notifier, ParkedEvent } from '@lakeops/core';

/** A DeadLetter that keeps parked events in memory, for assertions. */
export class InMemoryDeadLetter implements DeadLetter {
  readonly parked: ParkedEvent[] = [];
  async park(parked: ParkedEvent): Promise<void> {
    this.parked.push(parked);
  }
}

/** A Notifier that records what it was asked to send; `failWith` makes every send fail. */
export class RecordingNotifier implements Notifier {
  readonly sent: Notification[] = [];
  failWith: Error | undefined;
  async send(notification: Notification): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push(notification);
  }
}
