import { patternAlternatives, type Route } from '@lakeops/functions/lib/route';

export interface SchemaInfo {
  readonly detailType: string;
  readonly version: number;
  readonly file: string;
  readonly schema: object;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The README's event catalogue: one row per schema (detail-type, version), with its source(s),
 * the producer the schema names (`x-producer`), and the routes that consume it.
 */
export function eventCatalogue(
  routes: readonly Route[],
  schemas: readonly SchemaInfo[],
  repoRelative: (file: string) => string,
): string {
  const rows = [...schemas]
    .sort((a, b) => a.detailType.localeCompare(b.detailType) || a.version - b.version)
    .map((s) => {
      const meta = s.schema as { 'x-source'?: unknown; 'x-producer'?: unknown };
      const consumers: string[] = [];
      const sources = new Set(strings(meta['x-source'] === undefined ? [] : [meta['x-source']].flat()));
      for (const route of routes) {
        if (route.kind !== 'event') continue;
        for (const alt of patternAlternatives(route.pattern)) {
          if (!strings(alt['detail-type']).includes(s.detailType)) continue;
          const v = (alt.detail as Record<string, unknown> | undefined)?.v;
          if (Array.isArray(v) && !v.includes(s.version)) continue;
          if (!consumers.includes(route.id)) consumers.push(route.id);
          for (const src of strings(alt.source)) sources.add(src);
        }
      }
      const producer = typeof meta['x-producer'] === 'string' ? meta['x-producer'] : '';
      const src = [...sources].map((x) => `\`${x}\``).join(', ') || '—';
      const cons = consumers.map((c) => `\`${c}\``).join(', ') || '—';
      return `| \`${s.detailType}\` | ${s.version} | ${src} | ${producer || '—'} | ${cons} | [schema](${repoRelative(s.file)}) |`;
    });
  return [
    '| detail-type | v | source | producer | consumers (routes) | schema |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->` in a document. */
export function replaceSection(document: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = document.indexOf(start);
  const j = document.indexOf(end);
  if (i < 0 || j < i) throw new Error(`section markers ${start} … ${end} not found`);
  return `${document.slice(0, i + start.length)}\n${body}\n${document.slice(j)}`;
}
