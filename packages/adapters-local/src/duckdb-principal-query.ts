import { join } from 'node:path';
import { DuckDBInstance, StatementType } from '@duckdb/node-api';
import {
  AccessDeniedError,
  type QualifiedTableName,
  QueryFailedError,
  type Row,
  rowFilterSql,
  type SqlValue,
  type TableAccess,
  zones,
} from '@lakeops/core';
import { duckdbSession, ident, literal, sqlType, tablesReadBy } from '@lakeops/lake';

export interface PrincipalQueryInput {
  /** The lake folder (`LAKEOPS_HOME/lake`). */
  readonly root: string;
  /** Who asks (name or ARN), for the error messages. */
  readonly principal: string;
  /** What Lake Formation lets the principal read (`effectiveAccess`). */
  readonly access: ReadonlyMap<QualifiedTableName, TableAccess>;
  readonly sql: string;
}

/**
 * Runs one read-only query as a Lake Formation principal would see the lake: a fresh in-memory
 * DuckDB holds, for each table the SQL names, only the rows the principal's row filter passes and
 * only its granted columns; then file access is switched off (`enable_external_access = false`,
 * configuration locked), so `read_parquet('…')` cannot go around it, and only SELECT statements run.
 * A table without a grant, or a column outside the grant, fails with {@link AccessDeniedError}
 * naming it, whether it is reached directly, through `SELECT *`, a join, a subquery or a CTE.
 *
 * @example
 * ```ts
 * const rows = await queryAsPrincipal({ root, principal: 'analyst-lis', access, sql: 'SELECT …' });
 * ```
 */
export async function queryAsPrincipal(input: PrincipalQueryInput): Promise<Row[]> {
  for (const name of tablesReadBy(input.sql)) {
    if (!input.access.has(name as QualifiedTableName)) throw new AccessDeniedError(input.principal, name);
  }
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const statement of duckdbSession) await connection.run(statement);
    for (const zone of zones) await connection.run(`CREATE SCHEMA IF NOT EXISTS ${ident(zone)}`);
    const wanted = new Set(tablesReadBy(input.sql));
    for (const [name, access] of input.access) {
      if (!wanted.has(name)) continue;
      await connection.run(
        `CREATE TABLE ${ident(access.table.zone)}.${ident(access.table.name)} AS ${await visibleRows(connection, input.root, access)}`,
      );
    }
    await connection.run('SET enable_external_access = false');
    await connection.run('SET lock_configuration = true');

    const statements = await connection.extractStatements(input.sql);
    if (statements.count !== 1)
      throw new QueryFailedError(`query --as runs exactly one SELECT, got ${statements.count} statements`);
    let prepared: Awaited<ReturnType<typeof statements.prepare>>;
    try {
      prepared = await statements.prepare(0);
    } catch (error) {
      throw denial(error, input) ?? new QueryFailedError(message(error), { cause: error });
    }
    if (prepared.statementType !== StatementType.SELECT) {
      throw new QueryFailedError('query --as is read-only: only a SELECT (or WITH … SELECT) runs');
    }
    try {
      const reader = await prepared.runAndReadAll();
      return reader.getRowObjectsJson().map((r) => r as Record<string, SqlValue>);
    } catch (error) {
      throw denial(error, input) ?? new QueryFailedError(message(error), { cause: error });
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The rows and columns of one table the principal may see, as a SELECT over its Parquet files. */
async function visibleRows(
  connection: Awaited<ReturnType<DuckDBInstance['connect']>>,
  root: string,
  access: TableAccess,
): Promise<string> {
  const { table } = access;
  const cols = (present: Set<string> | undefined) =>
    access.columns
      .map((c) => {
        const type = table.columns.find((x) => x.name === c)?.type ?? 'string';
        return present === undefined || present.has(c)
          ? ident(c)
          : `CAST(NULL AS ${sqlType(type, 'duckdb')}) AS ${ident(c)}`;
      })
      .join(', ') || 'NULL AS no_columns_granted';
  const where = access.rowFilter === undefined ? '' : ` WHERE ${rowFilterSql(access.rowFilter)}`;
  if (table.format !== 'parquet')
    throw new QueryFailedError(
      `query --as reads Parquet tables only; ${table.zone}.${table.name} is ${table.format}`,
    );
  const levels = table.partitionKeys.map((k) => `${k}=*`);
  const glob = literal([join(root, table.zone, table.name), ...levels, '*.parquet'].join('/'));
  const files = await connection.runAndReadAll(`SELECT count(*) AS n FROM glob(${glob})`);
  if (Number(files.getRowObjectsJS()[0]?.n ?? 0) === 0) {
    const typed = table.columns.map((c) => `CAST(NULL AS ${sqlType(c.type, 'duckdb')}) AS ${ident(c.name)}`);
    const keys = table.partitionKeys
      .filter((k) => !table.columns.some((c) => c.name === k))
      .map((k) => `CAST(NULL AS VARCHAR) AS ${ident(k)}`);
    return `SELECT ${cols(undefined)} FROM (SELECT ${[...typed, ...keys].join(', ')}) AS t WHERE FALSE`;
  }
  const hive = table.partitionKeys.length
    ? `, hive_partitioning = true, hive_types = {${table.partitionKeys.map((k) => `${literal(k)}: 'VARCHAR'`).join(', ')}}`
    : ', hive_partitioning = false';
  const source = `read_parquet(${glob}, union_by_name = true${hive})`;
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  const present = new Set(described.getRowObjectsJS().map((r) => String(r.column_name)));
  return `SELECT ${cols(present)} FROM ${source}${where}`;
}

/** DuckDB's "not found" errors for what exists in the catalog but is not granted, as AccessDenied. */
function denial(error: unknown, input: PrincipalQueryInput): AccessDeniedError | undefined {
  const text = message(error);
  const column = /Referenced column "?([A-Za-z0-9_]+)"? not found/i.exec(text)?.[1];
  if (column !== undefined) {
    for (const [name, access] of input.access) {
      if (access.table.columns.some((c) => c.name === column) && !access.columns.includes(column)) {
        return new AccessDeniedError(input.principal, name, column, { cause: error });
      }
    }
  }
  const table = /Table with name "?([A-Za-z0-9_]+)"? does not exist/i.exec(text)?.[1];
  if (table !== undefined) return new AccessDeniedError(input.principal, table, undefined, { cause: error });
  if (/external access|enable_external_access|Permission Error/i.test(text)) {
    return new AccessDeniedError(input.principal, 'files outside the granted tables', undefined, {
      cause: error,
    });
  }
  return undefined;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
