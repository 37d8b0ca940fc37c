import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InMemoryDeadLetter } from '@lakeops/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { DurableEventBus, EventBridgeEndpoint } from '../src/index.ts';
import { expectedRoutes, loadRules } from './fixtures/load-rules.ts';
import { clientFor, filesUnder, wafEntry } from './helpers.ts';

// Bounded and loopback only: 20 clients put 50,000 events in batches of 10.
const CLIENTS = 20;
const EVENTS = 50_000;
const BATCH = 10;

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

describe('endpoint under load', () => {
  it(`takes ${EVENTS} events from ${CLIENTS} concurrent SDK clients: each id in Bronze exactly once, the right functions ran`, async () => {
    // Prepare
    const home = await mkdtemp(join(tmpdir(), 'lakeops-load-'));
    const delivered = new Map<string, string[]>();
    const bus = await DurableEventBus.open({
      home,
      rules: loadRules,
      concurrency: 32,
      invoke: async (routeId, event) => {
        const id = String(event.id);
        const list = delivered.get(id);
        if (list) list.push(routeId);
        else delivered.set(id, [routeId]);
        return { status: 'processed', result: null };
      },
      deadLetter: new InMemoryDeadLetter(),
    });
    closers.push(() => bus.close());
    const endpoint = await EventBridgeEndpoint.start({ bus, port: 0 });
    closers.push(() => endpoint.close());
    const sentDetail = new Map<string, { action?: unknown; count?: unknown }>();
    let next = 0;
    const client = async () => {
      const sdk = clientFor(endpoint.url);
      try {
        while (next < EVENTS) {
          const start = next;
          next += BATCH;
          const entries = Array.from({ length: BATCH }, (_, i) => wafEntry(start + i));
          const out = await sdk.send(new PutEventsCommand({ Entries: entries }));
          expect(out.FailedEntryCount).toBe(0);
          (out.Entries ?? []).forEach((e, i) => {
            sentDetail.set(e.EventId as string, JSON.parse((entries[i] as { Detail: string }).Detail));
          });
        }
      } finally {
        sdk.destroy();
      }
    };

    // Act
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, client));
    const acked = performance.now();
    await bus.idle();
    const done = performance.now();

    // Assess
    const files = await filesUnder(join(home, 'lake/bronze/events'));
    const bytes = Buffer.concat(await Promise.all(files.map((f) => readFile(f))));
    const ids = bytes
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    expect(sentDetail.size).toBe(EVENTS);
    expect(ids.length).toBe(EVENTS);
    expect(new Set(ids).size).toBe(EVENTS);
    expect(ids.every((id) => sentDetail.has(id))).toBe(true);
    const wrong = [...sentDetail].filter(
      ([id, detail]) => (delivered.get(id) ?? []).sort().join() !== expectedRoutes(detail).sort().join(),
    );
    expect(wrong).toEqual([]);

    // Report (not asserted): the endpoint next to a plain append of the same bytes, same run.
    const plain = await plainAppend(home, bytes, EVENTS / BATCH);
    const rate = (ms: number) => Math.round(EVENTS / (ms / 1000)).toLocaleString('en-US');
    console.info(
      [
        '',
        `| ${EVENTS} events, ${CLIENTS} clients, batches of ${BATCH} | time | events/s |`,
        '| --- | ---: | ---: |',
        `| endpoint: archived + acknowledged | ${Math.round(acked - t0)} ms | ${rate(acked - t0)} |`,
        `| endpoint: all deliveries done | ${Math.round(done - t0)} ms | ${rate(done - t0)} |`,
        `| plain append of the same ${(bytes.byteLength / 1e6).toFixed(1)} MB (${EVENTS / BATCH} writes, 1 fsync) | ${Math.round(plain)} ms | ${rate(plain)} |`,
      ].join('\n'),
    );
  }, 180_000);
});

/** Appends `bytes` to a fresh file in `writes` equal writes, then one fsync; returns ms. */
async function plainAppend(dir: string, bytes: Buffer, writes: number): Promise<number> {
  const file = join(dir, 'plain-append.ndjson');
  const size = Math.ceil(bytes.byteLength / writes);
  const t0 = performance.now();
  const handle = await open(file, 'a');
  for (let at = 0; at < bytes.byteLength; at += size) await handle.write(bytes.subarray(at, at + size));
  await handle.sync();
  await handle.close();
  const ms = performance.now() - t0;
  await rm(file);
  return ms;
}
