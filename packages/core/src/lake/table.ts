/** The lake's zones: the first folder under the lake root and the Glue database on AWS. */
export const zones = ['bronze', 'silver', 'silver_private', 'gold', 'nrt'] as const;
export type Zone = (typeof zones)[number];

/** Column types, in the Hive/Glue spelling the catalog declares; each engine maps them. */
export type ColumnType =
  | 'string'
  | 'bigint'
  | 'integer'
  | 'double'
  | 'boolean'
  | 'date'
  | 'timestamp'
  | `decimal(${number},${number})`;

/**
 * How sensitive a column is, for permissions: `public` (anyone with table access), `internal`
 * (operational ids, amounts), `confidential` (user identifiers and free text about a person),
 * `restricted` (hashed contact data; Silver private only, never in Gold).
 */
export type Sensitivity = 'public' | 'internal' | 'confidential' | 'restricted';

/** A data test on one column, run like a dbt test after a build. */
export interface ColumnChecks {
  /** Inclusive lower bound. */
  readonly min?: number;
  /** Inclusive upper bound. */
  readonly max?: number;
  /** Allowed values. */
  readonly accepted?: readonly string[];
  /** Referential integrity: every non-null value exists in `<zone>.<table>.<column>`. */
  readonly references?: string;
}

export interface ColumnDefinition {
  readonly name: string;
  readonly type: ColumnType;
  readonly sensitivity: Sensitivity;
  /** Defaults to false: a not-null test runs on every non-nullable column. */
  readonly nullable?: boolean;
  /** Where the value comes from when the stored name differs (e.g. `detail-type` in Bronze JSON). */
  readonly sourceName?: string;
  readonly description?: string;
  readonly checks?: ColumnChecks;
}

/** A Hive partition, e.g. `{ dt: '2026-11-20', hour: '07' }`, keys in the table's order. */
export type Partition = Readonly<Record<string, string>>;

/**
 * One lake table as data: where it lives, its columns and types, how it is partitioned, its key,
 * which columns identify a user (for DSAR purges) and each column's sensitivity (for permissions).
 */
export interface TableDefinition {
  readonly zone: Zone;
  readonly name: string;
  readonly description: string;
  /** `ndjson` for Bronze events as they arrived, `parquet` everywhere else. */
  readonly format: 'parquet' | 'ndjson';
  readonly columns: readonly ColumnDefinition[];
  /** Hive partition keys (strings, outermost first: `dt`, then `hour` or `city`); may be empty. */
  readonly partitionKeys: readonly string[];
  /** Columns that together identify a row (tested unique); empty for append-only raw tables. */
  readonly primaryKey: readonly string[];
  /** Columns holding a user's id: a DSAR purge deletes rows whose value is the deleted user. */
  readonly userColumns: readonly string[];
}

/** `silver.fact_booking_legs` */
export type QualifiedTableName = `${Zone}.${string}`;

export function qualifiedName(table: Pick<TableDefinition, 'zone' | 'name'>): QualifiedTableName {
  return `${table.zone}.${table.name}`;
}

/** The key of a partition below its table: `dt=2026-11-20/hour=07` (empty for none). */
export function partitionPath(table: Pick<TableDefinition, 'partitionKeys'>, partition: Partition): string {
  return table.partitionKeys
    .map((key) => {
      const value = partition[key];
      if (value === undefined || value === '' || /[/\\]|\.\./.test(value)) {
        throw new TypeError(`partition value for '${key}' is missing or not a plain value`);
      }
      return `${key}=${value}`;
    })
    .join('/');
}

/**
 * The key of a partition prefix: the leading partition keys it names, e.g. `{ dt }` of a table
 * partitioned by `dt` and `city_id` is `dt=2026-11-20`, the folder holding every city of that day.
 * A full partition gives the same as `partitionPath`.
 */
export function partitionPrefixPath(
  table: Pick<TableDefinition, 'partitionKeys'>,
  partition: Partition,
): string {
  const named = table.partitionKeys.filter((key) => partition[key] !== undefined);
  const prefix = table.partitionKeys.slice(0, named.length);
  if (!named.length || prefix.some((key, i) => named[i] !== key)) {
    throw new TypeError(`a partition must name leading keys of (${table.partitionKeys.join(', ')})`);
  }
  return partitionPath({ partitionKeys: prefix }, partition);
}

/** Whether a full partition lies under a prefix (see `partitionPrefixPath`). */
export function isUnderPrefix(
  table: Pick<TableDefinition, 'partitionKeys'>,
  partition: Partition,
  prefix: Partition,
): boolean {
  return table.partitionKeys.every((key) => prefix[key] === undefined || prefix[key] === partition[key]);
}

/** Parses `dt=2026-11-20/hour=07` back to a partition. */
export function parsePartitionPath(path: string): Partition {
  const out: Record<string, string> = {};
  for (const segment of path.split('/').filter(Boolean)) {
    const eq = segment.indexOf('=');
    if (eq <= 0) throw new TypeError(`not a partition path segment: '${segment}'`);
    out[segment.slice(0, eq)] = segment.slice(eq + 1);
  }
  return out;
}
