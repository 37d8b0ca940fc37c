import type { Partition, TableDefinition } from './table.ts';

/** A cell as every engine returns it: numbers (bigint beyond 2^53 as string), dates as `YYYY-MM-DD`, timestamps as ISO-8601 UTC. */
export type SqlValue = string | number | boolean | null;
export type Row = Readonly<Record<string, SqlValue>>;

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
}

export interface WritePartitionsResult {
  readonly rows: number;
  readonly written: readonly Partition[];
  readonly removed: readonly Partition[];
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
   * Optional: runs `work` with a view of the engine whose statements read one version of the
   * source files the engine caches (the local engine's in-memory Bronze), looked at once instead of
   * before every statement. Engines that read files at query time (Athena) have none.
   */
  withPinnedSources?<T>(work: (engine: QueryEngine) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
