// The full expectation suite (catalog checks + suite files, every Silver/Silver private/Gold table)
// over a seeded 14-day lake: one partition-scoped run (the newest dt) against a whole-table run,
// alternated in the same process; prints a markdown table.
// Run: node packages/lake/bench/quality.bench.ts [days] [users] [rounds]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine, FsObjectStore } from '@lakeops/adapters-local';
import {
  buildLake,
  loadExpectationSuites,
  runExpectations,
  seedBronze,
  suiteFor,
  tables,
} from '@lakeops/lake';

const days = Number(process.argv[2] ?? 14);
const users = Number(process.argv[3] ?? 5000);
const rounds = Number(process.argv[4] ?? 5);
const end = '2026-11-20';
const home = await mkdtemp(join(tmpdir(), 'lakeops-bench-'));
const root = join(home, 'lake');
try {
  await seedBronze(
    { store: new FsObjectStore({ root }) },
    { days, users, seed: 42, end: new Date(`${end}T23:59:59.999Z`) },
  );
  const engine = await DuckDbQueryEngine.open({ root, tables });
  await buildLake({ engine });
  const suites = await loadExpectationSuites();
  const checked = tables.filter((t) => t.zone !== 'bronze');
  const clock = { now: () => new Date(`${end}T23:59:59Z`) };
  const run = async (dt?: string) => {
    const t0 = performance.now();
    let expectations = 0;
    let checkedValues = 0;
    for (const table of checked) {
      const results = await runExpectations(
        { engine, clock },
        table,
        suiteFor(table, suites),
        dt ? { dt } : {},
      );
      expectations += results.length;
      checkedValues += results.reduce((sum, r) => sum + (r.elementCount ?? 0), 0);
    }
    return { ms: performance.now() - t0, expectations, checkedValues };
  };
  await run(end); // warm-up: views, file metadata
  const times: Record<'partition' | 'whole', number[]> = { partition: [], whole: [] };
  let sizes = {
    partition: { expectations: 0, checkedValues: 0 },
    whole: { expectations: 0, checkedValues: 0 },
  };
  for (let r = 0; r < rounds; r++) {
    const p = await run(end);
    const w = await run();
    times.partition.push(p.ms);
    times.whole.push(w.ms);
    sizes = { partition: p, whole: w };
  }
  await engine.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  console.log(
    `| run (${days}-day lake, ${users} users, median of ${rounds}) | expectations | values checked | ms |`,
  );
  console.log('| --- | ---: | ---: | ---: |');
  for (const kind of ['partition', 'whole'] as const) {
    console.log(
      `| ${kind === 'partition' ? `partition-scoped (dt=${end})` : 'whole table'} | ${sizes[kind].expectations} | ${sizes[kind].checkedValues.toLocaleString('en-US')} | ${median(times[kind]).toFixed(0)} |`,
    );
  }
  console.log(
    `\nwhole-table / partition-scoped: ${(median(times.whole) / median(times.partition)).toFixed(2)}×`,
  );
} finally {
  await rm(home, { recursive: true, force: true });
}
