/**
 * Cold start of each Lambda function, bundled as SST bundles it, next to a bare middy handler
 * measured in the same run: bundle size, and import + first invocation in a fresh Node process.
 * Run with `npm run bench` (or `node functions/bench/cold-start.bench.ts`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleAsSst } from '@lakeops/testing';
import { routes } from '../routes.ts';
import { bundleFunction, functionsDir } from './bundle.ts';

const runs = Number(process.env.BENCH_RUNS ?? 15);
const out = await mkdtemp(join(tmpdir(), 'lakeops-bench-'));

const bare = join(functionsDir, 'bench', 'bare-middy.ts');

const deployEvent = {
  version: '0',
  id: 'bench-1',
  'detail-type': 'deploy.succeeded',
  source: 'marketplace.deploy',
  account: '000000000000',
  time: '2026-11-27T10:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: {
    v: 1,
    service: 'api',
    environment: 'production',
    version: '1.0.0',
    started_at: '2026-11-27T09:58:00Z',
    finished_at: '2026-11-27T10:00:00Z',
  },
};

/** Import + first invocation, timed inside a fresh process (median of `runs`). */
function coldStart(
  file: string,
  extraEnv: Record<string, string> = {},
): { importMs: number; firstInvokeMs: number } {
  const probe = `
    const t0 = performance.now();
    const m = await import(${JSON.stringify(file)});
    const t1 = performance.now();
    const ctx = { functionName: 'bench', awsRequestId: 'r1', getRemainingTimeInMillis: () => 10000,
      functionVersion: '1', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:bench', memoryLimitInMB: '256' };
    const r = await m.handler(${JSON.stringify(deployEvent)}, ctx);
    const t2 = performance.now();
    if (!r || r.status !== 'processed') throw new Error('unexpected result ' + JSON.stringify(r));
    console.log(JSON.stringify({ importMs: t1 - t0, firstInvokeMs: t2 - t1 }));`;
  const samples = Array.from({ length: runs }, () =>
    JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
        cwd: functionsDir,
        env: {
          PATH: process.env.PATH ?? '',
          AWS_REGION: 'eu-west-1',
          LAKEOPS_DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/000000000000/bench',
          POWERTOOLS_LOG_LEVEL: 'SILENT',
          POWERTOOLS_METRICS_DISABLED: 'true',
          POWERTOOLS_TRACE_ENABLED: 'false',
          ...extraEnv,
        },
      }).toString(),
    ),
  ) as { importMs: number; firstInvokeMs: number }[];
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  return {
    importMs: median(samples.map((s) => s.importMs)),
    firstInvokeMs: median(samples.map((s) => s.firstInvokeMs)),
  };
}

const rows: string[] = [];
const baseline = await bundleAsSst(bare, join(out, 'bare.mjs'));
const base = coldStart(baseline.file);
const fmt = (n: number) => n.toFixed(1);
rows.push(
  `| bare middy handler | ${(baseline.bytes / 1024).toFixed(0)} KB | ${fmt(base.importMs)} | ${fmt(base.firstInvokeMs)} | 1.0× |`,
);
// As in Lambda with active tracing: the X-Ray SDK sends segments over UDP to a daemon on loopback.
const tracingOn = {
  POWERTOOLS_TRACE_ENABLED: 'true',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
  AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
};
for (const fn of [...new Set(routes.map((r) => r.function))]) {
  const bundle = await bundleFunction(fn, out);
  for (const [label, env] of [
    ['tracing off', {}],
    ['tracing on', tracingOn],
  ] as const) {
    const t = coldStart(bundle.file, env);
    const ratio = (t.importMs + t.firstInvokeMs) / (base.importMs + base.firstInvokeMs);
    rows.push(
      `| ${fn} (${label}) | ${(bundle.bytes / 1024).toFixed(0)} KB | ${fmt(t.importMs)} | ${fmt(t.firstInvokeMs)} | ${ratio.toFixed(1)}× |`,
    );
  }
}

console.log(
  `Cold start, median of ${runs} fresh processes, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`,
);
console.log(
  '| function | bundle (minified ESM) | import ms | first invoke ms | vs bare middy (import + invoke) |',
);
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
