// Seeds a 14-day, 5000-user marketplace into a temp lake and builds it; prints a markdown table.
// Run: node packages/adapters-local/bench/lake-seed.bench.ts [days] [users]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
  const engine = await DuckDbQueryEngine.open({ root, tables });
  // Before: the 26 models of the lake before issue 16 (16 Silver, 1 Silver private, 9 Gold),
  // built first in the same run over the same Bronze.
  const t2 = performance.now();
  const before = await buildLake({ engine }, { select: lakeBeforeIssue16 });
  const beforeS = (performance.now() - t2) / 1000;
  const t1 = performance.now();
  const built = await buildLake({ engine });
  const buildS = (performance.now() - t1) / 1000;
  await engine.close();
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
} finally {
  await rm(home, { recursive: true, force: true });
}
