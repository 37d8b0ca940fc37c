import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleAsSst, localOnlyInputs } from '@lakeops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleFunction, functionsDir } from '../bench/bundle.ts';
import { routes } from '../routes.ts';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'lakeops-bundle-'));
});

describe('AWS bundles (esbuild as SST runs it)', () => {
  // archive-events is no route: the Firehose delivery stream invokes it (stacks/archive.ts).
  const functions = [...new Set(routes.map((r) => r.function)), 'archive-events'];

  it.each(functions)('%s carries no local-only dependency', async (fn) => {
    // Act
    const bundle = await bundleFunction(fn, out);
    // Assess
    expect(localOnlyInputs(bundle.metafile)).toEqual([]);
    expect(Object.keys(bundle.metafile.inputs).some((p) => p.includes('@middy/core'))).toBe(true);
  });

  it('would catch DuckDB or the local adapters entering a bundle', async () => {
    // Prepare: an entry that (wrongly) reaches for the local adapters.
    const entry = join(functionsDir, 'test', '.tmp-bad-entry.ts');
    await writeFile(
      entry,
      `export { FileOutboxNotifier } from '@lakeops/adapters-local';\nimport 'node:sqlite';\n`,
    );
    try {
      // Act
      // (DuckDB's native binding cannot be bundled at all; leave it out to read the rest.)
      const bundle = await bundleAsSst(entry, join(out, 'bad.mjs'), { external: ['@duckdb/node-bindings'] });
      // Assess
      const found = localOnlyInputs(bundle.metafile);
      expect(found.some((p) => p.includes('packages/adapters-local/'))).toBe(true);
      expect(found.some((p) => p.includes('node_modules/@duckdb/node-api/'))).toBe(true);
      expect(found).toContain('node:sqlite');
    } finally {
      const { rm } = await import('node:fs/promises');
      await rm(entry, { force: true });
    }
  });
});
