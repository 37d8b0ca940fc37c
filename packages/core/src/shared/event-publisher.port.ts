/** An event lakeops emits (EventBridge `Source`, `DetailType`, `Detail`). Never carries raw personal data. */
export interface PublishedEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/**
 * Where lakeops' own events go: the EventBridge bus on AWS, the local bus (or its outbox) locally.
 *
 * @example
 * ```ts
 * await events.publish([{ source: 'lakeops.privacy', detailType: 'dsar.purge.completed', detail }]);
 * ```
 */
export interface EventPublisher {
  publish(events: readonly PublishedEvent[]): Promise<void>;
}
