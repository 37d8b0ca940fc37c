export { type PrincipalQueryInput, queryAsPrincipal } from './duckdb-principal-query.ts';
export { FileOutboxNotifier } from './file-outbox-notifier.ts';
export { JsonlDeadLetter, lineId, type ParkedLine } from './jsonl-dead-letter.ts';
export * from './lake.ts';
