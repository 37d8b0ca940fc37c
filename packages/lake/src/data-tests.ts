import { type QueryEngine, qualifiedName, type TableDefinition } from '@lakeops/core';
import { ident, literal } from './dialect.ts';

/** One dbt-style data test and how many rows broke it. */
export interface DataTestResult {
  readonly table: string;
  readonly test: string;
  readonly failures: number;
}

/** The data tests a table declares, as SQL returning (test, failures). */
export function dataTestSql(table: TableDefinition): string | undefined {
  const name = qualifiedName(table);
  const parts: string[] = [];
  const add = (test: string, where: string, from = name) =>
    parts.push(`SELECT ${literal(test)} AS test, count(*) AS failures FROM ${from} WHERE ${where}`);
  if (table.primaryKey.length) {
    const key = table.primaryKey.map(ident).join(', ');
    parts.push(
      `SELECT ${literal(`unique(${table.primaryKey.join(', ')})`)} AS test, count(*) AS failures FROM (SELECT ${key} FROM ${name} GROUP BY ${key} HAVING count(*) > 1) AS duplicates`,
    );
  }
  for (const column of table.columns) {
    const c = ident(column.name);
    if (!column.nullable) add(`not_null(${column.name})`, `${c} IS NULL`);
    const checks = column.checks;
    if (checks?.min !== undefined) add(`${column.name} >= ${checks.min}`, `${c} < ${checks.min}`);
    if (checks?.max !== undefined) add(`${column.name} <= ${checks.max}`, `${c} > ${checks.max}`);
    if (checks?.accepted) {
      add(`accepted_values(${column.name})`, `${c} NOT IN (${checks.accepted.map(literal).join(', ')})`);
    }
    if (checks?.references) {
      const dot = checks.references.lastIndexOf('.');
      const target = checks.references.slice(0, dot);
      const targetColumn = ident(checks.references.slice(dot + 1));
      add(
        `relationships(${column.name} → ${checks.references})`,
        `t.${c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${target} AS r WHERE r.${targetColumn} = t.${c})`,
        `${name} AS t`,
      );
    }
  }
  return parts.length ? parts.join('\nUNION ALL\n') : undefined;
}

/**
 * Runs every declared test on the given tables; returns all results (failures = 0 is a pass).
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
    const sql = dataTestSql(table);
    if (!sql) continue;
    for (const row of await deps.engine.query(sql)) {
      results.push({ table: qualifiedName(table), test: String(row.test), failures: Number(row.failures) });
    }
  }
  return results;
}
