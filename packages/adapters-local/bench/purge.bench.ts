// DSAR purge cost against the lake's size: a `silver.fact_search_impressions` of ROWS rows
// (default 10 million) over DAYS × CITIES partitions (default 60 × 20), each user living in one
// city and active on 3 days. Purges 1, 10, 100 and 1,000 users and, in the same run, measures a
// plain COPY (engine write of the same partitions, unchanged; through the table's view as a model
// would, and reading just their folders) and a full rewrite of the table. The engine keeps
// membership sidecars (a key is given), which the purge's find step prunes partitions with.
// Run: node packages/adapters-local/bench/purge.bench.ts [rows] [days] [cities] [--no-index]
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine, FsCatalog, FsObjectStore, SqliteStateStore } from '@lakeops/adapters-local';
import { DeletionQueue, type Partition, purgeDeletedUsers, systemClock } from '@lakeops/core';
import { dsarPurgeIds, factSearchImpressions, purgeSql } from '@lakeops/lake';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const rows = Number(args[0] ?? 10_000_000);
const days = Number(args[1] ?? 60);
const cities = Number(args[2] ?? 20);
const users = Math.max(2000, Math.floor(rows / 20));
const table = factSearchImpressions;
const home = await mkdtemp(join(tmpdir(), 'lakeops-purge-bench-'));
const root = join(home, 'lake');
// The membership key turns on the sidecars the purge's find step prunes partitions with.
// `--no-index` measures without them (the find step reads the whole table), for a before/after.
const indexed = !process.argv.includes('--no-index');
const engine = await DuckDbQueryEngine.open({
  root,
  tables: [table, dsarPurgeIds],
  ...(indexed ? { membershipKey: randomBytes(32) } : {}),
});
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
    `lake: ${rows.toLocaleString('en-US')} rows${indexed ? ', membership sidecars' : ', no index (--no-index)'}, ${new Set(files.map((f) => f.key.split('/').slice(2, 4).join('/'))).size} partitions in ${files.length} files, ${(tableBytes / 1e6).toFixed(1)} MB (written in ${seedS.toFixed(1)} s)\n`,
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
    '| users purged | partitions rewritten | rows removed | purge s | plain COPY of those partitions s | purge / COPY | full rewrite s | purge / full | COPY reading their folders directly s | purge / direct COPY |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const median = (xs: readonly number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
  };
  const timed = async (work: () => Promise<unknown>) => {
    const t = performance.now();
    await work();
    return seconds(t);
  };
  let next = 1;
  for (const n of [1, 10, 100, 1000]) {
    // Small purges are short and the machine is shared: several rounds (other users each time),
    // each COPY measured before and after its purge (A B A order), medians reported.
    const rounds = n === 1 ? 5 : n === 10 ? 3 : 1;
    const purges: number[] = [];
    const copies: number[] = [];
    const directs: number[] = [];
    const ratios: number[] = [];
    const directRatios: number[] = [];
    let partitions: Partition[] = [];
    let removed = 0;
    for (let round = 0; round < rounds; round++) {
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
      const plan = await purgeDeletedUsers(deps, { runId: `plan-${n}-${round}`, dryRun: true });
      partitions = plan.tables.flatMap((t) => t.partitions.map((p) => p.partition));
      // The same partition predicate the purge uses (purgeSql): each key IN its values, then the pairs.
      const list = (xs: Iterable<string | undefined>) => [...new Set(xs)].map((x) => `'${x}'`).join(', ');
      const where = `dt IN (${list(partitions.map((p) => p.dt))}) AND city_id IN (${list(partitions.map((p) => p.city_id))}) AND dt || '/' || city_id IN (${list(partitions.map((p) => `${p.dt}/${p.city_id}`))})`;
      const copy = () =>
        timed(() =>
          engine.writePartitions({
            table,
            sql: `SELECT * FROM ${table.zone}.${table.name} WHERE ${where}`,
            partitions,
          }),
        );
      // The same COPY reading only those partitions' folders (as the purge's find and rewrite do).
      const folders = partitions.map(
        (p) => `'${join(root, table.zone, table.name, `dt=${p.dt}`, `city_id=${p.city_id}`)}/*.parquet'`,
      );
      const direct = () =>
        timed(() =>
          engine.writePartitions({
            table,
            sql: `SELECT * FROM read_parquet([${folders.join(', ')}], hive_partitioning = true, hive_types = {'dt': 'VARCHAR', 'city_id': 'VARCHAR'})`,
            partitions,
          }),
        );
      const copyBefore = await copy();
      const directBefore = await direct();
      const t3 = performance.now();
      const report = await purgeDeletedUsers(deps, { runId: `run-${n}-${round}` });
      const purgeS = seconds(t3);
      if (!report.requests.every((r) => r.verified)) throw new Error('purge not verified');
      removed = report.rowsRemoved;
      const directAfter = rounds > 1 ? await direct() : directBefore;
      const copyAfter = rounds > 1 ? await copy() : copyBefore;
      purges.push(purgeS);
      copies.push((copyBefore + copyAfter) / 2);
      directs.push((directBefore + directAfter) / 2);
      ratios.push(purgeS / ((copyBefore + copyAfter) / 2));
      directRatios.push(purgeS / ((directBefore + directAfter) / 2));
    }
    const purgeS = median(purges);
    console.log(
      `| ${n} | ${partitions.length} | ${removed.toLocaleString('en-US')} | ${purgeS.toFixed(2)} | ${median(copies).toFixed(2)} | ${median(ratios).toFixed(2)} | ${fullS.toFixed(2)} | ${(purgeS / fullS).toFixed(2)} | ${median(directs).toFixed(2)} | ${median(directRatios).toFixed(2)} |`,
    );
  }
} finally {
  state.close();
  await engine.close();
  await rm(home, { recursive: true, force: true });
}
