import type { PartitionSubset } from '../lake/query-engine.port.ts';
import type { Partition, TableDefinition } from '../lake/table.ts';

/** Where a run's ids are: `table` (`<zone>.<table>`, partitioned by `run`) and the run. */
export interface PurgeIds {
  readonly table: string;
  readonly run: string;
}

/**
 * The purge's statements for one engine (DuckDB or Athena), made by `purgeSql(dialect)` in
 * `@lakeops/lake`. Every statement takes the users from the ids table, never from its own text.
 */
export interface PurgeSql {
  /** A boolean expression over the table's columns: a user column holds a purged id (the rows to drop). */
  matches(table: TableDefinition, ids: PurgeIds): string;
  /**
   * Partition keys, `user_id` and `n`: rows per partition per matched id (reads user columns only),
   * in these partitions only when given (read through `within.from` when set), else the whole table.
   */
  affected(table: TableDefinition, ids: PurgeIds, within?: PartitionSubset): string;
  /** Partition keys, `rows_total`, `rows_matched`, `kept_checksum` for these partitions. */
  partitionStats(table: TableDefinition, ids: PurgeIds, partitions: readonly Partition[]): string;
  /** The rows of these partitions that no user column ties to a purged id. */
  keptRows(table: TableDefinition, ids: PurgeIds, partitions: readonly Partition[]): string;
  /** `id`: every distinct non-null value of the user columns, in the partitions under these prefixes (all without). */
  userIds(table: TableDefinition, prefixes?: readonly Partition[]): string;
}
