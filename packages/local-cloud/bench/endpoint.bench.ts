// Throughput of the local EventBridge endpoint next to a plain append of the same bytes.
// Run: node packages/local-cloud/bench/endpoint.bench.ts [events] [clients]
// Prints a markdown table. Loopback only; the server runs in a child process, the SDK clients here.
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
const BATCH = 10;
const here = import.meta.dirname;

/** The endpoint in its own process: 20 SDK clients put batches of 10 until EVENTS are acknowledged. */
async function endpointRun(home: string): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, [join(here, '../test/fixtures/bus-child.ts'), home], {
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
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const client = clientFor(url);
      while (next < EVENTS) {
        const start = next;
        next += BATCH;
        await client.send(
          new PutEventsCommand({ Entries: Array.from({ length: BATCH }, (_, i) => wafEntry(start + i)) }),
        );
      }
      client.destroy();
    }),
  );
  const ms = performance.now() - t0;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
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

const endpointHome = await mkdtemp(join(tmpdir(), 'lakeops-bench-endpoint-'));
const busHome = await mkdtemp(join(tmpdir(), 'lakeops-bench-bus-'));
const endpointMs = await endpointRun(endpointHome);
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
    `${EVENTS.toLocaleString('en-US')} events (${mb} MB of NDJSON), ${CLIENTS} concurrent clients, batches of ${BATCH}, node ${process.version}`,
    '',
    '| path | time | events/s |',
    '| --- | ---: | ---: |',
    `| PutEvents over HTTP (SDK clients → endpoint in another process): validated, archived, fsynced, journaled, acknowledged | ${Math.round(endpointMs)} ms | ${rate(endpointMs)} |`,
    `| the same without HTTP (\`bus.put\` in process) | ${Math.round(busMs)} ms | ${rate(busMs)} |`,
    `| plain append of the same bytes to one file (${EVENTS / BATCH} writes, one fsync) | ${Math.round(appendMs)} ms | ${rate(appendMs)} |`,
  ].join('\n'),
);
