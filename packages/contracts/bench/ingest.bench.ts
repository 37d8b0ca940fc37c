/**
 * Throughput of the ingest checks: `ingestEvent` (the local bus, per event), `validateDetail`
 * (the seed, per event) and the PII scan alone, in events per second, for the current code
 * (`src/`) and the implementation before the performance work (a frozen copy in `bench/baseline/`),
 * measured side by side in the same process, rounds interleaved so that machine noise hits both.
 * Deterministic (seeded event mix), about 20 s. Run: `node packages/contracts/bench/ingest.bench.ts`.
 *
 * The mix: every example in `events/*.examples.json` (valid and invalid, so a few percent are
 * rejected and masked) plus seeded marketplace events shaped like the synthetic seed's (fresh ids,
 * times and amounts per event), a quarter of them with extra string fields (user agent, URLs,
 * versions, IPs, trace ids…), 10–20 string fields an event.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '@lakeops/testing';
import * as current from '../src/index.ts';
import * as baselineIngest from './baseline/ingest-event.ts';
import * as baselinePii from './baseline/pii-guard.ts';
import * as baselineValidate from './baseline/validate-detail.ts';

const eventsDir = resolve(dirname(fileURLToPath(import.meta.url)), '../events');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 250);
const MARKETPLACE_EVENTS = 3000;

interface Impl {
  readonly ingestEvent: (raw: unknown) => unknown;
  readonly validateDetail: (detailType: string, detail: unknown) => unknown;
  readonly scanPii: (value: unknown) => unknown;
}
const impls: Record<'before' | 'after', Impl> = {
  before: {
    ingestEvent: baselineIngest.ingestEvent,
    validateDetail: baselineValidate.validateDetail,
    scanPii: (v) => baselinePii.scanPii(v),
  },
  after: {
    ingestEvent: current.ingestEvent,
    validateDetail: current.validateDetail,
    scanPii: (v) => current.scanPii(v),
  },
};

// ---- the event mix -------------------------------------------------------------------------

const random = seededRandom(20261127);
const int = (n: number) => Math.floor(random() * n);
const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join('');
const digits = (n: number) => Array.from({ length: n }, () => String(int(10))).join('');
const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;

interface Example {
  readonly type: string;
  readonly detail: Record<string, unknown>;
}
const valid: Example[] = [];
const invalid: Example[] = [];
for (const file of readdirSync(eventsDir).sort()) {
  const m = /^(.+)\.v\d+\.examples\.json$/.exec(file);
  if (!m?.[1]) continue;
  const examples = JSON.parse(readFileSync(join(eventsDir, file), 'utf8')) as {
    valid: { detail: Record<string, unknown> }[];
    invalid: { detail: Record<string, unknown> }[];
  };
  for (const e of examples.valid) valid.push({ type: m[1], detail: e.detail });
  for (const e of examples.invalid) invalid.push({ type: m[1], detail: e.detail });
}

/** Each detail-type's source, from its schema's `x-source` (the first when it lists several). */
const SOURCES: Record<string, string> = Object.fromEntries(
  current.listSchemas().flatMap((s) => {
    const declared = [(s.schema as { 'x-source'?: unknown })['x-source'] ?? []].flat()[0];
    return typeof declared === 'string' ? [[s.detailType, declared]] : [];
  }),
);
/** Roughly the seed's proportions: impressions dominate. */
const WEIGHTS: [string, number][] = [
  ['search.impression', 50],
  ['search.click', 10],
  ['profile.viewed', 9],
  ['promotion.interaction', 8],
  ['checkout.started', 5],
  ['booking.leg.status_changed', 6],
  ['payment.captured', 3],
  ['promotion.charged', 3],
  ['review.submitted', 2],
  ['user.registered', 1],
  ['refund.issued', 1],
  ['payout.status_changed', 1],
  ['dispute.status_changed', 1],
];
const weightTotal = WEIGHTS.reduce((s, [, w]) => s + w, 0);
function pickType(): string {
  let x = random() * weightTotal;
  for (const [type, w] of WEIGHTS) {
    x -= w;
    if (x < 0) return type;
  }
  return 'search.impression';
}

const T0 = Date.parse('2026-11-01T00:00:00Z');
const isoTime = () => new Date(T0 + int(26 * 86_400_000)).toISOString();

/** A fresh value of the same shape (ids, times, amounts), so that the schema still holds. */
function vary(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? value : Math.round(random() * 20000) / 100;
  if (typeof value !== 'string') return value;
  let m = /^([a-z]+_)([0-9a-f]{12})(.*)$/.exec(value);
  if (m) return `${m[1]}${hex(12)}${m[3]}`;
  m = /^([a-z]+)(\d{5,})$/.exec(value);
  if (m?.[1] && m[2]) return `${m[1]}${digits(m[2].length)}`;
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value)) {
    const t = isoTime();
    return value.includes('.') ? t : t.replace(/\.\d{3}Z$/, 'Z');
  }
  return value;
}

const USER_AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.91 Safari/537.36',
  'okhttp/4.12.0',
  'MarketplaceApp/5.12.3 (Android 14; Pixel 8)',
];
/** Extra fields a producer adds before the schema knows them (reported, not refused). */
function extraFields(): Record<string, string> {
  const n = 6 + int(7);
  const all: [string, () => string][] = [
    ['user_agent', () => pick(USER_AGENTS)],
    ['referrer', () => `https://www.example-market.com/search?q=yoga&page=${1 + int(9)}&sort=price`],
    ['page_url', () => `https://www.example-market.com/s/${hex(8)}/services/${digits(7)}`],
    ['app_version', () => `5.${int(20)}.${int(10)}-${digits(7)}`],
    ['trace_id', () => `1-${hex(8)}-${hex(24)}`],
    ['session_id', () => uuid()],
    ['client_ip', () => `10.${int(256)}.${int(256)}.${int(256)}`],
    ['locale', () => pick(['en-GB', 'es-ES', 'de-DE', 'pt-PT', 'fr-FR'])],
    ['experiment', () => `exp_${digits(4)}:variant_${pick(['a', 'b', 'control'])}`],
    ['received_at', () => isoTime()],
    ['partition', () => `dt=2026-11-${String(1 + int(26)).padStart(2, '0')}/hour=${int(24)}`],
    ['build_sha', () => hex(40)],
    ['lambda_arn', () => `arn:aws:lambda:eu-west-1:${digits(12)}:function:search-api-${int(9)}`],
    ['note', () => pick(['ok', 'retry 2 of 3 after 1500 ms', 'cache miss (tier 2)', 'slow p99 1234.5ms'])],
  ];
  const out: Record<string, string> = {};
  for (const [key, make] of all.slice(0, n)) out[key] = make();
  return out;
}

function envelope(type: string, detail: unknown, source: string): Record<string, unknown> {
  return {
    version: '0',
    id: uuid(),
    'detail-type': type,
    source,
    account: '000000000000',
    time: isoTime().replace(/\.\d{3}Z$/, 'Z'),
    region: 'eu-west-1',
    resources: [],
    detail,
  };
}

const templates = new Map(valid.map((e) => [e.type, e.detail]));
const mix: { type: string; event: Record<string, unknown> }[] = [];
for (let i = 0; i < MARKETPLACE_EVENTS; i++) {
  const type = pickType();
  const template = templates.get(type);
  if (!template) throw new Error(`no valid example for ${type}`);
  const detail: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(template)) detail[k] = vary(v);
  if (random() < 0.25) Object.assign(detail, extraFields());
  mix.push({ type, event: envelope(type, detail, SOURCES[type] ?? 'marketplace') });
}
for (const e of [...valid, ...invalid]) {
  mix.push({ type: e.type, event: envelope(e.type, e.detail, SOURCES[e.type] ?? 'lakeops') });
}
// A fixed shuffle, so that types interleave as on the bus.
for (let i = mix.length - 1; i > 0; i--) {
  const j = int(i + 1);
  [mix[i], mix[j]] = [mix[j] as (typeof mix)[number], mix[i] as (typeof mix)[number]];
}

const stringFields = (v: unknown): number =>
  typeof v === 'string'
    ? 1
    : Array.isArray(v)
      ? v.reduce((s: number, x) => s + stringFields(x), 0)
      : typeof v === 'object' && v !== null
        ? Object.values(v).reduce((s: number, x) => s + stringFields(x), 0)
        : 0;
const rejected = mix.filter(
  (m) => (current.ingestEvent(m.event) as { status: string }).status === 'rejected',
);
const avgStrings = mix.reduce((s, m) => s + stringFields(m.event), 0) / mix.length;

// ---- same answers ----------------------------------------------------------------------------

for (const { type, event } of mix) {
  for (const [name, run] of [
    ['ingestEvent', (i: Impl) => i.ingestEvent(event)],
    ['validateDetail', (i: Impl) => i.validateDetail(type, event.detail)],
    ['scanPii', (i: Impl) => i.scanPii(event)],
  ] as const) {
    const a = JSON.stringify(run(impls.before));
    const b = JSON.stringify(run(impls.after));
    if (a !== b)
      throw new Error(`${name} differs from the baseline on ${JSON.stringify(event)}:\n${a}\n${b}`);
  }
}

// ---- timing ----------------------------------------------------------------------------------

type Scenario = { name: string; pass: (impl: Impl) => void };
let sink = 0;
const scenarios: Scenario[] = [
  {
    name: 'ingestEvent (event object, the bus)',
    pass: (impl) => {
      for (const m of mix) if (impl.ingestEvent(m.event)) sink++;
    },
  },
  {
    name: 'validateDetail (detail, the seed)',
    pass: (impl) => {
      for (const m of mix) if (impl.validateDetail(m.type, m.event.detail)) sink++;
    },
  },
  {
    name: 'scanPii (whole event, PII scan alone)',
    pass: (impl) => {
      for (const m of mix) if (impl.scanPii(m.event)) sink++;
    },
  },
];

/** Events per second over about ROUND_MS of whole passes. */
function round(s: Scenario, impl: Impl): number {
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    s.pass(impl);
    n += mix.length;
    elapsed = performance.now() - start;
  } while (elapsed < ROUND_MS);
  return (n / elapsed) * 1000;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const fmt = (n: number) => `${Math.round(n).toLocaleString('en-GB')}/s`;

console.log(
  `mix: ${mix.length} events (${MARKETPLACE_EVENTS} marketplace-like, ${valid.length + invalid.length} examples), ` +
    `${avgStrings.toFixed(1)} string fields an event, ${rejected.length} rejected by ingestEvent; ` +
    `${ROUNDS} interleaved rounds of ${ROUND_MS} ms; Node ${process.versions.node}`,
);
console.log('before and after give the same result on every event of the mix\n');
const rows: string[][] = [['', 'before (baseline/)', 'after (src/)', 'after ÷ before (median of rounds)']];
for (const s of scenarios) {
  // warm both up
  for (let i = 0; i < 3; i++) {
    s.pass(impls.before);
    s.pass(impls.after);
  }
  const before: number[] = [];
  const after: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
    const got = { before: 0, after: 0 };
    for (const which of order) got[which] = round(s, impls[which]);
    before.push(got.before);
    after.push(got.after);
    ratios.push(got.after / got.before);
  }
  rows.push([s.name, fmt(median(before)), fmt(median(after)), `×${median(ratios).toFixed(2)}`]);
}
const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
for (const r of rows) {
  console.log(
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '),
  );
}
if (sink < 0) console.log(sink);
