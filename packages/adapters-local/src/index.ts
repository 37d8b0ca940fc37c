export { type PrincipalQueryInput, queryAsPrincipal } from './duckdb-principal-query.ts';
export { FileOutboxNotifier } from './file-outbox-notifier.ts';
export { FileSaltSource } from './file-salt-source.ts';
export { JsonlDeadLetter, lineId, type ParkedLine } from './jsonl-dead-letter.ts';
export { JsonlEventPublisher } from './jsonl-event-publisher.ts';
export * from './lake.ts';
export { SqliteStateStore } from './sqlite-state-store.ts';
