import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExperimentQueries, ExperimentWindow, ExpResultRow } from '@lakeops/core';
import { isDay } from './days.ts';
import { ident, literal } from './dialect.ts';
import { expResults } from './tables.ts';

/** `queries/`: SQL an analysis runs (not models: they build no table). */
export const queriesDir = fileURLToPath(new URL('../queries/', import.meta.url));

/** AppConfig's flag key pattern: an experiment key never needs more than quoting. */
const expKeyPattern = /^[a-z][a-zA-Z\d_-]{0,63}$/;

function render(sql: string, params: Readonly<Record<string, string>>): string {
  return sql.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`query uses unknown parameter {{${name}}}`);
    return literal(value);
  });
}

function checkKey(expKey: string): void {
  if (!expKeyPattern.test(expKey)) throw new TypeError(`experiment key '${expKey}' is not a flag key`);
}

/** A SQL literal of a result cell, typed so that every engine reads the VALUES list alike. */
function cell(value: string | number | boolean | null, type: string): string {
  if (value === null) return `CAST(NULL AS ${type})`;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`result value ${value} is not finite`);
    return `CAST(${type === 'BIGINT' ? String(Math.trunc(value)) : value.toExponential(16)} AS ${type})`;
  }
  return literal(value);
}

/** Column order and SQL type of each `gold.exp_results` value (the catalog's types). */
const resultColumns: readonly (readonly [keyof ExpResultRow, string])[] = [
  ...expResults.columns.map((c): readonly [keyof ExpResultRow, string] => [
    c.name as keyof ExpResultRow,
    c.type === 'bigint'
      ? 'BIGINT'
      : c.type === 'double'
        ? 'DOUBLE'
        : c.type === 'boolean'
          ? 'BOOLEAN'
          : 'VARCHAR',
  ]),
  ['dt', 'VARCHAR'],
  ['exp_key', 'VARCHAR'],
];

/**
 * The result rows as a `SELECT … FROM (VALUES …)`, the input of `QueryEngine.writePartitions`
 * (which casts each column to the catalog type: `analysed_at` text becomes a timestamp).
 */
export function expResultsSql(rows: readonly ExpResultRow[]): string {
  if (!rows.length) throw new RangeError('no result rows to write');
  const values = rows.map(
    (r) => `  (${resultColumns.map(([name, type]) => cell(resultCell(r, name), type)).join(', ')})`,
  );
  const names = resultColumns.map(([name]) => ident(name)).join(', ');
  return `SELECT * FROM (\nVALUES\n${values.join(',\n')}\n) AS r (${names})`;
}

function resultCell(row: ExpResultRow, name: keyof ExpResultRow): string | number | boolean | null {
  const v = row[name];
  // analysed_at is RFC 3339 text; both engines cast 'YYYY-MM-DD HH:MM:SS.fff' to a timestamp.
  if (name === 'analysed_at' && typeof v === 'string') return v.replace('T', ' ').replace('Z', '');
  return v;
}

/**
 * The SQL of `analyzeExperiment`, read from `queries/*.sql` (or `options.queriesDir`: a Lambda
 * bundle's copy of that folder) and rendered with quoted literals.
 *
 * @example
 * ```ts
 * await analyzeExperiment(deps, { experiment, resultsTable: expResults, queries: await loadExperimentQueries(), runId });
 * ```
 */
export async function loadExperimentQueries(
  options: { readonly queriesDir?: string } = {},
): Promise<ExperimentQueries> {
  const dir = options.queriesDir ?? queriesDir;
  const [first, units] = await Promise.all(
    ['exp_first_exposure.sql', 'exp_units.sql'].map((f) => readFile(join(dir, f), 'utf8')),
  );
  return {
    firstExposureSql(expKey: string): string {
      checkKey(expKey);
      return render(first as string, { exp_key: expKey });
    },
    unitsSql(window: ExperimentWindow): string {
      checkKey(window.expKey);
      for (const day of [window.start, window.preFrom, window.to])
        if (!isDay(day)) throw new TypeError(`window day must be YYYY-MM-DD, got '${day}'`);
      return render(units as string, {
        exp_key: window.expKey,
        start: window.start,
        pre_from: window.preFrom,
        to: window.to,
      });
    },
    resultsSql: expResultsSql,
  };
}
