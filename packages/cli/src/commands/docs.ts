import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { listSchemas } from '@lakeops/contracts';
import { qualifiedName } from '@lakeops/core';
import { lineageGraph, loadExpectationSuites, loadModels, routeFunctions, tables } from '@lakeops/lake';
import { CliUsageError, type Command } from '../command.ts';
import { eventCatalogue, replaceSection } from '../docs/event-catalogue.ts';
import { writeDocsSite } from '../docs/site.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The README as it should be: the generated sections refreshed from the code. */
export async function renderReadme(readme: string): Promise<string> {
  const { routes } = await import('@lakeops/functions/routes');
  const catalogue = eventCatalogue(routes, listSchemas(), (file) =>
    relative(repoRoot, resolve(repoRoot, file)),
  );
  return replaceSection(readme, 'event-catalogue', catalogue);
}

export const docsCommand: Command = {
  name: 'docs',
  summary: "Refresh the README's generated sections (event catalogue)",
  help: `Usage: lakeops docs [--check] [--site <dir>]

Regenerates the event catalogue in README.md from functions/routes.ts and the schemas
in packages/contracts/events/. With --site, writes a static documentation site instead.

Options:
  --check        change nothing; say what was checked; exit 1 when README.md is stale
  --site <dir>   write a static site to <dir> (open <dir>/index.html; no server needed): every
                 table (columns, types, sensitivity, partitioning, keys, tests, description) and
                 every event schema, with its lineage drawn upstream and downstream, and
                 the functions of the route table that read or write each table
  -h, --help     show this help`,
  async run(args, ctx) {
    const { values } = parseArgs({
      args: [...args],
      options: { check: { type: 'boolean', default: false }, site: { type: 'string' } },
    });
    if (values.site !== undefined) {
      if (values.check) throw new CliUsageError('--site or --check, not both');
      const dir = resolve(ctx.cwd, values.site);
      const suites = await loadExpectationSuites();
      const models = await loadModels();
      const graph = lineageGraph({
        tables,
        models,
        schemas: listSchemas(),
        suites: [...suites.keys()],
        functions: routeFunctions((await import('@lakeops/functions/routes')).routes, tables, models),
      });
      const written = await writeDocsSite(dir, {
        tables,
        schemas: listSchemas(),
        suites,
        graph,
      });
      ctx.stdout.write(
        `wrote ${written.length} pages to ${dir} (${tables.length} tables of ${new Set(tables.map((t) => qualifiedName(t).split('.')[0])).size} zones, ${listSchemas().length} event schemas): open ${join(dir, 'index.html')}\n`,
      );
      return 0;
    }
    const file = join(repoRoot, 'README.md');
    const current = await readFile(file, 'utf8').catch(() => {
      throw new CliUsageError(`cannot read ${file}`);
    });
    const next = await renderReadme(current);
    const { routes } = await import('@lakeops/functions/routes');
    const checked = `the event catalogue in README.md against functions/routes.ts (${routes.filter((r) => r.kind === 'event').length} event routes) and packages/contracts/events/ (${listSchemas().length} schemas)`;
    if (values.check) {
      if (next === current) {
        ctx.stdout.write(`README.md is up to date: checked ${checked}\n`);
        return 0;
      }
      ctx.stderr.write(`lakeops docs: README.md is stale: checked ${checked}; run \`npx lakeops docs\`\n`);
      return 1;
    }
    if (next !== current) await writeFile(file, next);
    ctx.stdout.write(next === current ? 'README.md is up to date\n' : 'README.md updated\n');
    return 0;
  },
};
