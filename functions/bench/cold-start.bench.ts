/**
 * Cold start of each Lambda function, bundled as SST bundles it, against the same job written by
 * hand the way the Powertools documentation shows it (bench/powertools-baseline.ts: middy, Logger,
 * Metrics, the SQS client, the Slack webhook POST), measured in the same run with samples
 * interleaved: bundle size, and import + first invocation in a fresh Node process. The Slack
 * webhook is a real HTTP server on 127.0.0.1, so both make the same POST.
 * Run with `npm run bench` (or `node functions/bench/cold-start.bench.ts`); BENCH_RUNS samples each.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Bundle, bundleAsSst } from '@lakeops/testing';
import { routes } from '../routes.ts';
import { functionsDir } from './bundle.ts';

const run = promisify(execFile);
const runs = Number(process.env.BENCH_RUNS ?? 15);
const out = await mkdtemp(join(tmpdir(), 'lakeops-bench-'));

// The Slack webhook, on loopback: answers 200 like Slack does.
let posts = 0;
const slack = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    posts++;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
});
await new Promise<void>((resolve) => slack.listen(0, '127.0.0.1', resolve));
const slackUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}/services/T000/B000/bench`;

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

interface Sample {
  readonly importMs: number;
  readonly firstInvokeMs: number;
  /** CPU time (user + system, all threads) of import + first invoke: steadier than wall time on a busy machine. */
  readonly cpuMs: number;
}

/** Import + first invocation of `file`, timed inside a fresh process. */
async function coldStart(file: string, extraEnv: Record<string, string>): Promise<Sample> {
  const probe = `
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const m = await import(${JSON.stringify(file)});
    const t1 = performance.now();
    const ctx = { functionName: 'bench', awsRequestId: 'r1', getRemainingTimeInMillis: () => 10000,
      functionVersion: '1', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:bench', memoryLimitInMB: '256' };
    const r = await m.handler(${JSON.stringify(deployEvent)}, ctx);
    const t2 = performance.now();
    const c = process.cpuUsage(c0);
    if (!r || r.status !== 'processed') throw new Error('unexpected result ' + JSON.stringify(r));
    console.log(JSON.stringify({ importMs: t1 - t0, firstInvokeMs: t2 - t1, cpuMs: (c.user + c.system) / 1000 }));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: functionsDir,
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      LAKEOPS_DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/000000000000/bench',
      SLACK_WEBHOOK_URL: slackUrl,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      ...extraEnv,
    },
  });
  return JSON.parse(stdout) as Sample;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

// As in Lambda with active tracing: the X-Ray SDK sends segments over UDP to a daemon on loopback.
const tracingOn = {
  POWERTOOLS_TRACE_ENABLED: 'true',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
  AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
};

const rows: string[] = [];
const kb = (b: Bundle) =>
  b.totalBytes === b.bytes
    ? `${(b.bytes / 1024).toFixed(0)} KB`
    : `${(b.bytes / 1024).toFixed(0)} KB entry, ${(b.totalBytes / 1024).toFixed(0)} KB in all`;
const fmt = (n: number) => n.toFixed(1);
// As SST bundles by default (one file), and with `nodejs: { splitting: true }` (dynamic imports
// become chunks loaded when reached: the Tracer only when tracing, the SDK's credential providers).
for (const splitting of [false, true]) {
  const how = splitting ? ', splitting' : '';
  const dir = join(out, splitting ? 'split' : 'single');
  const baseline = await bundleAsSst(
    join(functionsDir, 'bench', 'powertools-baseline.ts'),
    join(dir, 'baseline.mjs'),
    {
      splitting,
    },
  );
  const baselineTraced = await bundleAsSst(
    join(functionsDir, 'bench', 'powertools-baseline-traced.ts'),
    join(dir, 'baseline-traced.mjs'),
    { splitting },
  );
  for (const fn of [...new Set(routes.map((r) => r.function))]) {
    const bundle = await bundleAsSst(join(functionsDir, `${fn}.ts`), join(dir, `${fn}.mjs`), { splitting });
    for (const [label, env, reference] of [
      ['tracing off', {}, baseline],
      ['tracing on', tracingOn, baselineTraced],
    ] as const) {
      // Interleaved: reference, function, reference, function, … so drift hits both alike.
      const ref: Sample[] = [];
      const ours: Sample[] = [];
      for (let i = 0; i < runs; i++) {
        ref.push(await coldStart(reference.file, env));
        ours.push(await coldStart(bundle.file, env));
      }
      const part = (xs: Sample[], k: keyof Sample) => fmt(median(xs.map((x) => x[k])));
      const rTotal = median(ref.map((x) => x.importMs + x.firstInvokeMs));
      const oTotal = median(ours.map((x) => x.importMs + x.firstInvokeMs));
      const rCpu = median(ref.map((x) => x.cpuMs));
      const oCpu = median(ours.map((x) => x.cpuMs));
      rows.push(
        `| Powertools docs handler (${label}${how}) | ${kb(reference)} | ${part(ref, 'importMs')} | ${part(ref, 'firstInvokeMs')} | ${fmt(rTotal)} | ${fmt(rCpu)} | 1.00× | 1.00× |`,
        `| ${fn} (${label}${how}) | ${kb(bundle)} | ${part(ours, 'importMs')} | ${part(ours, 'firstInvokeMs')} | ${fmt(oTotal)} | ${fmt(oCpu)} | ${(oTotal / rTotal).toFixed(2)}× | ${(oCpu / rCpu).toFixed(2)}× |`,
      );
    }
  }
}
slack.close();
await rm(out, { recursive: true, force: true });

console.log(
  `Cold start, median of ${runs} fresh processes each (interleaved), Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, ${posts} webhook POSTs served\n`,
);
console.log(
  '| handler | bundle (minified ESM) | import ms | first invoke ms | import + invoke ms | CPU ms | × docs (wall) | × docs (CPU) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
