import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SchemaEntry } from '@lakeops/contracts';
import { type QualifiedTableName, qualifiedName, type TableDefinition } from '@lakeops/core';
import {
  type Expectation,
  expectationLabel,
  type LineageGraph,
  type LineageStep,
  suiteFor,
  walkLineage,
} from '@lakeops/lake';

/**
 * A static documentation site like dbt docs, readable from disk (no server, no script, no
 * network): an index, one page per table (columns, types, sensitivity, partitioning, keys, user
 * columns, data tests, upstream and downstream with the lineage drawn as inline SVG), one page
 * per event schema (fields, source, producer, the models that read it), and on the index the
 * functions of the route table with the tables they read and write.
 */
export interface SiteInputs {
  readonly tables: readonly TableDefinition[];
  readonly schemas: readonly SchemaEntry[];
  readonly suites: ReadonlyMap<QualifiedTableName, readonly Expectation[]>;
  readonly graph: LineageGraph;
}

const esc = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const eventFile = (detailType: string, version: number) => `events/${detailType}.v${version}.html`;
const tableFile = (name: string) => `tables/${name}.html`;

/** The page a lineage node links to, relative to the site root; undefined for nodes without one. */
function pageOf(id: string, inputs: SiteInputs): string | undefined {
  const event = /^event:(.+)\.v(\d+)$/.exec(id);
  if (event) return eventFile(event[1] as string, Number(event[2]));
  if (id.startsWith('suite:')) return tableFile(id.slice('suite:'.length));
  if (id.startsWith('function:')) return `index.html#${functionAnchor(id)}`;
  return inputs.tables.some((t) => qualifiedName(t) === id) ? tableFile(id) : undefined;
}

const functionAnchor = (id: string) => id.replace(':', '-');

/** The index's table of the route table's functions that read or write the lake. */
function functionsSection(inputs: SiteInputs): string {
  const fns = [...inputs.graph.nodes.values()].filter((n) => n.kind === 'function');
  if (!fns.length) return '';
  const links = (ids: readonly string[]) =>
    ids.map((t) => `<a href="${tableFile(t)}">${esc(t)}</a>`).join(', ') || 'none';
  return `<h2>Functions</h2><p>The functions of <code>functions/routes.ts</code> that read or write the lake.</p><table><tr><th>function</th><th>description</th><th>reads</th><th>writes</th></tr>${fns
    .map((f) => {
      const reads = inputs.graph.edges.filter((e) => e.to === f.id).map((e) => e.from);
      const writes = inputs.graph.edges.filter((e) => e.from === f.id).map((e) => e.to);
      return `<tr id="${functionAnchor(f.id)}"><td><code>${esc(f.id.slice('function:'.length))}</code></td><td>${esc(f.description ?? '')}</td><td>${links(reads)}</td><td>${links(writes)}</td></tr>`;
    })
    .join('')}</table>`;
}

const page = (title: string, body: string, root: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · lakeops docs</title>
<style>
body{font:14px/1.5 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4}code{background:#f4f4f4;padding:0 .2em}.restricted{color:#a00;font-weight:bold}.confidential{color:#a50}
svg a text{fill:#0645ad}
</style></head><body><p><a href="${root}index.html">lakeops docs</a></p><h1>${esc(title)}</h1>
${body}
</body></html>
`;

/** Upstream steps on the left (by depth), the table in the middle, downstream on the right. */
function lineageSvg(
  start: string,
  up: readonly LineageStep[],
  down: readonly LineageStep[],
  inputs: SiteInputs,
): string {
  const columns = new Map<number, string[]>();
  for (const s of up) columns.set(-s.depth, [...(columns.get(-s.depth) ?? []), s.id]);
  columns.set(0, [start]);
  for (const s of down) columns.set(s.depth, [...(columns.get(s.depth) ?? []), s.id]);
  const order = [...columns.keys()].sort((a, b) => a - b);
  const w = 260;
  const h = 26;
  const pos = new Map<string, { x: number; y: number }>();
  order.forEach((col, i) => {
    for (const [j, id] of (columns.get(col) ?? []).entries()) {
      pos.set(id, { x: 10 + i * (w + 40), y: 10 + j * (h + 10) });
    }
  });
  const height = Math.max(...[...columns.values()].map((c) => c.length)) * (h + 10) + 20;
  const width = order.length * (w + 40);
  const lines = inputs.graph.edges
    .filter((e) => pos.has(e.from) && pos.has(e.to))
    .map((e) => {
      const a = pos.get(e.from) as { x: number; y: number };
      const b = pos.get(e.to) as { x: number; y: number };
      return `<line x1="${a.x + w}" y1="${a.y + h / 2}" x2="${b.x}" y2="${b.y + h / 2}" stroke="#999"/>`;
    });
  const boxes = [...pos].map(([id, p]) => {
    const link = pageOf(id, inputs);
    const text = `<text x="${p.x + 6}" y="${p.y + 17}" font-size="12">${esc(id)}</text>`;
    const fill = id === start ? '#ffe9a8' : id.startsWith('event:') ? '#e3f0ff' : '#f4f4f4';
    const box = `<rect x="${p.x}" y="${p.y}" width="${w}" height="${h}" rx="4" fill="${fill}" stroke="#888"/>`;
    return link && id !== start ? `<a href="../${link}">${box}${text}</a>` : `${box}${text}`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="lineage of ${esc(start)}">${lines.join('')}${boxes.join('')}</svg>`;
}

const list = (steps: readonly LineageStep[], inputs: SiteInputs) =>
  steps.length
    ? `<ul>${steps
        .map((s) => {
          const link = pageOf(s.id, inputs);
          return `<li>${link ? `<a href="../${link}">${esc(s.id)}</a>` : esc(s.id)} <small>(${s.kind}, ${s.depth} away)</small></li>`;
        })
        .join('')}</ul>`
    : '<p>none</p>';

/** Writes the site into `dir`; returns the files written, relative to it. */
export async function writeDocsSite(dir: string, inputs: SiteInputs): Promise<string[]> {
  const files = new Map<string, string>();
  const byZone = new Map<string, TableDefinition[]>();
  for (const t of inputs.tables) byZone.set(t.zone, [...(byZone.get(t.zone) ?? []), t]);
  files.set(
    'index.html',
    page(
      'The lake',
      [
        ...[...byZone].map(
          ([zone, ts]) =>
            `<h2>${esc(zone)}</h2><table><tr><th>table</th><th>description</th></tr>${ts
              .map(
                (t) =>
                  `<tr><td><a href="${tableFile(qualifiedName(t))}">${esc(qualifiedName(t))}</a></td><td>${esc(t.description)}</td></tr>`,
              )
              .join('')}</table>`,
        ),
        `<h2>Event schemas</h2><table><tr><th>detail-type</th><th>v</th><th>description</th></tr>${inputs.schemas
          .map(
            (s) =>
              `<tr><td><a href="${eventFile(s.detailType, s.version)}">${esc(s.detailType)}</a></td><td>${s.version}</td><td>${esc(String((s.schema as { description?: unknown }).description ?? ''))}</td></tr>`,
          )
          .join('')}</table>`,
        functionsSection(inputs),
      ].join('\n'),
      '',
    ),
  );
  for (const t of inputs.tables) {
    const name = qualifiedName(t);
    const up = walkLineage(inputs.graph, name, 'upstream');
    const down = walkLineage(inputs.graph, name, 'downstream');
    const tests = t.zone === 'bronze' ? [] : suiteFor(t, inputs.suites);
    const columnsIn = (c: string) =>
      inputs.graph.columns.filter((e) => e.to === `${name}/${c}`).map((e) => esc(e.from));
    const body = [
      `<p>${esc(t.description)}</p>`,
      `<p>Format <code>${t.format}</code>; partitioned by ${t.partitionKeys.length ? t.partitionKeys.map((k) => `<code>${k}</code>`).join(', ') : 'nothing'}; key ${t.primaryKey.length ? t.primaryKey.map((k) => `<code>${k}</code>`).join(', ') : 'none'}; user columns (DSAR) ${t.userColumns.length ? t.userColumns.map((k) => `<code>${k}</code>`).join(', ') : 'none'}.</p>`,
      `<h2>Columns</h2><table><tr><th>name</th><th>type</th><th>sensitivity</th><th>nullable</th><th>checks</th><th>from</th></tr>${t.columns
        .map(
          (c) =>
            `<tr><td><code>${esc(c.name)}</code>${c.description ? `<br><small>${esc(c.description)}</small>` : ''}</td><td>${esc(c.type)}</td><td class="${c.sensitivity}">${c.sensitivity}</td><td>${c.nullable ? 'yes' : 'no'}</td><td>${c.checks ? esc(JSON.stringify(c.checks)) : ''}</td><td>${columnsIn(c.name).join('<br>')}</td></tr>`,
        )
        .join('')}</table>`,
      `<h2>Tests</h2>${tests.length ? `<ul>${tests.map((e) => `<li><code>${esc(e.type)}</code> ${esc(expectationLabel(e))}</li>`).join('')}</ul>` : '<p>none (Bronze is kept as it arrived)</p>'}`,
      `<h2>Lineage</h2>${lineageSvg(name, up, down, inputs)}`,
      `<h3>Upstream</h3>${list(up, inputs)}`,
      `<h3>Downstream</h3>${list(down, inputs)}`,
    ].join('\n');
    files.set(tableFile(name), page(name, body, '../'));
  }
  for (const s of inputs.schemas) {
    const schema = s.schema as {
      description?: string;
      'x-source'?: unknown;
      'x-producer'?: unknown;
      required?: string[];
      properties?: Record<
        string,
        { description?: string; type?: unknown; enum?: unknown[]; const?: unknown }
      >;
    };
    const id = `event:${s.detailType}.v${s.version}`;
    const down = walkLineage(inputs.graph, id, 'downstream');
    const body = [
      `<p>${esc(schema.description ?? '')}</p>`,
      `<p>Source ${esc([schema['x-source'] ?? []].flat().join(', '))}; producer ${esc(String(schema['x-producer'] ?? ''))}; file <code>${esc(s.file)}</code>.</p>`,
      `<h2>Fields</h2><table><tr><th>field</th><th>type</th><th>required</th><th>description</th></tr>${Object.entries(
        schema.properties ?? {},
      )
        .map(
          ([k, p]) =>
            `<tr><td><code>${esc(k)}</code></td><td>${esc(p.enum ? `one of ${p.enum.join(', ')}` : p.const !== undefined ? `= ${String(p.const)}` : String(p.type ?? ''))}</td><td>${schema.required?.includes(k) ? 'yes' : 'no'}</td><td>${esc(p.description ?? '')}</td></tr>`,
        )
        .join('')}</table>`,
      `<h2>Lineage</h2>${lineageSvg(id, [], down, inputs)}`,
      `<h3>Downstream</h3>${list(down, inputs)}`,
    ].join('\n');
    files.set(eventFile(s.detailType, s.version), page(`${s.detailType} v${s.version}`, body, '../'));
  }
  await mkdir(join(dir, 'tables'), { recursive: true });
  await mkdir(join(dir, 'events'), { recursive: true });
  for (const [file, html] of files) await writeFile(join(dir, file), html);
  return [...files.keys()].sort();
}
