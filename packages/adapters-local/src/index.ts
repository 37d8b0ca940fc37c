export { FileOutboxNotifier } from './file-outbox-notifier.ts';
export { JsonlDeadLetter } from './jsonl-dead-letter.ts';
export * from './lake.ts';
export { SqliteStateStore } from './sqlite-state-store.ts';
