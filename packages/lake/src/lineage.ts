import { qualifiedName, type TableDefinition } from '@lakeops/core';
import { LineageInvalidError } from './errors.ts';
import { eventsReadBy, type Model } from './models.ts';

/**
 * The lake's lineage as a graph, derived from what is already written down, never by hand:
 * event schemas → Silver models that read them (through `bronze.events`, filtered by detail-type
 * and `v`), model SQL → the tables each model reads, expectation suite files → the table they
 * check, the route table → functions that read or write tables, and the Bronze sources. Column
 * edges are added where a model names a column: an event field extracted by `json_extract_scalar`,
 * or an upstream column selected under the same name.
 */
export type LineageNodeKind = 'event' | 'source' | 'table' | 'suite' | 'function';

export interface LineageNode {
  /** `event:<type>.v<N>`, `source:<name>`, `<zone>.<table>`, `suite:<zone>.<table>`, `function:<route id>`. */
  readonly id: string;
  readonly kind: LineageNodeKind;
  readonly description?: string;
}

export interface LineageEdge {
  readonly from: string;
  readonly to: string;
}

/** A column-level edge: `<node>/<field>` → `<zone>.<table>/<column>`. */
export interface ColumnEdge {
  readonly from: string;
  readonly to: string;
}

export interface LineageGraph {
  readonly nodes: ReadonlyMap<string, LineageNode>;
  readonly edges: readonly LineageEdge[];
  readonly columns: readonly ColumnEdge[];
}

/** A function from the route table, with the tables it reads and writes. */
export interface LineageFunction {
  /** The route id. */
  readonly id: string;
  readonly description?: string;
  readonly reads: readonly string[];
  readonly writes: readonly string[];
}

/**
 * A table a route declares it reads or writes: `<zone>.<table>`, or a set derived from the catalog
 * and the models rather than listed — `user-tables`: every Parquet table with user columns (what
 * the DSAR purge rewrites); `nrt-views`: every NRT view (what the NRT refresh rewrites);
 * `nrt-view-sources`: every table an NRT view's model reads.
 */
export type RouteTableRef = string | { readonly set: 'user-tables' | 'nrt-views' | 'nrt-view-sources' };

/** The `tables` declaration of a route in functions/routes.ts (read structurally: lake does not import functions). */
export interface RouteTables {
  readonly reads?: readonly RouteTableRef[];
  readonly writes?: readonly RouteTableRef[];
}

/** Every Parquet table with user columns: the tables the DSAR purge reads and rewrites. */
export function userTables(catalog: readonly TableDefinition[]): TableDefinition[] {
  return catalog.filter((t) => t.userColumns.length > 0 && t.format === 'parquet');
}

/**
 * The lineage functions of the route table: each route that declares `tables`, with its sets
 * resolved against the catalog. A name is kept as written, so {@link lineageProblems} names one
 * the catalog does not know.
 */
export function routeFunctions(
  routes: readonly { readonly id: string; readonly description?: string; readonly tables?: RouteTables }[],
  catalog: readonly TableDefinition[],
  models: readonly Pick<Model, 'name' | 'dependsOn'>[],
): LineageFunction[] {
  const nrtViews: readonly string[] = catalog.filter((t) => t.zone === 'nrt').map(qualifiedName);
  const sets: Record<Exclude<RouteTableRef, string>['set'], readonly string[]> = {
    'user-tables': userTables(catalog).map(qualifiedName),
    'nrt-views': nrtViews,
    'nrt-view-sources': models.filter((m) => nrtViews.includes(m.name)).flatMap((m) => m.dependsOn),
  };
  const resolve = (refs: readonly RouteTableRef[] = []) =>
    [...new Set(refs.flatMap((r) => (typeof r === 'string' ? [r] : sets[r.set])))].sort();
  return routes.flatMap((r) =>
    r.tables
      ? [
          {
            id: r.id,
            ...(r.description ? { description: r.description } : {}),
            reads: resolve(r.tables.reads),
            writes: resolve(r.tables.writes),
          },
        ]
      : [],
  );
}

export interface LineageInputs {
  readonly tables: readonly TableDefinition[];
  readonly models: readonly Pick<Model, 'name' | 'sql' | 'dependsOn'>[];
  readonly schemas: readonly { readonly detailType: string; readonly version: number }[];
  /** Tables with an expectation suite file (`expectations/<zone>.<table>.json`). */
  readonly suites: readonly string[];
  readonly functions?: readonly LineageFunction[];
}

/** Who writes each Bronze table (Bronze has no model: it is what arrives). */
export const bronzeSources: Readonly<Record<string, string>> = {
  'bronze.events': 'EventBridge → archive (Firehose on AWS, the local bus locally), one NDJSON file per hour',
  'bronze.accounts_snapshot': 'accounts service daily export',
  'bronze.services_snapshot': 'service profiles daily export',
  'bronze.campaigns_snapshot': 'promotions daily export',
  'bronze.cities_snapshot': 'reference cities export',
};

const fieldExtract =
  /json_extract_scalar\(detail,\s*'\$\.([a-z0-9_]+)'\)\)?(?:\s+AS\s+[A-Z]+(?:\(\d+,\s*\d+\))?\))?\s+AS\s+([a-z0-9_]+)/g;

/**
 * The problems that make lineage wrong: a model reading a table the catalog does not know, a
 * table nothing produces, a model reading an event version with no schema.
 */
export function lineageProblems(inputs: LineageInputs): string[] {
  const known = new Set<string>(inputs.tables.map(qualifiedName));
  const modelled = new Set(inputs.models.map((m) => m.name));
  const problems: string[] = [];
  for (const m of inputs.models) {
    for (const dep of m.dependsOn) if (!known.has(dep)) problems.push(`${m.name} reads unknown table ${dep}`);
  }
  for (const f of inputs.functions ?? []) {
    for (const t of f.reads) if (!known.has(t)) problems.push(`function:${f.id} reads unknown table ${t}`);
    for (const t of f.writes) if (!known.has(t)) problems.push(`function:${f.id} writes unknown table ${t}`);
  }
  for (const t of inputs.tables.map(qualifiedName)) {
    const written = (inputs.functions ?? []).some((f) => f.writes.includes(t));
    if (!modelled.has(t) && !(t in bronzeSources) && !written) problems.push(`${t} has no producer`);
  }
  for (const m of inputs.models) {
    for (const read of eventsReadBy(m.sql)) {
      for (const v of read.versions) {
        if (!inputs.schemas.some((s) => s.detailType === read.detailType && s.version === v))
          problems.push(`${m.name} reads ${read.detailType} v${v}, which has no schema`);
      }
    }
  }
  return problems;
}

/**
 * Builds the lineage graph; throws `LineageInvalidError` listing every {@link lineageProblems}.
 *
 * @example
 * ```ts
 * const graph = lineageGraph({ tables, models: await loadModels(), schemas: listSchemas(), suites: [...(await loadExpectationSuites()).keys()] });
 * upstreamOf(graph, 'gold.kpi_gmv_daily');
 * ```
 */
export function lineageGraph(inputs: LineageInputs): LineageGraph {
  const problems = lineageProblems(inputs);
  if (problems.length) throw new LineageInvalidError(problems);
  const nodes = new Map<string, LineageNode>();
  const edges: LineageEdge[] = [];
  const columns: ColumnEdge[] = [];
  const byName = new Map<string, TableDefinition>(inputs.tables.map((t) => [qualifiedName(t), t]));
  for (const t of inputs.tables) {
    nodes.set(qualifiedName(t), { id: qualifiedName(t), kind: 'table', description: t.description });
  }
  for (const s of inputs.schemas) {
    const id = `event:${s.detailType}.v${s.version}`;
    nodes.set(id, { id, kind: 'event' });
  }
  for (const [table, description] of Object.entries(bronzeSources)) {
    if (!byName.has(table)) continue;
    const id = `source:${table.slice('bronze.'.length)}`;
    nodes.set(id, { id, kind: 'source', description });
    edges.push({ from: id, to: table });
  }
  for (const m of inputs.models) {
    const output = byName.get(m.name);
    for (const dep of m.dependsOn) edges.push({ from: dep, to: m.name });
    const reads = eventsReadBy(m.sql);
    for (const read of reads) {
      for (const v of read.versions) edges.push({ from: `event:${read.detailType}.v${v}`, to: m.name });
    }
    const sql = m.sql.replace(/--[^\n]*/g, '');
    // Event fields extracted under a column name.
    for (const match of sql.matchAll(fieldExtract)) {
      for (const read of reads) {
        for (const v of read.versions) {
          columns.push({ from: `event:${read.detailType}.v${v}/${match[1]}`, to: `${m.name}/${match[2]}` });
        }
      }
    }
    // Upstream columns selected under the same name.
    for (const dep of m.dependsOn) {
      const upstream = byName.get(dep);
      if (!upstream || !output || dep === 'bronze.events') continue;
      for (const c of output.columns) {
        if (upstream.columns.some((u) => u.name === c.name) && new RegExp(`\\b${c.name}\\b`).test(sql)) {
          columns.push({ from: `${dep}/${c.name}`, to: `${m.name}/${c.name}` });
        }
      }
    }
  }
  for (const table of inputs.suites) {
    const id = `suite:${table}`;
    nodes.set(id, { id, kind: 'suite', description: `expectation suite expectations/${table}.json` });
    edges.push({ from: table, to: id });
  }
  for (const f of inputs.functions ?? []) {
    const id = `function:${f.id}`;
    nodes.set(id, { id, kind: 'function', ...(f.description ? { description: f.description } : {}) });
    for (const t of f.reads) edges.push({ from: t, to: id });
    for (const t of f.writes) edges.push({ from: id, to: t });
  }
  return { nodes, edges: dedupe(edges), columns: dedupe(columns) };
}

function dedupe<T extends { from: string; to: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const key = `${i.from}\u0000${i.to}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface LineageStep {
  readonly id: string;
  readonly kind: LineageNodeKind;
  /** Edges from the start (1 = directly connected). */
  readonly depth: number;
}

/** The nodes reachable from `start` against (`upstream`) or along (`downstream`) the edges, nearest first. */
export function walkLineage(
  graph: LineageGraph,
  start: string,
  direction: 'upstream' | 'downstream',
  maxDepth = Number.POSITIVE_INFINITY,
): LineageStep[] {
  if (!graph.nodes.has(start))
    throw new RangeError(`no table, event, suite or function named '${start}' in the lineage`);
  const next = new Map<string, string[]>();
  for (const e of graph.edges) {
    const [a, b] = direction === 'upstream' ? [e.to, e.from] : [e.from, e.to];
    next.set(a, [...(next.get(a) ?? []), b]);
  }
  const depthOf = new Map<string, number>([[start, 0]]);
  let frontier = [start];
  for (let depth = 1; frontier.length && depth <= maxDepth; depth++) {
    const following: string[] = [];
    for (const id of frontier) {
      for (const n of next.get(id) ?? []) {
        if (depthOf.has(n)) continue;
        depthOf.set(n, depth);
        following.push(n);
      }
    }
    frontier = following;
  }
  return [...depthOf]
    .filter(([id]) => id !== start)
    .map(([id, depth]) => ({ id, depth, kind: graph.nodes.get(id)?.kind ?? 'table' }))
    .sort((a, b) => a.depth - b.depth || a.id.localeCompare(b.id));
}

/** The sub-graph of `start` and the steps found: the nodes, and the edges between them. */
export function subGraph(graph: LineageGraph, start: string, steps: readonly LineageStep[]): LineageGraph {
  const keep = new Set([start, ...steps.map((s) => s.id)]);
  const nodes = new Map([...graph.nodes].filter(([id]) => keep.has(id)));
  const edges = graph.edges.filter((e) => keep.has(e.from) && keep.has(e.to));
  const owner = (ref: string) => ref.slice(0, ref.lastIndexOf('/'));
  const columns = graph.columns.filter((c) => keep.has(owner(c.from)) && keep.has(owner(c.to)));
  return { nodes, edges, columns };
}

const mermaidId = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');

/** A Mermaid flowchart (left to right), events as stadiums, suites as hexagons, functions as subroutines. */
export function lineageMermaid(graph: LineageGraph): string {
  const shape = (n: LineageNode) => {
    const label = `"${n.id}"`;
    switch (n.kind) {
      case 'event':
        return `([${label}])`;
      case 'suite':
        return `{{${label}}}`;
      case 'function':
        return `[[${label}]]`;
      case 'source':
        return `[/${label}/]`;
      default:
        return `[${label}]`;
    }
  };
  const lines = ['flowchart LR'];
  for (const n of [...graph.nodes.values()].sort((a, b) => a.id.localeCompare(b.id)))
    lines.push(`  ${mermaidId(n.id)}${shape(n)}`);
  for (const e of graph.edges) lines.push(`  ${mermaidId(e.from)} --> ${mermaidId(e.to)}`);
  return `${lines.join('\n')}\n`;
}

/** Graphviz DOT. */
export function lineageDot(graph: LineageGraph): string {
  const shapes: Record<LineageNodeKind, string> = {
    event: 'ellipse',
    source: 'parallelogram',
    table: 'box',
    suite: 'hexagon',
    function: 'component',
  };
  const q = (s: string) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  const lines = ['digraph lineage {', '  rankdir=LR;'];
  for (const n of [...graph.nodes.values()].sort((a, b) => a.id.localeCompare(b.id)))
    lines.push(`  ${q(n.id)} [shape=${shapes[n.kind]}];`);
  for (const e of graph.edges) lines.push(`  ${q(e.from)} -> ${q(e.to)};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
