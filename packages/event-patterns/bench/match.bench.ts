// Throughput of RuleIndex.match against a naive loop over compiled rules, on a mixed rule set where
// each event matches only a few rules. Run: node packages/event-patterns/bench/match.bench.ts
// Deterministic (seeded PRNG, fixed rule and event sets); bounded (~1.5 s per measurement).

import { seededRandom } from '@lakeops/testing';
import { flattenEvent } from '../src/flatten.ts';
import { type CompiledPattern, compilePattern, RuleIndex } from '../src/index.ts';
import { matchesFlat } from '../src/match.ts';

const SIZES = [10, 100, 1_000, 10_000] as const;
const EVENTS = 2_000;
const ROUNDS = 3;
const ROUND_MS = 400;

/** Rule i of a mixed set: exact values, a prefix, a numeric range, anything-but beside an exact field. */
function rule(i: number): unknown {
  switch (i % 4) {
    case 0:
      return { source: ['shop.orders'], 'detail-type': ['OrderPlaced'], detail: { customerId: [`c-${i}`] } };
    case 1:
      return { source: ['lake.files'], detail: { key: [{ prefix: `raw/tenant-${i}/` }] } };
    case 2:
      return {
        source: ['lake.metrics'],
        detail: { latencyMs: [{ numeric: ['>=', i * 10, '<', i * 10 + 10] }] },
      };
    default:
      return {
        source: ['iam.users'],
        detail: { userId: [`u-${i}`], status: [{ 'anything-but': ['deleted', 'banned'] }] },
      };
  }
}

/** An event aimed at rule i (it may match a few others), with the usual envelope fields. */
function event(i: number, random: () => number): Record<string, unknown> {
  const envelope = {
    version: '0',
    id: `e-${Math.floor(random() * 1e9)}`,
    account: '123456789012',
    region: 'eu-west-1',
    time: '2026-11-27T12:00:00Z',
    resources: [],
  };
  switch (i % 4) {
    case 0:
      return {
        ...envelope,
        source: 'shop.orders',
        'detail-type': 'OrderPlaced',
        detail: { customerId: `c-${i}`, total: 42.5, items: [{ sku: 'a' }, { sku: 'b' }] },
      };
    case 1:
      return {
        ...envelope,
        source: 'lake.files',
        'detail-type': 'Object Created',
        detail: { key: `raw/tenant-${i}/2026/11/27/part-0001.parquet`, size: 1024 },
      };
    case 2:
      return {
        ...envelope,
        source: 'lake.metrics',
        'detail-type': 'Latency',
        detail: { latencyMs: i * 10 + Math.floor(random() * 10), view: 'orders_nrt' },
      };
    default:
      return {
        ...envelope,
        source: 'iam.users',
        'detail-type': 'UserChanged',
        detail: { userId: `u-${i}`, status: random() < 0.2 ? 'deleted' : 'active' },
      };
  }
}

function throughput(
  run: (e: Record<string, unknown>) => unknown,
  events: readonly Record<string, unknown>[],
): number {
  let best = 0;
  for (let r = 0; r < ROUNDS + 1; r++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < ROUND_MS) {
      for (let k = 0; k < 50; k++) run(events[n++ % events.length] as Record<string, unknown>);
      elapsed = performance.now() - start;
    }
    if (r > 0) best = Math.max(best, (n / elapsed) * 1000); // round 0 warms up
  }
  return best;
}

const results: { size: number; index: number; naive: number; matches: number }[] = [];
for (const size of SIZES) {
  const random = seededRandom(size);
  const compiled: [string, CompiledPattern][] = Array.from({ length: size }, (_, i) => [
    `r${i}`,
    compilePattern(rule(i)),
  ]);
  const index = new RuleIndex();
  for (const [id, c] of compiled) index.add(id, c);
  const naive = (e: Record<string, unknown>): string[] => {
    const flat = flattenEvent(e); // flattened once per event, as the index does
    const out: string[] = [];
    for (const [id, c] of compiled) if (matchesFlat(c, flat)) out.push(id);
    return out;
  };
  const events = Array.from({ length: EVENTS }, () => event(Math.floor(random() * size), random));
  let matches = 0;
  for (const e of events.slice(0, 200)) {
    const a = index.match(e);
    const b = naive(e);
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`index and loop disagree at ${size} rules`);
    matches += a.length;
  }
  results.push({
    size,
    index: throughput((e) => index.match(e), events),
    naive: throughput(naive, events),
    matches: matches / 200,
  });
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const at = (size: number) => results.find((r) => r.size === size) ?? { index: Number.NaN, naive: Number.NaN };
console.log(`node ${process.version}, ${EVENTS} events per size, best of ${ROUNDS} × ${ROUND_MS} ms\n`);
console.log('| rules | RuleIndex events/s | naive loop events/s | index / naive | matches per event |');
console.log('|------:|-------------------:|--------------------:|--------------:|------------------:|');
for (const r of results) {
  console.log(
    `| ${fmt(r.size)} | ${fmt(r.index)} | ${fmt(r.naive)} | ${(r.index / r.naive).toFixed(1)}× | ${r.matches.toFixed(2)} |`,
  );
}
const slow = (k: 'index' | 'naive') => (at(10)[k] / at(1_000)[k]).toFixed(2);
console.log(
  `\nSlowdown from 10 to 1,000 rules: RuleIndex ${slow('index')}×, naive loop ${slow('naive')}× (requirement: RuleIndex ≤ 3×)`,
);
