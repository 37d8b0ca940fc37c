// Throughput of the local EventBridge endpoint next to its "before": a bare HTTP server that only
// appends the same PutEvents bodies and fsyncs per request, driven by the same SDK clients in the
// same run (and, for scale, a plain append of the archived bytes).
// Run: node packages/local-cloud/bench/endpoint.bench.ts [events] [clients] [rounds]
// The bare server and the endpoint take turns, `rounds` times each (default 3), and the table shows
// the median of each: on a shared machine the load changes within a run, and turns share it fairly.
// Prints a markdown table. Loopback only; each server runs in a child process, the SDK clients here.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DurableEventBus } from '../src/index.ts';
import { loadRules } from '../test/fixtures/load-rules.ts';
import { clientFor, filesUnder, wafEntry, wafEvent } from '../test/helpers.ts';

const EVENTS = Number(process.argv[2] ?? 50_000);
const CLIENTS = Number(process.argv[3] ?? 20);
const ROUNDS = Number(process.argv[4] ?? 3);
const BATCH = 10;
const here = import.meta.dirname;

/** Starts `script` in a child process and waits for its `READY <url>` line. */
async function serve(script: string, args: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += String(d);
      const m = /READY (\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return {
    url,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** CLIENTS SDK clients put batches of BATCH until EVENTS are acknowledged; returns the time. */
async function drive(url: string, idPrefix: string): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const client = clientFor(url);
      while (next < EVENTS) {
        const start = next;
        next += BATCH;
        const out = await client.send(
          new PutEventsCommand({ Entries: Array.from({ length: BATCH }, (_, i) => wafEntry(start + i)) }),
        );
        if (out.FailedEntryCount) throw new Error(`${idPrefix}: ${out.FailedEntryCount} entries failed`);
      }
      client.destroy();
    }),
  );
  return performance.now() - t0;
}

/** The endpoint in its own process (validate, archive, fsync, journal, acknowledge). */
async function endpointRun(home: string): Promise<number> {
  const server = await serve(join(here, '../test/fixtures/bus-child.ts'), [home]);
  const ms = await drive(server.url, 'endpoint');
  await server.stop();
  return ms;
}

/** The "before": a bare server appending the same bodies, one fsync per request. */
async function bareRun(dir: string): Promise<number> {
  const server = await serve(join(here, 'bare-append-server.ts'), [join(dir, 'bodies.ndjson')]);
  const ms = await drive(server.url, 'bare');
  await server.stop();
  return ms;
}

/** The same work without HTTP: `bus.put` from 20 concurrent callers in one process. */
async function busRun(home: string): Promise<number> {
  const bus = await DurableEventBus.open({
    home,
    rules: loadRules,
    invoke: async () => ({}),
    deadLetter: { park: async () => {} },
    concurrency: 32,
  });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < EVENTS) {
        const start = next;
        next += BATCH;
        await bus.put(
          Array.from({ length: BATCH }, (_, i) => ({ event: wafEvent(`b-${start + i}`, start + i) })),
        );
      }
    }),
  );
  const ms = performance.now() - t0;
  await bus.idle();
  await bus.close();
  return ms;
}

/** Appends `bytes` to a fresh file in as many writes as there were requests, then one fsync. */
async function plainAppend(dir: string, bytes: Buffer): Promise<number> {
  const file = join(dir, 'plain.ndjson');
  const writes = EVENTS / BATCH;
  const size = Math.ceil(bytes.byteLength / writes);
  const t0 = performance.now();
  const handle = await open(file, 'a');
  for (let at = 0; at < bytes.byteLength; at += size) await handle.write(bytes.subarray(at, at + size));
  await handle.sync();
  await handle.close();
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const bareRuns: number[] = [];
const endpointRuns: number[] = [];
let endpointHome = '';
for (let round = 0; round < ROUNDS; round++) {
  const bareDir = await mkdtemp(join(tmpdir(), 'lakeops-bench-bare-'));
  bareRuns.push(await bareRun(bareDir));
  await rm(bareDir, { recursive: true, force: true });
  if (endpointHome) await rm(endpointHome, { recursive: true, force: true });
  endpointHome = await mkdtemp(join(tmpdir(), 'lakeops-bench-endpoint-'));
  endpointRuns.push(await endpointRun(endpointHome));
}
const bareMs = median(bareRuns);
const endpointMs = median(endpointRuns);
const busHome = await mkdtemp(join(tmpdir(), 'lakeops-bench-bus-'));
const busMs = await busRun(busHome);
const files = await filesUnder(join(endpointHome, 'lake/bronze/events'));
const bytes = Buffer.concat(await Promise.all(files.map((f) => readFile(f))));
const appendMs = await plainAppend(endpointHome, bytes);
await rm(endpointHome, { recursive: true, force: true });
await rm(busHome, { recursive: true, force: true });

const rate = (ms: number) => Math.round(EVENTS / (ms / 1000)).toLocaleString('en-US');
const mb = (bytes.byteLength / 1e6).toFixed(1);
console.log(
  [
    `${EVENTS.toLocaleString('en-US')} events (${mb} MB of NDJSON), ${CLIENTS} concurrent clients, batches of ${BATCH}, node ${process.version}; bare server and endpoint in turns, median of ${ROUNDS} runs each (bare ${bareRuns.map(Math.round).join('/')} ms, endpoint ${endpointRuns.map(Math.round).join('/')} ms)`,
    '',
    '| path | time | events/s |',
    '| --- | ---: | ---: |',
    `| before: bare HTTP server, same SDK clients, appends each PutEvents body + fsync per request | ${Math.round(bareMs)} ms | ${rate(bareMs)} |`,
    `| PutEvents over HTTP (SDK clients → endpoint in another process): validated, archived, fsynced, journaled, acknowledged | ${Math.round(endpointMs)} ms | ${rate(endpointMs)} |`,
    `| the same without HTTP (\`bus.put\` in process) | ${Math.round(busMs)} ms | ${rate(busMs)} |`,
    `| plain append of the same bytes to one file (${EVENTS / BATCH} writes, one fsync) | ${Math.round(appendMs)} ms | ${rate(appendMs)} |`,
    '',
    `endpoint / bare server: ${(bareMs / endpointMs).toFixed(2)}× the bare server's throughput (medians; per round ${bareRuns.map((b, i) => (b / (endpointRuns[i] as number)).toFixed(2)).join(', ')})`,
  ].join('\n'),
);
