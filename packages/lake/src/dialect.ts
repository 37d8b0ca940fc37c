import {
  type ColumnType,
  type NrtScope,
  type SqlValue,
  type TableDefinition,
  type Zone,
  zones,
} from '@lakeops/core';
import { glueDatabaseName } from './glue-databases.ts';

/**
 * Where DuckDB (local) and Athena/Trino (AWS) differ, in one place. Model SQL is written once, in
 * the subset both accept plus Trino function names that DuckDB gets as macros (`duckdbSession`).
 * The list of differences is in packages/lake/README.md; tests run the DuckDB side and parse the
 * Athena side as Trino SQL.
 */
export type Dialect = 'duckdb' | 'athena';

/** Statements every DuckDB connection runs first: UTC, no extension downloads, Trino names. */
export const duckdbSession: readonly string[] = [
  "SET TimeZone = 'UTC'",
  'SET autoinstall_known_extensions = false',
  'SET autoload_known_extensions = false',
  // Trino names for functions DuckDB spells differently.
  'CREATE OR REPLACE TEMP MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)',
  'CREATE OR REPLACE TEMP MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)',
  'CREATE OR REPLACE TEMP MACRO approx_percentile(x, q) AS approx_quantile(x, q)',
  "CREATE OR REPLACE TEMP MACRO to_iso8601(t) AS strftime(CAST(t AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%gZ')",
  'CREATE OR REPLACE TEMP MACRO regexp_like(s, p) AS regexp_matches(s, p)',
];

/** The engine's spelling of a catalog column type. */
export function sqlType(type: ColumnType, dialect: Dialect): string {
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(type);
  if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`;
  switch (type) {
    case 'string':
      return 'VARCHAR';
    case 'bigint':
      return 'BIGINT';
    case 'integer':
      return 'INTEGER';
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp':
      // Athena writes and reads Parquet timestamps at millisecond precision; DuckDB at microseconds.
      return dialect === 'athena' ? 'TIMESTAMP(3)' : 'TIMESTAMP';
    default:
      throw new TypeError(`unknown column type '${type}'`);
  }
}

/** Quotes an identifier the same way for both engines. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal the same way for both engines. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Wraps a model's SELECT so that every column is cast to its declared type, in the table's
 * order, partition keys last. This fixes the result types written to Parquet: DuckDB's
 * `sum(bigint)` is a HUGEINT (INT128) Athena cannot read, and integer/decimal widths differ.
 */
export function typedSelect(table: TableDefinition, sql: string, dialect: Dialect): string {
  const columns = table.columns.map(
    (c) => `CAST(${ident(c.name)} AS ${sqlType(c.type, dialect)}) AS ${ident(c.name)}`,
  );
  const keys = table.partitionKeys.map((k) => `CAST(${ident(k)} AS VARCHAR) AS ${ident(k)}`);
  return `SELECT ${[...columns, ...keys].join(', ')}\nFROM (\n${sql.trim().replace(/;\s*$/, '')}\n) AS model`;
}

/**
 * DuckDB: write a query's result as Parquet under `dir`, one Hive folder per partition. With
 * `returnFiles`, the statement returns the paths of the files it wrote beside the row count
 * (DuckDB's `RETURN_FILES`), so the caller need not list `dir` to find them.
 */
export function duckdbCopy(
  table: TableDefinition,
  sql: string,
  dir: string,
  keyValueMetadata: Readonly<Record<string, string>> = {},
  options: { readonly returnFiles?: boolean } = {},
): string {
  const entries = Object.entries(keyValueMetadata);
  // Parquet key-value metadata the replaced files carried, written again into the new ones.
  const kv = entries.length
    ? `, KV_METADATA {${entries.map(([k, v]) => `${ident(k)}: ${literal(v)}`).join(', ')}}`
    : '';
  const files = options.returnFiles ? ', RETURN_FILES true' : '';
  const target = table.partitionKeys.length
    ? `${literal(dir)} (FORMAT parquet, COMPRESSION zstd${kv}, PARTITION_BY (${table.partitionKeys.map(ident).join(', ')})${files})`
    : `${literal(`${dir}/data_0.parquet`)} (FORMAT parquet, COMPRESSION zstd${kv}${files})`;
  return `COPY (\n${typedSelect(table, sql, 'duckdb')}\n) TO ${target}`;
}

/**
 * Athena: the same result as a CTAS into a staging location (Athena has no COPY). The staged
 * partitions are then switched in by pointing the Glue partitions at them. `partitions` keeps only
 * the rows of those partitions: Athena writes at most 100 partitions per CTAS or INSERT INTO, so
 * a larger write is one CTAS and then `athenaInsert` per further batch (see
 * `athenaPartitionFilter`). The model's `<zone>.<table>` names must already be Athena names
 * (`athenaTableNames`).
 */
export function athenaCtas(input: {
  table: TableDefinition;
  sql: string;
  stagingTable: string;
  location: string;
  partitions?: readonly Readonly<Record<string, string>>[];
}): string {
  const props = [
    "format = 'PARQUET'",
    "write_compression = 'ZSTD'",
    `external_location = ${literal(input.location)}`,
  ];
  if (input.table.partitionKeys.length) {
    props.push(`partitioned_by = ARRAY[${input.table.partitionKeys.map(literal).join(', ')}]`);
  }
  return `CREATE TABLE ${input.stagingTable}\nWITH (${props.join(', ')})\nAS\n${filteredSelect(input)}`;
}

/** Athena: adds the rows of further partitions (at most 100) to a table made by `athenaCtas`. */
export function athenaInsert(input: {
  table: TableDefinition;
  sql: string;
  stagingTable: string;
  partitions: readonly Readonly<Record<string, string>>[];
}): string {
  return `INSERT INTO ${input.stagingTable}\n${filteredSelect(input)}`;
}

function filteredSelect(input: {
  table: TableDefinition;
  sql: string;
  partitions?: readonly Readonly<Record<string, string>>[];
}): string {
  const select = typedSelect(input.table, input.sql, 'athena');
  if (!input.partitions) return select;
  return `SELECT * FROM (\n${select}\n) AS typed\nWHERE ${athenaPartitionFilter(input.table, input.partitions)}`;
}

/**
 * The WHERE condition that keeps exactly the given partitions: `"dt" IN ('…', '…')` for one key,
 * `("dt" = '…' AND "city_id" = '…') OR …` for several.
 */
export function athenaPartitionFilter(
  table: Pick<TableDefinition, 'partitionKeys'>,
  partitions: readonly Readonly<Record<string, string>>[],
): string {
  if (!partitions.length) throw new TypeError('a partition filter needs at least one partition');
  const value = (p: Readonly<Record<string, string>>, key: string) => {
    const v = p[key];
    if (v === undefined) throw new TypeError(`partition lacks '${key}'`);
    return literal(v);
  };
  const [only, ...more] = table.partitionKeys;
  if (only !== undefined && !more.length) {
    return `${ident(only)} IN (${partitions.map((p) => value(p, only)).join(', ')})`;
  }
  return partitions
    .map((p) => `(${table.partitionKeys.map((k) => `${ident(k)} = ${value(p, k)}`).join(' AND ')})`)
    .join(' OR ');
}

/** Athena names a table `"<prefix>_<zone>"."<table>"`: one Glue database per zone and stage. */
export function athenaTableName(prefix: string, table: Pick<TableDefinition, 'zone' | 'name'>): string {
  return `${ident(glueDatabaseName(prefix, table.zone))}.${ident(table.name)}`;
}

const zoneNamed = new Map<string, Zone>(zones.map((z) => [z, z]));
const zoneReference = new RegExp(
  `(?<![\\w."])\\b(${[...zones].sort((a, b) => b.length - a.length).join('|')})\\.([a-z_][a-z0-9_]*)\\b`,
  'g',
);

/**
 * Rewrites model SQL's `<zone>.<table>` names to the Glue databases of a stage on Athena:
 * `silver.fact_payments` → `"lakeops_prod_silver"."fact_payments"`. String literals, quoted
 * identifiers and comments are left as they are. DuckDB reads the same text unchanged (its
 * schemas are the zones).
 *
 * @example
 * ```ts
 * athenaTableNames('SELECT * FROM gold.kpi_gmv_daily', 'lakeops_prod');
 * // SELECT * FROM "lakeops_prod_gold"."kpi_gmv_daily"
 * ```
 */
export function athenaTableNames(sql: string, prefix: string): string {
  return rewriteSqlCode(sql, (code) =>
    code.replace(zoneReference, (whole, zone: string, name: string) => {
      const known = zoneNamed.get(zone);
      return known ? athenaTableName(prefix, { zone: known, name }) : whole;
    }),
  );
}

/** What is not code in SQL text: literals ('…'), quoted identifiers ("…") and comments (-- …, /* … *\/). */
const protectedText = /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g;

/** `sql` with `rewrite` applied to its code only: literals, quoted identifiers and comments stay as they are. */
export function rewriteSqlCode(sql: string, rewrite: (code: string) => string): string {
  let out = '';
  let at = 0;
  for (const match of sql.matchAll(protectedText)) {
    out += rewrite(sql.slice(at, match.index)) + match[0];
    at = match.index + match[0].length;
  }
  return out + rewrite(sql.slice(at));
}

/**
 * `sql` with every reference to `<zone>.<table>` in its code (unquoted, as the models spell it;
 * not in literals, quoted names or comments) replaced by `relation`.
 */
export function replaceTableReferences(
  sql: string,
  table: Pick<TableDefinition, 'zone' | 'name'>,
  relation: string,
): string {
  const reference = new RegExp(`(?<![\\w."])${table.zone}\\.${table.name}(?![\\w"])`, 'g');
  return rewriteSqlCode(sql, (code) => code.replace(reference, () => relation));
}

/**
 * Hive DDL (Athena runs DROP TABLE through Hive, not Trino): identifiers in backticks.
 * https://docs.aws.amazon.com/athena/latest/ug/drop-table.html
 */
export function athenaDropTable(database: string, table: string): string {
  const q = (name: string) => `\`${name.replaceAll('`', '``')}\``;
  return `DROP TABLE IF EXISTS ${q(database)}.${q(table)}`;
}

/**
 * A DECIMAL cell as both engines return it: a number when the number prints back as the same
 * decimal value (as a bigint within 2^53 is a number), otherwise the exact decimal text, so no
 * engine rounds an amount. `'10.50'` → `10.5`; `'12345678901234567.89'` → the same string.
 */
export function decimalValue(text: string): SqlValue {
  const parts = /^([+-]?)0*(\d*?)(?:\.(\d*?)0*)?$/.exec(text.trim());
  if (!parts) return text;
  const integer = parts[2] || '0';
  const fraction = parts[3] ?? '';
  if (integer === '0' && !fraction) return 0;
  const exact = `${parts[1] === '-' ? '-' : ''}${integer}${fraction ? `.${fraction}` : ''}`;
  const n = Number(exact);
  return String(n) === exact ? n : exact;
}

/** Parameters a model may use: `{{from}}`, `{{to}}` (inclusive `dt` bounds). */
export interface ModelParameters {
  readonly from: string;
  readonly to: string;
}

const dtPattern = /^\d{4}-\d{2}-\d{2}$/;

/** Fills a model's parameters with quoted literals; the text is then the same for both engines. */
export function renderModel(sql: string, params: ModelParameters): string {
  for (const [name, value] of Object.entries(params)) {
    if (!dtPattern.test(value))
      throw new TypeError(`model parameter ${name} must be YYYY-MM-DD, got '${value}'`);
  }
  return sql.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => {
    const value = (params as unknown as Record<string, string | undefined>)[name];
    if (value === undefined) throw new TypeError(`model uses unknown parameter {{${name}}}`);
    return literal(value);
  });
}

/** The carry partition that means "no state to continue from": every earlier Bronze hour is read. */
export const noCarry = { dt: '0001-01-01', hour: '23' } as const;

const hourPattern = /^(?:[01]\d|2[0-3])$/;

/**
 * Renders an NRT model for one day and scope: `{{to}}` / `{{from}}` (the day), `{{hours}}` (the
 * written hours as a list of literals), `{{last_hour}}`, and `{{carry_dt}}` / `{{carry_hour}}`
 * (the carry partition, or `noCarry`).
 */
export function renderNrtModel(sql: string, day: string, scope: NrtScope): string {
  const { hours } = scope;
  const last = hours[hours.length - 1];
  if (last === undefined) throw new RangeError('an NRT refresh writes at least one hour');
  const carry = scope.carry ?? noCarry;
  for (const hour of [...hours, carry.hour]) {
    if (!hourPattern.test(hour)) throw new TypeError(`hour must be HH (00-23), got '${hour}'`);
  }
  if (!dtPattern.test(carry.dt)) throw new TypeError(`carry day must be YYYY-MM-DD, got '${carry.dt}'`);
  const nrt: Record<string, string> = {
    hours: hours.map(literal).join(', '),
    last_hour: literal(last),
    carry_dt: literal(carry.dt),
    carry_hour: literal(carry.hour),
  };
  const filled = sql.replace(
    /\{\{\s*(hours|last_hour|carry_dt|carry_hour)\s*\}\}/g,
    (_, name: string) => nrt[name] ?? '',
  );
  return renderModel(filled, { from: day, to: day });
}

/** The Hive DDL spelling of a catalog type (Athena's CREATE EXTERNAL TABLE). */
export function hiveType(type: ColumnType): string {
  return type === 'integer' ? 'int' : type;
}

/**
 * Athena DDL that registers a catalog table in Glue over its S3 prefix: Parquet for Silver and
 * Gold; the OpenX JSON SerDe for Bronze NDJSON, mapping JSON keys that are not identifiers
 * (`detail-type`) to their column names. A nested JSON value in a `string` column reads as its JSON
 * text, as `read_json` does locally. Tested as generated text (no SQL parser reads Hive DDL).
 *
 * @example
 * ```ts
 * athenaCreateTable(kpiGmvDaily, { location: 's3://lake/gold/kpi_gmv_daily/' });
 * ```
 */
export function athenaCreateTable(
  table: TableDefinition,
  options: { location: string; database?: string },
): string {
  const q = (name: string) => `\`${name.replaceAll('`', '``')}\``;
  const columns = table.columns.map(
    (c) => `  ${q(c.name)} ${hiveType(c.type)} COMMENT ${literal(`sensitivity=${c.sensitivity}`)}`,
  );
  const lines = [
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${q(options.database ?? table.zone)}.${q(table.name)} (`,
    columns.join(',\n'),
    ')',
    `COMMENT ${literal(table.description)}`,
  ];
  if (table.partitionKeys.length) {
    lines.push(`PARTITIONED BY (${table.partitionKeys.map((k) => `${q(k)} string`).join(', ')})`);
  }
  if (table.format === 'ndjson') {
    const mapping = table.columns
      .filter((c) => c.sourceName !== undefined && c.sourceName !== c.name)
      .map((c) => `${literal(`mapping.${c.name}`)} = ${literal(c.sourceName ?? c.name)}`);
    lines.push("ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'");
    lines.push(`WITH SERDEPROPERTIES (${[...mapping, "'ignore.malformed.json' = 'false'"].join(', ')})`);
  } else {
    lines.push('STORED AS PARQUET');
  }
  lines.push(`LOCATION ${literal(options.location.replace(/\/?$/, '/'))}`);
  if (table.format === 'parquet') lines.push("TBLPROPERTIES ('parquet.compression' = 'ZSTD')");
  return lines.join('\n');
}
