import type { Partition, QualifiedTableName, TableDefinition } from './table.ts';

/**
 * What tables exist, their partitions and where each partition's files are: Glue on AWS,
 * the table definitions plus the lake folders locally.
 *
 * @example
 * ```ts
 * const legs = await catalog.table('silver.fact_booking_legs');
 * const days = await catalog.partitions('silver.fact_booking_legs');
 * await catalog.setPartitionLocation('gold.kpi_gmv_daily', { dt: '2026-11-20' }, 's3://lake/_staging/r1/dt=2026-11-20/');
 * ```
 */
export interface Catalog {
  tables(): Promise<TableDefinition[]>;
  /** Throws `TableUnknownError` for a name it does not know. */
  table(name: QualifiedTableName | string): Promise<TableDefinition>;
  /** The partitions that hold data, sorted. */
  partitions(name: QualifiedTableName | string): Promise<Partition[]>;
  /** Where a partition's files are, or undefined when it has none. */
  partitionLocation(name: QualifiedTableName | string, partition: Partition): Promise<string | undefined>;
  /**
   * Adds the partition or points it at new files (the atomic switch of a rebuilt partition). For
   * a table without partition keys, the partition `{}` is the table itself.
   */
  setPartitionLocation(
    name: QualifiedTableName | string,
    partition: Partition,
    location: string,
  ): Promise<void>;
  /** Removes a partition and its data from the table (no-op when it does not exist). */
  dropPartition(name: QualifiedTableName | string, partition: Partition): Promise<void>;
}
