// DSAR purge cost against the lake's size: a `silver.fact_search_impressions` of ROWS rows
// (default 10 million) over DAYS × CITIES partitions (default 60 × 20), each user living in one
// city and active on 3 days. Purges 1, 10, 100 and 1,000 users and, in the same run, measures a
// plain COPY (engine write of the same partitions, unchanged) and a full rewrite of the table.
// Run: node packages/lake/bench/purge.bench.ts [rows] [days] [cities]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine, FsCatalog, FsObjectStore, SqliteStateStore } from '@lakeops/adapters-local';
import { DeletionQueue, type Partition, purgeDeletedUsers, systemClock } from '@lakeops/core';
import { dsarPurgeIds, factSearchImpressions, purgeSql } from '@lakeops/lake';

const rows = Number(process.argv[2] ?? 10_000_000);
const days = Number(process.argv[3] ?? 60);
const cities = Number(process.argv[4] ?? 20);
const users = Math.max(2000, Math.floor(rows / 20));
const table = factSearchImpressions;
const home = await mkdtemp(join(tmpdir(), 'lakeops-purge-bench-'));
const root = join(home, 'lake');
const engine = await DuckDbQueryEngine.open({ root, tables: [table, dsarPurgeIds] });
const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
const seconds = (t: number) => (performance.now() - t) / 1000;
const uid = (u: number) => `u${String(u).padStart(8, '0')}`;
try {
  // User u lives in city u % cities and is active on days (u*7 + k*11) % days, k = 0..2.
  const t0 = performance.now();
  await engine.writePartitions({
    table,
    sql: `SELECT 'i' || i AS impression_id, 's' || (i // 10) AS search_id,
                 'u' || lpad(CAST(u AS VARCHAR), 8, '0') AS user_id, 'svc' || (i % 5000) AS service_id,
                 CAST(1 + i % 50 AS INTEGER) AS position, i % 7 = 0 AS is_promoted,
                 TIMESTAMP '2026-09-01 00:00:00' + to_days(CAST(d AS INTEGER)) + to_seconds(i % 86400) AS occurred_at,
                 strftime(DATE '2026-09-01' + CAST(d AS INTEGER), '%Y-%m-%d') AS dt,
                 'c' || lpad(CAST(u % ${cities} AS VARCHAR), 2, '0') AS city_id
          FROM (SELECT range AS i, range % ${users} AS u,
                       (((range % ${users}) // ${cities}) * 7 + (range // ${users}) % 3 * 11) % ${days} AS d
                FROM range(${rows}))`,
  });
  const seedS = seconds(t0);
  const files = await new FsObjectStore({ root }).list(`${table.zone}/${table.name}/`);
  const tableBytes = files.reduce((s, f) => s + f.size, 0);
  console.log(
    `lake: ${rows.toLocaleString('en-US')} rows, ${new Set(files.map((f) => f.key.split('/').slice(2, 4).join('/'))).size} partitions in ${files.length} files, ${(tableBytes / 1e6).toFixed(1)} MB (written in ${seedS.toFixed(1)} s)\n`,
  );

  const t1 = performance.now();
  await engine.writePartitions({ table, sql: `SELECT * FROM ${table.zone}.${table.name}` });
  const fullS = seconds(t1);

  const deps = {
    engine,
    catalog: new FsCatalog({ root, tables: [table] }),
    store: new FsObjectStore({ root }),
    state,
    clock: systemClock,
    sql: purgeSql('duckdb'),
    idsTable: dsarPurgeIds,
  };
  const queue = new DeletionQueue({ state, clock: systemClock });
  console.log(
    '| users purged | partitions rewritten | rows removed | purge s | plain COPY of those partitions s | purge / COPY | full rewrite s | purge / full |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  let next = 1;
  for (const n of [1, 10, 100, 1000]) {
    for (let k = 0; k < n; k++, next += 37) {
      const u = next % users;
      await queue.enqueue({
        requestId: `r-${u}`,
        userId: uid(u),
        anonIds: [],
        userHash: `h-${u}`,
        requestedAt: '2026-12-01T00:00:00Z',
        reason: 'admin',
      });
    }
    const plan = await purgeDeletedUsers(deps, { runId: `plan-${n}`, dryRun: true });
    const partitions: Partition[] = plan.tables.flatMap((t) => t.partitions.map((p) => p.partition));
    const t2 = performance.now();
    // The same partition predicate the purge uses (purgeSql): each key IN its values, then the pairs.
    const list = (xs: Iterable<string | undefined>) => [...new Set(xs)].map((x) => `'${x}'`).join(', ');
    const where = `dt IN (${list(partitions.map((p) => p.dt))}) AND city_id IN (${list(partitions.map((p) => p.city_id))}) AND dt || '/' || city_id IN (${list(partitions.map((p) => `${p.dt}/${p.city_id}`))})`;
    await engine.writePartitions({
      table,
      sql: `SELECT * FROM ${table.zone}.${table.name} WHERE ${where}`,
      partitions,
    });
    const copyS = seconds(t2);
    const t3 = performance.now();
    const report = await purgeDeletedUsers(deps, { runId: `run-${n}` });
    const purgeS = seconds(t3);
    if (!report.requests.every((r) => r.verified)) throw new Error('purge not verified');
    console.log(
      `| ${n} | ${partitions.length} | ${report.rowsRemoved.toLocaleString('en-US')} | ${purgeS.toFixed(2)} | ${copyS.toFixed(2)} | ${(purgeS / copyS).toFixed(2)} | ${fullS.toFixed(2)} | ${(purgeS / fullS).toFixed(2)} |`,
    );
  }
} finally {
  state.close();
  await engine.close();
  await rm(home, { recursive: true, force: true });
}
