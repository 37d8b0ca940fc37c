import type { Partition, PurgeIds, PurgeSql, TableDefinition } from '@lakeops/core';
import { qualifiedName } from '@lakeops/core';
import { type Dialect, ident, literal } from './dialect.ts';

/**
 * The ids of one purge run as a table: `<zone>.<table>` partitioned by `run`, one NDJSON line
 * `{"user_id": …}` per id, written through the object store and removed when the run ends. User
 * ids reach SQL only through this table, never as text in a statement.
 */
export const dsarPurgeIds: TableDefinition = {
  zone: 'silver_private',
  name: 'dsar_purge_ids',
  description: 'Transient: the user ids of one DSAR purge run (removed when the run ends).',
  format: 'ndjson',
  columns: [{ name: 'user_id', type: 'string', sensitivity: 'confidential' }],
  partitionKeys: ['run'],
  primaryKey: [],
  userColumns: [],
};

/** A row's hash summed over a set of rows: equal sets (as multisets) give equal sums. */
function checksum(table: TableDefinition, dialect: Dialect, where: string): string {
  const cols = table.columns.map((c) => ident(c.name));
  if (dialect === 'duckdb') {
    return `CAST(coalesce(sum(CAST(hash(${cols.join(', ')}) AS HUGEINT)) FILTER (WHERE ${where}), 0) AS VARCHAR)`;
  }
  const row = `json_format(CAST(ROW(${cols.join(', ')}) AS JSON))`;
  return `CAST(coalesce(sum(CAST(from_big_endian_64(xxhash64(to_utf8(${row}))) AS DECIMAL(38,0))) FILTER (WHERE ${where}), 0) AS VARCHAR)`;
}

/**
 * One read of a partition set, profiled: per partition (`keys` of the table), `rows`, `dropped`
 * (rows `drop` holds) and `checksum` (of the others, as text). `from` is a relation with the
 * table's columns and partition keys; `drop` a boolean expression over them (NULL counts as false).
 * `extra`: more aggregates per partition, computed in the same read (the local engine's sidecar hashes).
 */
export function profileSql(
  table: TableDefinition,
  dialect: Dialect,
  from: string,
  drop: string,
  extra: readonly string[] = [],
): string {
  const keys = table.partitionKeys.map(ident);
  const dropped = `coalesce((${drop}), false)`;
  const select = [
    ...keys,
    'count(*) AS rows_total',
    `count(*) FILTER (WHERE ${dropped}) AS rows_dropped`,
    `${checksum(table, dialect, `NOT ${dropped}`)} AS kept_checksum`,
    ...extra,
  ];
  return `SELECT ${select.join(', ')} FROM ${from}${keys.length ? ` GROUP BY ${keys.join(', ')}` : ''}`;
}

/**
 * The purge's SQL for one engine. The only values written into the text are partition values
 * read from the lake's own partition listing and the run id (both quoted with `literal`); the
 * deleted users' ids are joined from `dsarPurgeIds`.
 */
export function purgeSql(dialect: Dialect): PurgeSql {
  const idsOf = (ids: PurgeIds) =>
    `SELECT ${ident('user_id')} FROM ${ids.table} WHERE ${ident('run')} = ${literal(ids.run)} AND ${ident('user_id')} IS NOT NULL`;
  const match = (table: TableDefinition, ids: PurgeIds) =>
    `(${table.userColumns.map((c) => `(${ident(c)} IS NOT NULL AND ${ident(c)} IN (${idsOf(ids)}))`).join(' OR ')})`;
  // Each key IN its values (what engines prune partitions by), then the exact combinations.
  const inPartitions = (table: TableDefinition, partitions: readonly Partition[], alias = '') => {
    if (table.partitionKeys.length === 0) return 'true';
    const col = (k: string) => `${alias}${ident(k)}`;
    const perKey = table.partitionKeys.map(
      (k) => `${col(k)} IN (${[...new Set(partitions.map((p) => p[k] ?? ''))].map(literal).join(', ')})`,
    );
    if (table.partitionKeys.length === 1) return `(${perKey.join('')})`;
    const combined = table.partitionKeys.map(col).join(" || '/' || ");
    const exact = `${combined} IN (${partitions.map((p) => literal(table.partitionKeys.map((k) => p[k] ?? '').join('/'))).join(', ')})`;
    return `(${[...perKey, exact].join(' AND ')})`;
  };
  const keys = (table: TableDefinition) => table.partitionKeys.map(ident);
  return {
    matches: match,
    affected(table, ids, within) {
      // Reads only the user columns and partition keys (Parquet column pruning), of the given
      // partitions only (partition pruning) when the engine's index ruled the others out.
      const ors = table.userColumns.map((c) => `t.${ident(c)} = i.${ident('user_id')}`).join(' OR ');
      const groupBy = [...keys(table).map((k) => `t.${k}`), `i.${ident('user_id')}`];
      const partitions = within?.partitions;
      const where = !partitions
        ? ''
        : `\nWHERE ${partitions.length ? inPartitions(table, partitions, 't.') : 'false'}`;
      return `SELECT ${[...keys(table).map((k) => `t.${k} AS ${k}`), `i.${ident('user_id')} AS ${ident('user_id')}`, 'count(*) AS n'].join(', ')}
FROM ${within?.from ?? qualifiedName(table)} AS t JOIN (${idsOf(ids)}) AS i ON (${ors})${where}
GROUP BY ${groupBy.join(', ')}`;
    },
    partitionStats(table, ids, partitions) {
      const m = match(table, ids);
      const select = [
        ...keys(table),
        'count(*) AS rows_total',
        `count(*) FILTER (WHERE ${m}) AS rows_matched`,
        `${checksum(table, dialect, `NOT ${m}`)} AS kept_checksum`,
      ];
      return `SELECT ${select.join(', ')} FROM ${qualifiedName(table)} WHERE ${inPartitions(table, partitions)}${
        table.partitionKeys.length ? ` GROUP BY ${keys(table).join(', ')}` : ''
      }`;
    },
    keptRows(table, ids, partitions) {
      return `SELECT * FROM ${qualifiedName(table)} WHERE ${inPartitions(table, partitions)} AND NOT ${match(table, ids)}`;
    },
    userIds(table, prefixes) {
      const where =
        prefixes?.length && table.partitionKeys.length
          ? ` WHERE ${prefixes
              .map(
                (p) =>
                  `(${table.partitionKeys
                    .filter((k) => p[k] !== undefined)
                    .map((k) => `${ident(k)} = ${literal(p[k] ?? '')}`)
                    .join(' AND ')})`,
              )
              .join(' OR ')}`
          : '';
      const selects = table.userColumns.map(
        (c) => `SELECT ${ident(c)} AS id FROM ${qualifiedName(table)}${where}`,
      );
      return `SELECT DISTINCT id FROM (${selects.join(' UNION ALL ')}) AS u WHERE id IS NOT NULL`;
    },
  };
}
