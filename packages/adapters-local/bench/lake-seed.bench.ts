// Seeds a 14-day, 5000-user marketplace into a temp lake and builds it, first the models of the
// lake before issue 16 and then every model, over the same Bronze; prints a markdown table.
// Run: node packages/adapters-local/bench/lake-seed.bench.ts [days] [users]
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine, FsObjectStore } from '@lakeops/adapters-local';
import { buildLake, seedBronze, tables } from '@lakeops/lake';

const lakeBeforeIssue16 = [
  ...[
    'fact_search_impressions',
    'fact_search_clicks',
    'fact_profile_views',
    'fact_checkouts',
    'fact_booking_legs',
  ],
  ...['fact_payments', 'fact_refunds', 'fact_payouts', 'fact_disputes', 'fact_promotions_events'],
  ...[
    'fact_promotions_spend',
    'fact_reviews',
    'dim_user_public',
    'dim_service_profile',
    'dim_city',
    'dim_campaign',
  ],
]
  .map((t) => `silver.${t}`)
  .concat('silver_private.users_private')
  .concat(
    ['kpi_gmv_daily', 'kpi_take_rate', 'kpi_conversion_funnel', 'kpi_cancellations', 'kpi_refunds']
      .concat(['kpi_disputes', 'kpi_promo_ctr', 'kpi_spend_vs_budget', 'user_daily_aggregates'])
      .map((t) => `gold.${t}`),
  );
const days = Number(process.argv[2] ?? 14);
const users = Number(process.argv[3] ?? 5000);
const home = await mkdtemp(join(tmpdir(), 'lakeops-bench-'));
const root = join(home, 'lake');
try {
  const t0 = performance.now();
  const seeded = await seedBronze(
    { store: new FsObjectStore({ root }) },
    { days, users, seed: 42, end: new Date('2026-11-20T23:59:59.999Z') },
  );
  const seedS = (performance.now() - t0) / 1000;
  // Before: the 26 models of the lake before issue 16 (16 Silver, 1 Silver private, 9 Gold), then
  // every model, over the same Bronze. Each build opens its own engine, so each pays the parse of
  // Bronze NDJSON the engine caches (sharing one engine gave the second build the first's cache).
  const timedBuild = async (select?: readonly string[]) => {
    const engine = await DuckDbQueryEngine.open({ root, tables });
    try {
      const t = performance.now();
      const result = await buildLake({ engine }, select ? { select: [...select] } : {});
      return { result, seconds: (performance.now() - t) / 1000 };
    } finally {
      await engine.close();
    }
  };
  const { result: before, seconds: beforeS } = await timedBuild(lakeBeforeIssue16);
  const { result: built, seconds: buildS } = await timedBuild();
  console.log(`| step | size | seconds | throughput |`);
  console.log(`| --- | --- | ---: | ---: |`);
  console.log(
    `| seed (Bronze NDJSON) | ${seeded.events.toLocaleString('en-US')} events, ${days} days, ${users} users | ${seedS.toFixed(2)} | ${Math.round(seeded.events / seedS).toLocaleString('en-US')} events/s |`,
  );
  console.log(
    `| build, the lake before issue 16 | ${before.models.length} models | ${beforeS.toFixed(2)} | ${Math.round(seeded.events / beforeS).toLocaleString('en-US')} events/s |`,
  );
  console.log(
    `| build (Silver + Gold) | ${built.models.length} models | ${buildS.toFixed(2)} | ${Math.round(seeded.events / buildS).toLocaleString('en-US')} events/s |`,
  );
  // Seed + build, the Done-when comparison of issue 16: the same seed (today's generator) for both.
  console.log(
    `| seed + build, the lake before issue 16 | ${before.models.length} models | ${(seedS + beforeS).toFixed(2)} | |`,
  );
  console.log(
    `| seed + build, the whole lake | ${built.models.length} models | ${(seedS + buildS).toFixed(2)} | |`,
  );
  console.log(
    `\nload average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (1, 5, 15 min) at the end`,
  );
} finally {
  await rm(home, { recursive: true, force: true });
}
