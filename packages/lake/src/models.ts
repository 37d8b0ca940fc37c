import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { qualifiedName, type TableDefinition, zones } from '@lakeops/core';
import { tables as allTables } from './tables.ts';

/** Where the `.sql` models live: `models/<zone>/<table>.sql`. */
export const modelsDir = fileURLToPath(new URL('../models/', import.meta.url));

/** A SQL model: the SELECT that produces one table, and the tables it reads. */
export interface Model {
  readonly name: string;
  readonly table: TableDefinition;
  readonly sql: string;
  readonly file: string;
  readonly dependsOn: readonly string[];
}

const reference = /\b(bronze|silver_private|silver|gold|nrt)\.([a-z_][a-z0-9_]*)\b/g;

/** The `<zone>.<table>` names a SQL text reads. */
export function tablesReadBy(sql: string): string[] {
  const withoutComments = sql.replace(/--[^\n]*/g, '').replace(/'(?:[^']|'')*'/g, "''");
  return [...new Set([...withoutComments.matchAll(reference)].map((m) => `${m[1]}.${m[2]}`))].sort();
}

/**
 * Loads every model, in dependency order (a model after every model it reads), from `dir`
 * (`models/` of this package; a Lambda passes the folder copied into its bundle).
 *
 * @example
 * ```ts
 * for (const model of await loadModels()) console.log(model.name, model.dependsOn);
 * ```
 */
export async function loadModels(
  tables: readonly TableDefinition[] = allTables,
  dir: string = modelsDir,
): Promise<Model[]> {
  const byName = new Map<string, TableDefinition>(tables.map((t) => [qualifiedName(t), t]));
  const models: Model[] = [];
  for (const zone of (await readdir(dir)).sort()) {
    for (const file of (await readdir(join(dir, zone))).filter((f) => f.endsWith('.sql')).sort()) {
      const name = `${zone}.${basename(file, '.sql')}`;
      const table = byName.get(name);
      if (!table) throw new Error(`model ${name} has no table definition in packages/lake/src/tables.ts`);
      const sql = await readFile(join(dir, zone, file), 'utf8');
      const dependsOn = tablesReadBy(sql);
      for (const dep of dependsOn) {
        if (!byName.has(dep)) throw new Error(`model ${name} reads unknown table ${dep}`);
      }
      models.push({ name, table, sql, file: join(dir, zone, file), dependsOn });
    }
  }
  return orderModels(models);
}

/** Topological order; throws on a cycle. */
export function orderModels(models: readonly Model[]): Model[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const ordered: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (model: Model, path: readonly string[]) => {
    const s = state.get(model.name);
    if (s === 'done') return;
    if (s === 'visiting')
      throw new Error(`models depend on each other: ${[...path, model.name].join(' → ')}`);
    state.set(model.name, 'visiting');
    for (const dep of model.dependsOn) {
      const upstream = byName.get(dep);
      // A model may read its own earlier partitions (an NRT carry-over state): not a cycle.
      if (upstream && upstream !== model) visit(upstream, [...path, model.name]);
    }
    state.set(model.name, 'done');
    ordered.push(model);
  };
  // Zone by zone where dependencies allow: Silver, then Silver private, then Gold.
  const rank = (m: Model) => zones.indexOf(m.table.zone);
  for (const model of [...models].sort((a, b) => rank(a) - rank(b))) visit(model, []);
  return ordered;
}

/** The event detail-types a model reads from `bronze.events`, with the contract versions it accepts. */
export interface EventRead {
  readonly detailType: string;
  /** The `v` values the model's filter accepts; empty when the model does not filter on `v`. */
  readonly versions: readonly number[];
}

const eventFilter =
  /detail_type\s*=\s*'([^']+)'(?:\s+AND\s+json_extract_scalar\(detail,\s*'\$\.v'\)\s+IN\s+\(([^)]*)\))?/g;

/** The detail-types (and versions) a model's SQL reads: `detail_type = '…' AND json_extract_scalar(detail, '$.v') IN ('1', …)`. */
export function eventsReadBy(sql: string): EventRead[] {
  const withoutComments = sql.replace(/--[^\n]*/g, '');
  return [...withoutComments.matchAll(eventFilter)].map((m) => ({
    detailType: m[1] as string,
    versions: [...(m[2] ?? '').matchAll(/'(\d+)'/g)].map((v) => Number(v[1])),
  }));
}

/**
 * Contract versions the lake would read wrongly or not at all: for each detail-type a model
 * reads, every version of its schema no model's `v` filter accepts (a `v2` would otherwise be
 * read with `v1` extraction, or dropped without a word), and every read without a `v` filter.
 */
export function unreadSchemaVersions(
  models: readonly Pick<Model, 'name' | 'sql'>[],
  schemas: readonly { detailType: string; version: number }[],
): string[] {
  const reads = models.flatMap((m) => eventsReadBy(m.sql).map((r) => ({ model: m.name, ...r })));
  const problems = reads
    .filter((r) => r.versions.length === 0)
    .map((r) => `${r.model} reads ${r.detailType} without filtering on v`);
  const read = new Set(reads.flatMap((r) => r.versions.map((v) => `${r.detailType}.v${v}`)));
  const types = new Set(reads.map((r) => r.detailType));
  for (const s of schemas) {
    if (types.has(s.detailType) && !read.has(`${s.detailType}.v${s.version}`)) {
      problems.push(`${s.detailType} v${s.version} has a schema but no model reads it`);
    }
  }
  for (const r of reads) {
    for (const v of r.versions) {
      if (!schemas.some((s) => s.detailType === r.detailType && s.version === v)) {
        problems.push(`${r.model} reads ${r.detailType} v${v}, which has no schema`);
      }
    }
  }
  return problems;
}

/** Marketplace events no model reads, each with the reason (lineage shows them as unread). */
export const eventsNotModelled: Readonly<Record<string, string>> = {
  'user.registered':
    'dim_user_public is built from the daily accounts export, which also holds the users who signed up before the window',
};
