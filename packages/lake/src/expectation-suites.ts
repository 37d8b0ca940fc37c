import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type QualifiedTableName, qualifiedName, type TableDefinition } from '@lakeops/core';
import {
  catalogExpectations,
  type Expectation,
  ExpectationInvalidError,
  importGxSuite,
} from './data-tests.ts';
import { tables as allTables } from './tables.ts';

/** One GX-shaped suite file per table: `expectations/<zone>.<table>.json`. */
export const expectationsDir = fileURLToPath(new URL('../expectations/', import.meta.url));

/**
 * The suites kept as data beside the models, by table. A file for an unknown table, an
 * unsupported type or a badly typed argument is refused (`ExpectationInvalidError`).
 *
 * @example
 * ```ts
 * const suites = await loadExpectationSuites();
 * suites.get('gold.kpi_gmv_daily');
 * ```
 */
export async function loadExpectationSuites(
  dir = expectationsDir,
): Promise<Map<QualifiedTableName, Expectation[]>> {
  const known = new Set(allTables.map(qualifiedName));
  const suites = new Map<QualifiedTableName, Expectation[]>();
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
    const table = file.slice(0, -'.json'.length);
    if (!known.has(table as QualifiedTableName))
      throw new ExpectationInvalidError(`${file}: no table ${table} in the catalog`);
    const { expectations, unsupported } = importGxSuite(await readFile(join(dir, file), 'utf8'));
    if (unsupported.length)
      throw new ExpectationInvalidError(`${file}: unsupported ${unsupported.join('; ')}`);
    suites.set(table as QualifiedTableName, expectations);
  }
  return suites;
}

/** A table's whole suite: the catalog's column checks, then its suite file's expectations. */
export function suiteFor(
  table: TableDefinition,
  suites: ReadonlyMap<QualifiedTableName, readonly Expectation[]>,
): Expectation[] {
  return [...catalogExpectations(table), ...(suites.get(qualifiedName(table)) ?? [])];
}
