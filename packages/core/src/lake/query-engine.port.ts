import type { Partition, TableDefinition } from './table.ts';

/** A cell as every engine returns it: numbers (bigint beyond 2^53 as string), dates as `YYYY-MM-DD`, timestamps as ISO-8601 UTC. */
export type SqlValue = string | number | boolean | null;
export type Row = Readonly<Record<string, SqlValue>>;

/** Some partitions of a table, and optionally how this engine reads just them. */
export interface PartitionSubset {
  readonly partitions: readonly Partition[];
  /**
   * A relation in this engine's SQL over exactly these partitions' files, with the table's columns
   * and partition keys (what `<zone>.<table>` filtered to them returns); cheaper than the table's
   * own name when the engine would otherwise list every file of the table first.
   */
  readonly from?: string;
}

export interface QueryOptions {
  /** Aborting cancels the running query (`QueryCancelledError`). */
  readonly signal?: AbortSignal;
}

export interface WritePartitionsInput {
  /** The table written; the query's result is cast to its declared column types. */
  readonly table: TableDefinition;
  /** A SELECT returning the table's columns and its partition keys. */
  readonly sql: string;
  /**
   * The partitions this write owns. Each is replaced atomically by the query's rows for it, or
   * removed when the query returned none for it; rows for other partitions are ignored. A
   * partition may name only the leading keys (`{ dt }` of a table by `dt` and `city_id`): it then
   * owns every partition below it. Omit to replace the whole table (unpartitioned tables, full
   * rebuilds).
   */
  readonly partitions?: readonly Partition[];
  /**
   * Partitioned tables the query reads only some partitions of (an NRT view reads its carry-over
   * state for the hours it writes), with every partition of them it reads. An engine may read just
   * those partitions' files for these tables (the local DuckDB engine does: its views of a table
   * list every partition folder on each statement); the query's own filter still applies. A
   * partition the query reads and that is not listed is read as empty by such an engine.
   */
  readonly reads?: readonly PartitionReads[];
}

/** Which partitions of `table` a query reads (`WritePartitionsInput.reads`). */
export interface PartitionReads {
  readonly table: TableDefinition;
  /** Whole partitions (every partition key given). */
  readonly partitions: readonly Partition[];
}

export interface WritePartitionsResult {
  readonly rows: number;
  readonly written: readonly Partition[];
  readonly removed: readonly Partition[];
}

/** A partition's rows as counted by one read: all of them, those `drop` holds, and a checksum of the others. */
export interface PartitionProfile {
  readonly rows: number;
  readonly dropped: number;
  /** Sum of a hash of every kept row (as text): equal multisets of rows give equal sums. */
  readonly checksum: string;
}

export interface RewritePartitionsInput {
  /** A Parquet table; its files are rewritten with their column types, compression and key-value metadata. */
  readonly table: TableDefinition;
  /** Whole partitions (every key); `[{}]` for an unpartitioned table. */
  readonly partitions: readonly Partition[];
  /** A boolean SQL expression over the table's columns: the rows it holds are left out. */
  readonly drop: string;
  /**
   * An object-store key prefix: the replaced files are kept under it (moved, not copied, where the
   * store can rename) so the caller can check the new data first, then delete or restore them.
   */
  readonly keepReplacedUnder: string;
}

export interface RewrittenPartition {
  readonly partition: Partition;
  /** From a read of the old files before the write (locally the same statement also hashes the kept values for the sidecars). */
  readonly before: PartitionProfile;
  /** Read back from the partition's new files, after the swap (what readers now see). */
  readonly after: PartitionProfile;
  /** Key prefix of the replaced files (under `keepReplacedUnder`); absent when there were none. */
  readonly replacedKey?: string;
}

/**
 * Runs SQL over the lake: DuckDB over local Parquet, Athena over S3. Tables are addressed as
 * `<zone>.<table>`. Writes go to a staging location first and replace partitions only once the
 * whole result is written, so a failed or corrupt read never overwrites good data.
 *
 * @example
 * ```ts
 * const rows = await engine.query(`SELECT dt, sum(gmv) AS gmv FROM gold.kpi_gmv_daily GROUP BY dt`);
 * await engine.writePartitions({ table: kpiGmvDaily, sql: modelSql, partitions: [{ dt: '2026-11-20' }] });
 * ```
 */
export interface QueryEngine {
  query(sql: string, options?: QueryOptions): Promise<Row[]>;
  /** Rows one at a time, for results too large to hold. */
  stream(sql: string, options?: QueryOptions): AsyncIterable<Row>;
  writePartitions(input: WritePartitionsInput, options?: QueryOptions): Promise<WritePartitionsResult>;
  /**
   * Optional: where these partitions' files are now, as object-store key prefixes ending in `/`,
   * by partition path. Absent, or a partition missing from the answer: its own folder
   * (`<zone>/<table>/<k=v/…>/`). Athena's answer is the Glue partition's location: a partition
   * rewritten by `rewritePartitions` lives under the staging location its Glue entry was switched
   * to, not in its folder, whose old files are deleted once the purge is verified.
   */
  partitionPrefixes?(
    table: TableDefinition,
    partitions: readonly Partition[],
  ): Promise<ReadonlyMap<string, string>>;
  /**
   * Rewrites these partitions without the rows `drop` holds, profiling the old rows before the
   * write and the new files after the swap (two independent reads, so a bad write shows). The old
   * files are kept under `keepReplacedUnder` until `restorePartitions` or a delete of that prefix.
   */
  rewritePartitions(input: RewritePartitionsInput, options?: QueryOptions): Promise<RewrittenPartition[]>;
  /** Puts the kept old files of these rewritten partitions back in place (a failed verification). */
  restorePartitions(table: TableDefinition, rewritten: readonly RewrittenPartition[]): Promise<void>;
  /**
   * Optional: runs `work` with a view of the engine whose statements read one version of the
   * source files the engine caches (the local engine's in-memory Bronze), looked at once instead of
   * before every statement. Engines that read files at query time (Athena) have none.
   */
  withPinnedSources?<T>(work: (engine: QueryEngine) => Promise<T>): Promise<T>;
  /**
   * Optional: the partitions of `table` that may hold one of `ids` in a user column, from an index
   * the engine keeps beside its files (the local engine's membership sidecars); every partition it
   * cannot rule out is included. Undefined: no index for this table, read every partition. Engines
   * without an index (Athena, for now) have none. A false positive costs a read, a miss would leave
   * a deleted user's rows: an engine returns a partition unless it is sure.
   */
  partitionsMayHold?(table: TableDefinition, ids: readonly string[]): Promise<PartitionSubset | undefined>;
  close(): Promise<void>;
}
