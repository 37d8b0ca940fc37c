import {
  type Clock,
  LakeopsError,
  type QualifiedTableName,
  type QueryEngine,
  qualifiedName,
  type Row,
  type SqlValue,
  systemClock,
  type TableDefinition,
} from '@lakeops/core';
import { ident, literal } from './dialect.ts';

/**
 * Data quality expectations as data, named and shaped like Great Expectations' (GX) types so a GX
 * suite of the supported types imports as is. Each expectation compiles to SQL that only computes
 * metrics (counts, a max, a per-`dt` aggregate); the verdict is decided here in TypeScript. The
 * same text runs on DuckDB and, through `athenaTableNames`, on Athena. A run is scoped to one
 * `dt` partition when given one (tables not partitioned by `dt` are judged whole).
 *
 * The catalog's column checks (primary key, non-nullable columns, `min`/`max`, `accepted`,
 * `references`) are expectations too (`catalogExpectations`), so the dbt-style data tests run
 * after a build and a quality run are one mechanism.
 */
export type ExpectationSeverity = 'warn' | 'error';

interface Common {
  /** `error` (default) pages and makes `lakeops check` exit non-zero; `warn` only reports. */
  readonly severity?: ExpectationSeverity;
  /** A label; defaults to the type and its arguments. Part of the result's stable identity. */
  readonly name?: string;
}
interface ColumnMap extends Common {
  readonly column: string;
  /** Share of the (non-null) values that must pass, 0..1 (default 1). */
  readonly mostly?: number;
}

export type Expectation =
  | ({ readonly type: 'expect_column_values_to_not_be_null' } & ColumnMap)
  | ({ readonly type: 'expect_column_values_to_be_unique' } & ColumnMap)
  | ({
      readonly type: 'expect_compound_columns_to_be_unique';
      readonly column_list: readonly string[];
    } & Common)
  | ({
      readonly type: 'expect_column_values_to_be_in_set';
      readonly value_set: readonly (string | number | boolean)[];
    } & ColumnMap)
  | ({
      readonly type: 'expect_column_values_to_be_between';
      /** Inclusive unless `strict_min`/`strict_max`. */
      readonly min_value?: number;
      readonly max_value?: number;
      readonly strict_min?: boolean;
      readonly strict_max?: boolean;
      /** Null policy, explicit: `ignore` (GX's behaviour, the default) or `fail` (a null is out of range). */
      readonly nulls?: 'ignore' | 'fail';
    } & ColumnMap)
  | ({ readonly type: 'expect_column_values_to_match_regex'; readonly regex: string } & ColumnMap)
  /** Relationships (lakeops): every non-null value exists in `to_table.to_column` (whole table). */
  | ({
      readonly type: 'expect_column_values_to_be_in_table';
      readonly to_table: string;
      readonly to_column: string;
    } & ColumnMap)
  | ({
      readonly type: 'expect_table_row_count_to_be_between';
      readonly min_value?: number;
      readonly max_value?: number;
    } & Common)
  /** Row count change (lakeops): this `dt` against the previous one, as a relative change (−0.5 = halved). */
  | ({
      readonly type: 'expect_table_row_count_change_to_be_between';
      readonly min_change?: number;
      readonly max_change?: number;
    } & Common)
  /** Freshness (lakeops): the newest `column` is at most `max_age_hours` old (whole table, against the clock). */
  | ({
      readonly type: 'expect_table_to_be_fresh';
      readonly column: string;
      readonly max_age_hours: number;
    } & Common)
  /**
   * Monotonic (lakeops): the per-`dt` aggregate of `column` over the last `window` partitions
   * moves only in `direction`, allowing a relative `tolerance` per step (e.g. the payout backlog
   * non-increasing within 5 %).
   */
  | ({
      readonly type: 'expect_daily_aggregate_to_be_monotonic';
      readonly column: string;
      readonly aggregate?: 'sum' | 'count' | 'max' | 'min' | 'avg';
      readonly direction: 'non_increasing' | 'non_decreasing';
      readonly tolerance?: number;
      readonly window?: number;
      /** Optional filter on the rows aggregated (SQL, the same on both engines). */
      readonly row_condition?: string;
    } & Common)
  /** Custom SQL (GX's UnexpectedRowsExpectation): the query returns the offending rows; `{batch}` is the scoped table. */
  | ({ readonly type: 'unexpected_rows_expectation'; readonly unexpected_rows_query: string } & Common);

export type ExpectationType = Expectation['type'];

export const expectationTypes: readonly ExpectationType[] = [
  'expect_column_values_to_not_be_null',
  'expect_column_values_to_be_unique',
  'expect_compound_columns_to_be_unique',
  'expect_column_values_to_be_in_set',
  'expect_column_values_to_be_between',
  'expect_column_values_to_match_regex',
  'expect_column_values_to_be_in_table',
  'expect_table_row_count_to_be_between',
  'expect_table_row_count_change_to_be_between',
  'expect_table_to_be_fresh',
  'expect_daily_aggregate_to_be_monotonic',
  'unexpected_rows_expectation',
];

/** The expectations one table must meet. */
export interface ExpectationSuite {
  readonly table: QualifiedTableName;
  readonly expectations: readonly Expectation[];
}

/** The verdict on one expectation in one run. */
export interface ExpectationResult {
  readonly table: QualifiedTableName;
  readonly expectation: string;
  readonly type: ExpectationType;
  readonly severity: ExpectationSeverity;
  /** The partition judged; null when the whole table was. */
  readonly dt: string | null;
  readonly success: boolean;
  /** What was measured: unexpected %, a row count, a change, an age in hours, … */
  readonly observed: number | string | null;
  /** What it had to meet, as text. */
  readonly threshold: string;
  readonly unexpectedCount: number | null;
  readonly elementCount: number | null;
  /** `<table>|<expectation>`: the same across runs and partitions, so a persisting failure keeps one identity. */
  readonly identity: string;
  readonly reason: string;
  /**
   * Keys of a few offending rows (at most 5), only when every key column is neither a user
   * column nor confidential/restricted: never personal data. Empty when passing or not safe.
   */
  readonly sampleKeys: readonly string[];
}

/** An expectation that cannot run on its table (unknown column, bad argument). */
export class ExpectationInvalidError extends LakeopsError {
  constructor(message: string) {
    super('ExpectationInvalid', message, { retryable: false });
  }
}

/** The label of an expectation: its `name`, or its type and main arguments. */
export function expectationLabel(e: Expectation): string {
  if (e.name) return e.name;
  switch (e.type) {
    case 'expect_compound_columns_to_be_unique':
      return `${e.type}(${e.column_list.join(', ')})`;
    case 'expect_table_row_count_to_be_between':
    case 'expect_table_row_count_change_to_be_between':
    case 'unexpected_rows_expectation':
      return e.type;
    default:
      return `${e.type}(${e.column})`;
  }
}

/** The catalog's column checks as expectations, labelled as the build's data tests always were. */
export function catalogExpectations(table: TableDefinition): Expectation[] {
  const out: Expectation[] = [];
  if (table.primaryKey.length) {
    out.push({
      type: 'expect_compound_columns_to_be_unique',
      column_list: table.primaryKey,
      name: `unique(${table.primaryKey.join(', ')})`,
    });
  }
  for (const c of table.columns) {
    if (!c.nullable)
      out.push({ type: 'expect_column_values_to_not_be_null', column: c.name, name: `not_null(${c.name})` });
    const k = c.checks;
    if (k?.min !== undefined) {
      out.push({
        type: 'expect_column_values_to_be_between',
        column: c.name,
        min_value: k.min,
        name: `${c.name} >= ${k.min}`,
      });
    }
    if (k?.max !== undefined) {
      out.push({
        type: 'expect_column_values_to_be_between',
        column: c.name,
        max_value: k.max,
        name: `${c.name} <= ${k.max}`,
      });
    }
    if (k?.accepted) {
      out.push({
        type: 'expect_column_values_to_be_in_set',
        column: c.name,
        value_set: k.accepted,
        name: `accepted_values(${c.name})`,
      });
    }
    if (k?.references) {
      const dot = k.references.lastIndexOf('.');
      out.push({
        type: 'expect_column_values_to_be_in_table',
        column: c.name,
        to_table: k.references.slice(0, dot),
        to_column: k.references.slice(dot + 1),
        name: `relationships(${c.name} → ${k.references})`,
      });
    }
  }
  return out;
}

const isoDay = /^\d{4}-\d{2}-\d{2}$/;
const sqlValue = (v: string | number | boolean) =>
  typeof v === 'string' ? literal(v) : typeof v === 'boolean' ? (v ? 'TRUE' : 'FALSE') : String(v);

/** One metrics query and how to read its rows into verdicts. */
export interface CompiledCheck {
  /** `<zone>.<table>` names: run as is on DuckDB, through `athenaTableNames` on Athena. */
  readonly sql: string;
  readonly expectations: readonly Expectation[];
  judge(rows: readonly Row[], now: Date): Verdict[];
  /** For an expectation that may fail, SQL returning up to 5 `sample_key`s of offending rows. */
  readonly samples?: ReadonlyMap<Expectation, string>;
}

type Verdict = Omit<ExpectationResult, 'table' | 'dt' | 'identity' | 'sampleKeys'>;

/**
 * Compiles a suite into metric queries: one scan for every column-map expectation and the row
 * count (counts only), one query for each uniqueness, relationship, row-count-change, freshness,
 * monotonic and custom-SQL expectation.
 */
export function compileSuite(
  table: TableDefinition,
  suite: readonly Expectation[],
  options: { dt?: string } = {},
): CompiledCheck[] {
  const name = qualifiedName(table);
  const byDt = table.partitionKeys[0] === 'dt';
  if (options.dt !== undefined && !isoDay.test(options.dt))
    throw new ExpectationInvalidError(`dt must be YYYY-MM-DD, got '${options.dt}'`);
  const dt = byDt ? options.dt : undefined;
  const columns = new Set([...table.columns.map((c) => c.name), ...table.partitionKeys]);
  const need = (e: Expectation, column: string) => {
    if (!columns.has(column))
      throw new ExpectationInvalidError(`${name}: ${expectationLabel(e)} names unknown column '${column}'`);
    return ident(column);
  };
  const batch = dt === undefined ? name : `(SELECT * FROM ${name} WHERE ${ident('dt')} = ${literal(dt)})`;
  const upTo = dt === undefined ? '' : ` WHERE ${ident('dt')} <= ${literal(dt)}`;
  const scan: string[] = ['count(*) AS element_count'];
  const scanned: { e: Expectation; i: number }[] = [];
  const checks: CompiledCheck[] = [];
  const count = (cond: string) => `sum(CASE WHEN ${cond} THEN 1 ELSE 0 END)`;
  const safe = (column: string) => {
    if (table.userColumns.includes(column)) return false;
    if (table.partitionKeys.includes(column)) return true;
    const sensitivity = table.columns.find((c) => c.name === column)?.sensitivity;
    return sensitivity === 'public' || sensitivity === 'internal';
  };
  const keyOf = (columns: readonly string[]) =>
    columns.length && columns.every(safe)
      ? columns.map((c) => `CAST(${ident(c)} AS VARCHAR)`).join(` || '/' || `)
      : undefined;
  const rowKey = keyOf(table.primaryKey);
  const samples = new Map<Expectation, string>();
  const sampleWhere = (e: Expectation, cond: string) => {
    if (rowKey) samples.set(e, `SELECT ${rowKey} AS sample_key FROM ${batch} AS t WHERE ${cond} LIMIT 5`);
  };

  suite.forEach((e, i) => {
    const severity = e.severity ?? 'error';
    if (severity !== 'warn' && severity !== 'error')
      throw new ExpectationInvalidError(`${expectationLabel(e)}: severity must be warn or error`);
    if ('mostly' in e && e.mostly !== undefined && !(e.mostly >= 0 && e.mostly <= 1)) {
      throw new ExpectationInvalidError(`${expectationLabel(e)}: mostly must be between 0 and 1`);
    }
    switch (e.type) {
      case 'expect_column_values_to_not_be_null': {
        const c = need(e, e.column);
        scan.push(`count(${c}) AS nn_${i}`, `${count(`${c} IS NULL`)} AS u_${i}`);
        sampleWhere(e, `${c} IS NULL`);
        scanned.push({ e, i });
        return;
      }
      case 'expect_column_values_to_be_in_set': {
        const c = need(e, e.column);
        if (!e.value_set.length)
          throw new ExpectationInvalidError(`${expectationLabel(e)}: value_set is empty`);
        const cond = `${c} IS NOT NULL AND ${c} NOT IN (${e.value_set.map(sqlValue).join(', ')})`;
        scan.push(`count(${c}) AS nn_${i}`, `${count(cond)} AS u_${i}`);
        sampleWhere(e, cond);
        scanned.push({ e, i });
        return;
      }
      case 'expect_column_values_to_be_between': {
        const c = need(e, e.column);
        if (e.min_value === undefined && e.max_value === undefined) {
          throw new ExpectationInvalidError(`${expectationLabel(e)}: give min_value, max_value or both`);
        }
        const out = [
          ...(e.min_value !== undefined ? [`${c} ${e.strict_min ? '<=' : '<'} ${e.min_value}`] : []),
          ...(e.max_value !== undefined ? [`${c} ${e.strict_max ? '>=' : '>'} ${e.max_value}`] : []),
        ].join(' OR ');
        const cond = e.nulls === 'fail' ? `${c} IS NULL OR ${out}` : `${c} IS NOT NULL AND (${out})`;
        scan.push(`count(${c}) AS nn_${i}`, `${count(cond)} AS u_${i}`);
        sampleWhere(e, cond);
        scanned.push({ e, i });
        return;
      }
      case 'expect_column_values_to_match_regex': {
        const c = need(e, e.column);
        const cond = `${c} IS NOT NULL AND NOT regexp_like(CAST(${c} AS VARCHAR), ${literal(e.regex)})`;
        scan.push(`count(${c}) AS nn_${i}`, `${count(cond)} AS u_${i}`);
        sampleWhere(e, cond);
        scanned.push({ e, i });
        return;
      }
      case 'expect_table_row_count_to_be_between':
        if (e.min_value === undefined && e.max_value === undefined) {
          throw new ExpectationInvalidError(`${expectationLabel(e)}: give min_value, max_value or both`);
        }
        scanned.push({ e, i });
        return;
      case 'expect_column_values_to_be_unique':
      case 'expect_compound_columns_to_be_unique': {
        const cols = (e.type === 'expect_compound_columns_to_be_unique' ? e.column_list : [e.column]).map(
          (c) => need(e, c),
        );
        const key = cols.join(', ');
        const where = e.type === 'expect_column_values_to_be_unique' ? ` WHERE ${key} IS NOT NULL` : '';
        const duplicateKey = keyOf(
          e.type === 'expect_compound_columns_to_be_unique' ? e.column_list : [e.column],
        );
        checks.push({
          ...(duplicateKey
            ? {
                samples: new Map([
                  [
                    e,
                    `SELECT ${duplicateKey} AS sample_key FROM ${batch} AS b${where} GROUP BY ${key} HAVING count(*) > 1 LIMIT 5`,
                  ],
                ]),
              }
            : {}),
          sql: `SELECT sum(n) AS element_count, sum(CASE WHEN n > 1 THEN n ELSE 0 END) AS unexpected_count, sum(CASE WHEN n > 1 THEN 1 ELSE 0 END) AS duplicate_keys FROM (SELECT ${key}, count(*) AS n FROM ${batch} AS b${where} GROUP BY ${key}) AS keys`,
          expectations: [e],
          judge: ([row]) => [
            mapVerdict(
              e,
              num(row?.unexpected_count),
              num(row?.element_count),
              `${num(row?.duplicate_keys)} duplicated keys`,
            ),
          ],
        });
        return;
      }
      case 'expect_column_values_to_be_in_table': {
        const c = need(e, e.column);
        if (!/^(bronze|silver|silver_private|gold|nrt)\.[a-z_][a-z0-9_]*$/.test(e.to_table)) {
          throw new ExpectationInvalidError(
            `${expectationLabel(e)}: to_table must be <zone>.<table>, got '${e.to_table}'`,
          );
        }
        const cond = `${c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${e.to_table} AS r WHERE r.${ident(e.to_column)} = t.${c})`;
        checks.push({
          ...(rowKey
            ? {
                samples: new Map([
                  [e, `SELECT ${rowKey} AS sample_key FROM ${batch} AS t WHERE ${cond} LIMIT 5`],
                ]),
              }
            : {}),
          sql: `SELECT count(${c}) AS element_count, ${count(cond)} AS unexpected_count FROM ${batch} AS t`,
          expectations: [e],
          judge: ([row]) => [mapVerdict(e, num(row?.unexpected_count), num(row?.element_count))],
        });
        return;
      }
      case 'expect_table_row_count_change_to_be_between': {
        if (!byDt)
          throw new ExpectationInvalidError(`${expectationLabel(e)}: ${name} is not partitioned by dt`);
        checks.push({
          sql: `SELECT ${ident('dt')} AS dt, count(*) AS n FROM ${name}${upTo} GROUP BY ${ident('dt')} ORDER BY ${ident('dt')} DESC LIMIT 2`,
          expectations: [e],
          judge: (rows) => [rowCountChange(e, rows, dt)],
        });
        return;
      }
      case 'expect_table_to_be_fresh': {
        const c = need(e, e.column);
        checks.push({
          sql: `SELECT max(${c}) AS latest FROM ${name}`,
          expectations: [e],
          judge: ([row], now) => [freshness(e, row?.latest ?? null, now)],
        });
        return;
      }
      case 'expect_daily_aggregate_to_be_monotonic': {
        if (!byDt)
          throw new ExpectationInvalidError(`${expectationLabel(e)}: ${name} is not partitioned by dt`);
        const c = need(e, e.column);
        const agg = e.aggregate ?? 'sum';
        const window = e.window ?? 7;
        if (!Number.isInteger(window) || window < 2)
          throw new ExpectationInvalidError(`${expectationLabel(e)}: window must be an integer ≥ 2`);
        const conditions = [
          ...(dt === undefined ? [] : [`${ident('dt')} <= ${literal(dt)}`]),
          ...(e.row_condition ? [`(${e.row_condition})`] : []),
        ];
        checks.push({
          sql: `SELECT ${ident('dt')} AS dt, ${agg}(${c}) AS v FROM ${name}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''} GROUP BY ${ident('dt')} ORDER BY ${ident('dt')} DESC LIMIT ${window}`,
          expectations: [e],
          judge: (rows) => [monotonic(e, rows)],
        });
        return;
      }
      case 'unexpected_rows_expectation': {
        if (!e.unexpected_rows_query.includes('{batch}')) {
          throw new ExpectationInvalidError(
            `${expectationLabel(e)}: unexpected_rows_query must read {batch}`,
          );
        }
        const query = e.unexpected_rows_query.trim().replace(/;\s*$/, '').replaceAll('{batch}', batch);
        checks.push({
          sql: `SELECT count(*) AS unexpected_count FROM (${query}) AS unexpected_rows`,
          expectations: [e],
          judge: ([row]) => {
            const u = num(row?.unexpected_count);
            return [verdict(e, u === 0, u, 'no rows', u, null, `${u} rows returned by the query`)];
          },
        });
        return;
      }
      default: {
        const unknown: { type: string } = e;
        throw new ExpectationInvalidError(`unsupported expectation type '${unknown.type}'`);
      }
    }
  });
  if (scanned.length) {
    checks.unshift({
      samples,
      sql: `SELECT ${scan.join(', ')} FROM ${batch} AS t`,
      expectations: scanned.map((s) => s.e),
      judge: ([row]) =>
        scanned.map(({ e, i }) => {
          const n = num(row?.element_count);
          if (e.type === 'expect_table_row_count_to_be_between') {
            const ok =
              (e.min_value === undefined || n >= e.min_value) &&
              (e.max_value === undefined || n <= e.max_value);
            return verdict(e, ok, n, range(e.min_value, e.max_value), null, n, `${n} rows`);
          }
          const denominator =
            e.type === 'expect_column_values_to_not_be_null' ||
            (e.type === 'expect_column_values_to_be_between' && e.nulls === 'fail')
              ? n
              : num(row?.[`nn_${i}`]);
          return mapVerdict(e, num(row?.[`u_${i}`]), denominator);
        }),
    });
  }
  return checks;
}

function num(v: SqlValue | undefined): number {
  return v === null || v === undefined ? 0 : Number(v);
}

function range(min: number | undefined, max: number | undefined): string {
  return min !== undefined && max !== undefined
    ? `between ${min} and ${max}`
    : min !== undefined
      ? `≥ ${min}`
      : `≤ ${max}`;
}

function verdict(
  e: Expectation,
  success: boolean,
  observed: number | string | null,
  threshold: string,
  unexpectedCount: number | null,
  elementCount: number | null,
  reason: string,
): Verdict {
  return {
    expectation: expectationLabel(e),
    type: e.type,
    severity: e.severity ?? 'error',
    success,
    observed,
    threshold,
    unexpectedCount,
    elementCount,
    reason,
  };
}

/** A column-map verdict: passes when at most (1 − mostly) of the counted values are unexpected. */
function mapVerdict(e: Expectation, unexpected: number, counted: number, extra?: string) {
  const mostly = 'mostly' in e && e.mostly !== undefined ? e.mostly : 1;
  const share = counted ? unexpected / counted : 0;
  const success = share <= 1 - mostly + 1e-12;
  const pct = Number((share * 100).toFixed(4));
  const threshold = mostly === 1 ? '0 unexpected' : `≤ ${((1 - mostly) * 100).toFixed(2)}% unexpected`;
  return verdict(
    e,
    success,
    pct,
    threshold,
    unexpected,
    counted,
    counted
      ? `${unexpected} of ${counted} values unexpected (${pct}%)${extra ? `; ${extra}` : ''}`
      : 'no values to check',
  );
}

function rowCountChange(
  e: Extract<Expectation, { type: 'expect_table_row_count_change_to_be_between' }>,
  rows: readonly Row[],
  dt: string | undefined,
) {
  const threshold = range(e.min_change, e.max_change);
  const [latest, previous] = rows;
  const current = dt === undefined || String(latest?.dt) === dt ? num(latest?.n) : 0;
  const before = dt === undefined || String(latest?.dt) === dt ? previous : latest;
  if (!before)
    return verdict(e, true, null, threshold, null, current, 'no previous partition to compare with');
  const prev = num(before.n);
  const change = prev ? current / prev - 1 : current ? Number.POSITIVE_INFINITY : 0;
  const ok =
    (e.min_change === undefined || change >= e.min_change) &&
    (e.max_change === undefined || change <= e.max_change);
  return verdict(
    e,
    ok,
    Number.isFinite(change) ? Number(change.toFixed(4)) : 'infinite',
    threshold,
    null,
    current,
    `${current} rows vs ${prev} on ${String(before.dt)} (${Number.isFinite(change) ? `${(change * 100).toFixed(1)}%` : 'from none'})`,
  );
}

function freshness(
  e: Extract<Expectation, { type: 'expect_table_to_be_fresh' }>,
  latest: SqlValue,
  now: Date,
) {
  const threshold = `≤ ${e.max_age_hours} h old`;
  if (latest === null)
    return verdict(e, false, null, threshold, null, null, `no ${e.column} at all: the table is empty`);
  const text = String(latest);
  const time = Date.parse(
    isoDay.test(text)
      ? `${text}T00:00:00Z`
      : text.endsWith('Z') || /[+-]\d\d:?\d\d$/.test(text)
        ? text
        : `${text.replace(' ', 'T')}Z`,
  );
  if (Number.isNaN(time))
    return verdict(e, false, text, threshold, null, null, `newest ${e.column} '${text}' is not a time`);
  const hours = Number(((now.getTime() - time) / 3_600_000).toFixed(2));
  return verdict(
    e,
    hours <= e.max_age_hours,
    hours,
    threshold,
    null,
    null,
    `newest ${e.column} ${text} is ${hours} h old`,
  );
}

function monotonic(
  e: Extract<Expectation, { type: 'expect_daily_aggregate_to_be_monotonic' }>,
  rows: readonly Row[],
) {
  const tolerance = e.tolerance ?? 0;
  const series = [...rows].reverse().map((r) => ({ dt: String(r.dt), v: num(r.v) }));
  const threshold = `${e.direction.replace('_', '-')} over ${e.window ?? 7} partitions (tolerance ${(tolerance * 100).toFixed(1)}%)`;
  if (series.length < 2)
    return verdict(
      e,
      true,
      null,
      threshold,
      0,
      series.length,
      `${series.length} partition: nothing to compare`,
    );
  const breaks: string[] = [];
  for (let k = 1; k < series.length; k++) {
    const a = series[k - 1] as { dt: string; v: number };
    const b = series[k] as { dt: string; v: number };
    const slack = Math.abs(a.v) * tolerance;
    const bad = e.direction === 'non_increasing' ? b.v > a.v + slack : b.v < a.v - slack;
    if (bad) breaks.push(`${a.dt} ${a.v} → ${b.dt} ${b.v}`);
  }
  return verdict(
    e,
    breaks.length === 0,
    breaks.length,
    threshold,
    breaks.length,
    series.length - 1,
    breaks.length
      ? `${breaks.length} of ${series.length - 1} steps break it: ${breaks.slice(0, 3).join('; ')}`
      : `${series.length - 1} steps all ${e.direction.replace('_', '-')}`,
  );
}

/**
 * Runs a table's expectations (one metrics query per compiled check) and returns one result per
 * expectation, in the suite's order.
 *
 * @example
 * ```ts
 * const results = await runExpectations({ engine }, kpiGmvDaily, suite, { dt: '2026-11-20' });
 * const failed = results.filter((r) => !r.success && r.severity === 'error');
 * ```
 */
export async function runExpectations(
  deps: { engine: QueryEngine; clock?: Clock },
  table: TableDefinition,
  suite: readonly Expectation[],
  options: { dt?: string; signal?: AbortSignal } = {},
): Promise<ExpectationResult[]> {
  const name = qualifiedName(table);
  const dt = table.partitionKeys[0] === 'dt' ? (options.dt ?? null) : null;
  const now = (deps.clock ?? systemClock).now();
  const byExpectation = new Map<Expectation, ExpectationResult>();
  for (const check of compileSuite(table, suite, options.dt === undefined ? {} : { dt: options.dt })) {
    const rows = await deps.engine.query(check.sql, options.signal ? { signal: options.signal } : {});
    const verdicts = check.judge(rows, now);
    for (const [k, r] of verdicts.entries()) {
      const e = check.expectations[k] as Expectation;
      const sampleSql = r.success ? undefined : check.samples?.get(e);
      const sampleKeys = sampleSql
        ? (await deps.engine.query(sampleSql, options.signal ? { signal: options.signal } : {})).map((row) =>
            String(row.sample_key).slice(0, 128),
          )
        : [];
      byExpectation.set(e, { ...r, table: name, dt, identity: `${name}|${r.expectation}`, sampleKeys });
    }
  }
  return suite.map((e) => byExpectation.get(e) as ExpectationResult);
}

/** One dbt-style data test and how many rows broke it. */
export interface DataTestResult {
  readonly table: string;
  readonly test: string;
  readonly failures: number;
}

/**
 * Runs the catalog's checks on the given tables (the build's data tests); failures = 0 is a pass.
 *
 * @example
 * ```ts
 * const failed = (await runDataTests({ engine }, tables)).filter((t) => t.failures > 0);
 * ```
 */
export async function runDataTests(
  deps: { engine: QueryEngine },
  tables: readonly TableDefinition[],
): Promise<DataTestResult[]> {
  const results: DataTestResult[] = [];
  for (const table of tables) {
    const suite = catalogExpectations(table);
    if (!suite.length) continue;
    for (const r of await runExpectations(deps, table, suite)) {
      results.push({
        table: r.table,
        test: r.expectation,
        failures: r.unexpectedCount ?? (r.success ? 0 : 1),
      });
    }
  }
  return results;
}

/** A GX suite file that is not a suite (not JSON, no `expectations` list). */
export class GxSuiteInvalidError extends LakeopsError {
  constructor(message: string) {
    super('GxSuiteInvalid', message, { retryable: false });
  }
}

const gxArguments: Readonly<Record<ExpectationType, readonly string[]>> = {
  expect_column_values_to_not_be_null: ['column', 'mostly'],
  expect_column_values_to_be_unique: ['column', 'mostly'],
  expect_compound_columns_to_be_unique: ['column_list'],
  expect_column_values_to_be_in_set: ['column', 'value_set', 'mostly'],
  expect_column_values_to_be_between: [
    'column',
    'min_value',
    'max_value',
    'strict_min',
    'strict_max',
    'mostly',
    'nulls',
  ],
  expect_column_values_to_match_regex: ['column', 'regex', 'mostly'],
  expect_column_values_to_be_in_table: ['column', 'to_table', 'to_column', 'mostly'],
  expect_table_row_count_to_be_between: ['min_value', 'max_value'],
  expect_table_row_count_change_to_be_between: ['min_change', 'max_change'],
  expect_table_to_be_fresh: ['column', 'max_age_hours'],
  expect_daily_aggregate_to_be_monotonic: [
    'column',
    'aggregate',
    'direction',
    'tolerance',
    'window',
    'row_condition',
  ],
  unexpected_rows_expectation: ['unexpected_rows_query'],
};

/**
 * Reads a Great Expectations suite (0.x: `expectation_type` + `kwargs`; 1.x: `type` + the
 * arguments beside it, or `kwargs`). Supported types become expectations; every other type is
 * returned by name in `unsupported`, as are arguments lakeops does not implement (such as
 * `row_condition` on a column expectation), so nothing is silently ignored. Severity comes from
 * `severity` or `meta.severity` (default `error`).
 *
 * @example
 * ```ts
 * const { expectations, unsupported } = importGxSuite(await readFile('suite.json', 'utf8'));
 * ```
 */
export function importGxSuite(text: string): {
  name: string | null;
  expectations: Expectation[];
  unsupported: string[];
} {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new GxSuiteInvalidError(`not JSON: ${(error as Error).message}`);
  }
  const suite = parsed as { name?: unknown; expectation_suite_name?: unknown; expectations?: unknown };
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(suite.expectations)) {
    throw new GxSuiteInvalidError("a GX suite is an object with an 'expectations' list");
  }
  const expectations: Expectation[] = [];
  const unsupported: string[] = [];
  suite.expectations.forEach((raw: unknown, index: number) => {
    const item = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const type = String(item.expectation_type ?? item.type ?? '');
    const kwargs = (typeof item.kwargs === 'object' && item.kwargs !== null ? item.kwargs : item) as Record<
      string,
      unknown
    >;
    const allowed = gxArguments[type as ExpectationType] as readonly string[] | undefined;
    if (!allowed) {
      unsupported.push(`#${index + 1} ${type || '(no type)'}`);
      return;
    }
    const ignorable = new Set([
      'type',
      'expectation_type',
      'kwargs',
      'meta',
      'id',
      'notes',
      'description',
      'severity',
      'result_format',
      'catch_exceptions',
      'include_config',
      'rendered_content',
      'batch_id',
      'name',
    ]);
    const extra = Object.keys(kwargs).filter(
      (k) => !allowed.includes(k) && !ignorable.has(k) && kwargs[k] !== null,
    );
    if (extra.length) {
      unsupported.push(`#${index + 1} ${type} argument ${extra.join(', ')}`);
      return;
    }
    const args = Object.fromEntries(
      allowed.filter((k) => kwargs[k] !== undefined && kwargs[k] !== null).map((k) => [k, kwargs[k]]),
    );
    const wrong = Object.entries(args).filter(([k, v]) => !argumentOk(k, v));
    if (wrong.length) {
      throw new GxSuiteInvalidError(
        `#${index + 1} ${type}: ${wrong.map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ')} has the wrong type`,
      );
    }
    const meta = (typeof item.meta === 'object' && item.meta !== null ? item.meta : {}) as Record<
      string,
      unknown
    >;
    const severity = item.severity ?? meta.severity ?? 'error';
    expectations.push({
      type,
      ...args,
      severity: severity === 'warning' || severity === 'warn' ? 'warn' : 'error',
      ...(typeof item.name === 'string' && item.name ? { name: item.name } : {}),
    } as Expectation);
  });
  const name = suite.name ?? suite.expectation_suite_name;
  return { name: typeof name === 'string' ? name : null, expectations, unsupported };
}

const numberArguments = new Set([
  'mostly',
  'min_value',
  'max_value',
  'min_change',
  'max_change',
  'max_age_hours',
  'tolerance',
  'window',
]);
const booleanArguments = new Set(['strict_min', 'strict_max']);
const listArguments = new Set(['value_set', 'column_list']);
const choices: Readonly<Record<string, readonly string[]>> = {
  nulls: ['ignore', 'fail'],
  direction: ['non_increasing', 'non_decreasing'],
  aggregate: ['sum', 'count', 'max', 'min', 'avg'],
};

function argumentOk(key: string, value: unknown): boolean {
  if (numberArguments.has(key)) return typeof value === 'number' && Number.isFinite(value);
  if (booleanArguments.has(key)) return typeof value === 'boolean';
  if (listArguments.has(key))
    return Array.isArray(value) && value.every((v) => ['string', 'number', 'boolean'].includes(typeof v));
  const allowed = choices[key];
  if (allowed) return typeof value === 'string' && allowed.includes(value);
  return typeof value === 'string';
}
