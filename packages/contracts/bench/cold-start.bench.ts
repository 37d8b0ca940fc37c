/**
 * Cold-start cost of the contracts in a Lambda bundle: esbuild bundles an entry the way SST does
 * (ESM, minified, platform node), then fresh Node processes time `import()` of the bundle plus the
 * first `validateDetail` (and, for comparison, what compiling the same schema with Ajv at run
 * time would cost instead of the standalone validators). Run: `node packages/contracts/bench/cold-start.bench.ts`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleAsSst } from '@lakeops/testing';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(join(tmpdir(), 'lakeops-contracts-bench-'));
const RUNS = 15;

const detail = {
  v: 1,
  service: 'payments-api',
  environment: 'production',
  version: '1.4.2',
  started_at: '2026-11-27T10:00:00Z',
  finished_at: '2026-11-27T10:02:05Z',
  error: 'migration 42 timed out',
};

async function bundle(name: string, source: string): Promise<{ file: string; bytes: number }> {
  const entry = join(out, `${name}.entry.ts`);
  writeFileSync(entry, source);
  const { file, bytes } = await bundleAsSst(entry, join(out, `${name}.mjs`), {
    nodePaths: [join(packageDir, '../../node_modules')],
  });
  return { file, bytes };
}

function time(file: string, call: string): number[] {
  const runner = join(out, 'run.mjs');
  writeFileSync(
    runner,
    `const t0 = performance.now();
const m = await import(${JSON.stringify(file)});
${call}
const t1 = performance.now();
const r2 = performance.now(); ${call} const t2 = performance.now();
console.log(JSON.stringify([t1 - t0, t2 - r2]));`,
  );
  const samples: number[][] = [];
  for (let i = 0; i < RUNS; i++) {
    samples.push(JSON.parse(execFileSync(process.execPath, [runner], { encoding: 'utf8' })) as number[]);
  }
  return [median(samples.map((s) => s[0] ?? 0)), median(samples.map((s) => s[1] ?? 0))];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const aot = await bundle(
  'contracts',
  `export { validateDetail, ingestEvent, normaliseEvent } from ${JSON.stringify(join(packageDir, 'src/index.ts'))};`,
);
const runtime = await bundle(
  'ajv-runtime-compile',
  `import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import schema from ${JSON.stringify(join(packageDir, 'events/deploy.failed.v1.schema.json'))} with { type: 'json' };
export function validateOnce(detail) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema)(detail);
}`,
);

const [aotFirst, aotNext] = time(aot.file, `m.validateDetail('deploy.failed', ${JSON.stringify(detail)});`);
const [rtFirst] = time(runtime.file, `m.validateOnce(${JSON.stringify(detail)});`);
const ms = (n: number) => `${n.toFixed(2)} ms`;
console.log(`node ${process.version}, ${RUNS} fresh processes each, medians`);
console.log('| bundle (esbuild, ESM, minified) | size | import + first validate | next validate |');
console.log('| --- | ---: | ---: | ---: |');
console.log(
  `| contracts: standalone validators, all ${'schemas'} | ${(aot.bytes / 1024).toFixed(1)} KB | ${ms(aotFirst ?? 0)} | ${ms(aotNext ?? 0)} |`,
);
console.log(
  `| for comparison: Ajv compiling one schema at run time | ${(runtime.bytes / 1024).toFixed(1)} KB | ${ms(rtFirst ?? 0)} | |`,
);
rmSync(out, { recursive: true, force: true });
