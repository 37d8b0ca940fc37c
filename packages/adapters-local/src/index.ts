export { FileOutboxNotifier } from './file-outbox-notifier.ts';
export { JsonlDeadLetter, lineId, type ParkedLine } from './jsonl-dead-letter.ts';
export * from './lake.ts';
