// Seeds a 14-day, 5000-user marketplace into a temp lake and builds it; prints a markdown table.
// Run: node packages/adapters-local/bench/lake-seed.bench.ts [days] [users]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine, FsObjectStore } from '@lakeops/adapters-local';
import { buildLake, seedBronze, tables } from '@lakeops/lake';

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
    `| build (Silver + Gold) | ${built.models.length} models | ${buildS.toFixed(2)} | ${Math.round(seeded.events / buildS).toLocaleString('en-US')} events/s |`,
  );
} finally {
  await rm(home, { recursive: true, force: true });
}
