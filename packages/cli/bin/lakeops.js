#!/usr/bin/env node
// lakeops runs on Node 24 (type stripping, node:sqlite). `npm run`/`npx` put the project's node@24
// first on PATH; when started some other way on an older Node, re-run on the project's own binary.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, '../../../node_modules/.bin/node'),
    join(process.cwd(), 'node_modules/.bin/node'),
  ];
  const node24 = candidates.find((p) => existsSync(p));
  if (!node24) {
    console.error(`lakeops: needs Node 24 (this is ${process.version}); run it through npx or npm run`);
    process.exit(1);
  }
  const r = spawnSync(node24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}
// Node's compile cache (in the OS temp folder) keeps the compiled and type-stripped modules between
// runs: `lakeops --help` then skips loading the TypeScript stripper at all.
module.enableCompileCache?.();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
