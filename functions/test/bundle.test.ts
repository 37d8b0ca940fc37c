import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSchemas } from '@lakeops/contracts';
import { loadNrtViews } from '@lakeops/lake';
import { bundleAsSst, bundledInputs, localOnlyInputs, repoRoot } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunction } from '../bench/bundle.ts';
import { pinnedContracts, type Route } from '../lib/route.ts';
import { experimentQueriesFolder, nrtModelsFolder, routes } from '../routes.ts';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'lakeops-bundle-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

const VALIDATOR = /^packages\/contracts\/src\/validators\/(.+)\.generated\.ts$/;

/** The contracts whose validators put bytes into a bundle: `deploy.failed.v1`, … */
function bundledValidators(inputs: readonly string[]): string[] {
  return inputs.flatMap((p) => VALIDATOR.exec(p)?.[1] ?? []).sort();
}

/** Functions that run the lake's SQL themselves (the DSAR purge on Athena). */
const lakeFunctions = new Set(['dsar-purge', 'dsar-purge-continue']);

describe('AWS bundles (esbuild as SST runs it)', () => {
  // archive-events is no route: the Firehose delivery stream invokes it (stacks/archive.ts).
  const functions = [...new Set(routes.map((r) => r.function)), 'archive-events'];

  // The NRT functions read their models through @lakeops/lake (loader, dialect, catalog); no other
  // function carries any of it, and none the data generator or the package index.
  const table: readonly Route[] = routes;
  const nrtFunctions = new Set<string>(
    table.filter((r) => r.files?.some((f) => f === nrtModelsFolder)).map((r) => r.function),
  );
  // The quality and KPI checks run the lake's check code (suites, KPI queries) over Athena reads.
  const checkFunctions = new Set(['quality-check', 'kpi-check']);
  const expFunctions = new Set<string>(
    table.filter((r) => r.files?.some((f) => f === experimentQueriesFolder)).map((r) => r.function),
  );
  it.each(functions)(
    '%s carries no local-only dependency, and of @lakeops/lake only what the NRT models or the DSAR purge need',
    async (fn) => {
      // Act
      const bundle = await bundleFunction(fn, out);
      // Assess
      expect(localOnlyInputs(bundle.metafile)).toEqual([]);
      const inputs = bundledInputs(bundle.metafile);
      const lake = inputs.filter((p) => p.startsWith('packages/lake/'));
      // The DSAR purge runs the lake's own SQL on Athena (catalog, dialect, purge SQL): see
      // functions/README.md, bundle size.
      if (lakeFunctions.has(fn)) expect(lake.length).toBeGreaterThan(0);
      else if (nrtFunctions.has(fn)) {
        expect(lake).toContain('packages/lake/src/nrt-views.ts');
        expect(lake.filter((p) => /\/(marketplace\/|seed\.ts$|index\.ts$)/.test(p))).toEqual([]);
      } else if (checkFunctions.has(fn)) {
        expect(lake).toContain('packages/lake/src/lake-checks.ts');
        expect(lake.filter((p) => /\/(marketplace\/|seed\.ts$|index\.ts$|build\.ts$)/.test(p))).toEqual([]);
      } else if (expFunctions.has(fn)) {
        // The experiment analysis renders its bundled queries with the lake's dialect and catalog.
        expect(lake).toContain('packages/lake/src/experiment-queries.ts');
        expect(lake.filter((p) => /\/(marketplace\/|seed\.ts$|index\.ts$|build\.ts$)/.test(p))).toEqual([]);
      } else {
        // The Glue database names (`glueDatabaseName`, no imports of its own) are the one piece of
        // the lake the permission sync needs: the names the stacks gave the databases.
        expect(lake.filter((p) => p !== 'packages/lake/src/glue-databases.ts')).toEqual([]);
      }
      expect(inputs.some((p) => p.includes('@middy/core'))).toBe(true);
    },
  );

  it('bundles the NRT models with the NRT functions: the copied files load every view with the same SQL', async () => {
    // Prepare: the route's files copied at the same relative path, as the stacks' copyFiles do
    const root = join(out, 'nrt-task-root');
    for (const route of table.filter((r) => nrtFunctions.has(r.function)))
      for (const f of route.files ?? []) await cp(join(repoRoot, f), join(root, f), { recursive: true });
    // Act
    const bundled = await loadNrtViews(undefined, { modelsDir: join(root, 'packages/lake/models') });
    const repo = await loadNrtViews();
    // Assess
    const render = (views: typeof repo) =>
      views.map((v) => [
        v.name,
        v.sql('2026-12-01', { hours: ['09'] }),
        v.carryState?.sql('2026-12-01', { hours: ['09'] }),
      ]);
    expect(nrtFunctions).toEqual(new Set(['nrt-refresh', 'nrt-rebuild', 'nrt-complete']));
    expect(bundled.map((v) => v.name)).toEqual([
      'nrt.dispute_queue',
      'nrt.payout_backlog',
      'nrt.recon_gates',
    ]);
    expect(render(bundled)).toEqual(render(repo));
  });

  const routeFunctions = [...new Set(routes.map((r) => r.function))];
  it.each(routeFunctions)(
    "%s carries the validators of its routes' pinned contracts and no other",
    async (fn) => {
      // Prepare
      const pinned = routes
        .filter((r) => r.function === fn)
        .flatMap((r) => pinnedContracts(r).map((p) => `${p.detailType}.v${p.version}`));
      // Act
      const bundle = await bundleFunction(fn, out);
      // Assess
      expect(bundledValidators(bundledInputs(bundle.metafile))).toEqual([...new Set(pinned)].sort());
    },
  );

  it('archive-events, which checks every contract, carries every validator', async () => {
    // Prepare: every contract, from the schema files
    const contracts = (await readdir(join(repoRoot, 'packages/contracts/events')))
      .flatMap((f) => /^(.+\.v\d+)\.schema\.json$/.exec(f)?.[1] ?? [])
      .sort();
    // Act
    const bundle = await bundleFunction('archive-events', out);
    // Assess
    expect(bundledValidators(bundledInputs(bundle.metafile)).filter((v) => v !== 'index')).toEqual(contracts);
  });

  it('console (a function URL, functions/url-functions.ts) carries Athena and DynamoDB, no local-only dependency, no other AWS client and no data generator', async () => {
    // Act
    const bundle = await bundleFunction('console', out);
    // Assess
    expect(localOnlyInputs(bundle.metafile)).toEqual([]);
    const inputs = bundledInputs(bundle.metafile);
    const clients = [...new Set(inputs.flatMap((p) => /@aws-sdk\/(client-[a-z-]+)\//.exec(p)?.[1] ?? []))];
    expect(clients.sort()).toEqual(['client-athena', 'client-dynamodb']);
    expect(inputs.filter((p) => p.startsWith('packages/lake/src/marketplace/'))).toEqual([]);
    expect(inputs).toContain('packages/console/src/handle-console-request.ts');
  });

  it('would catch every validator, DuckDB or the local adapters entering a bundle', async () => {
    // Prepare: an entry (in a temp folder, never in the source tree) that wrongly reaches for all
    // validators and the local adapters.
    const entry = join(out, 'bad-entry.ts');
    await writeFile(
      entry,
      "export { FileOutboxNotifier } from '@lakeops/adapters-local';\nimport 'node:sqlite';\n" +
        "import { validateDetail } from '@lakeops/contracts';\nexport const check = validateDetail;\n",
    );
    // Act
    // (DuckDB's native binding cannot be bundled at all; leave it out to read the rest.)
    const bundle = await bundleAsSst(entry, join(out, 'bad.mjs'), {
      external: ['@duckdb/node-bindings'],
      nodePaths: [join(repoRoot, 'node_modules')],
    });
    // Assess
    const found = localOnlyInputs(bundle.metafile);
    expect(found.some((p) => p.includes('packages/adapters-local/'))).toBe(true);
    expect(found.some((p) => p.includes('node_modules/@duckdb/node-api/'))).toBe(true);
    expect(found).toContain('node:sqlite');
    // every contract's validator + the index
    expect(bundledValidators(bundledInputs(bundle.metafile))).toHaveLength(listSchemas().length + 1);
  });
});
