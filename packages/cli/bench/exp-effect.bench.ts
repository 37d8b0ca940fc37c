/**
 * Can `lakeops exp analyze` find the seed's +3 % treatment effect on GMV per user? Only on a lake
 * big enough: this seeds the marketplace with `--exp-effect 0.03` at a given size (16 days, seed
 * 11, as test/integration/lake/exp-analyze.test.ts), builds the models the analysis reads, and
 * runs `exp analyze search-ranking-v3` twice — as declared (sequential, always valid) and with
 * the experiment declared fixed-horizon — then `exp power` for the lake's own per-user GMV.
 * Prints one markdown table row per analysis.
 *
 * Run: `node packages/cli/bench/exp-effect.bench.ts [users] [days] [start-day] [effect] [seed]`
 * (defaults 20,000 users, 16 days, the experiment from day 2, effect 0.03, seed 11; `npm run bench`
 * runs the defaults in about a minute). At 20,000 users the MDE is about 9.5 %, so the estimate is
 * mostly noise: seed 11 gives +12.7 % ("found", by luck), and the same seed with effect 0 (an A/A
 * lake) +9.5 % — an underpowered significant result overstates the effect. The run that finds the
 * +3 % (sized with `exp power`, ~90 % power): `node packages/cli/bench/exp-effect.bench.ts 260000`
 * — 59 M events, ~24 GB of Bronze NDJSON under $TMPDIR, ~25 minutes on 2 cores (README of
 * packages/experiments). KEEP=1 keeps the lake.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine, FsObjectStore } from '@lakeops/adapters-local';
import { buildLake, loadExperimentQueries, seedBronze, tables } from '@lakeops/lake';
import { repoRoot } from '@lakeops/testing';

const users = Number(process.argv[2] ?? 20_000);
const days = Number(process.argv[3] ?? 16);
// the day the experiment starts (default 2: a 14-day experiment after a 2-day pre-period)
const startDay = Number(process.argv[4] ?? 2);
// the injected effect (0 for an A/A lake: the same draws, only the treated amounts differ)
const effect = Number(process.argv[5] ?? 0.03);
const seed = Number(process.argv[6] ?? 11);
const day = '2026-11-20';
const end = new Date(`${day}T23:59:59.999Z`);
const home = await mkdtemp(join(tmpdir(), 'lakeops-exp-bench-'));
const root = join(home, 'lake');
const cli = join(repoRoot, 'packages/cli/bin/lakeops.js');
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(0);

interface Row {
  metric: string;
  variant: string;
  n: number;
  mean: number;
  relative_delta: number | null;
  ci_low: number | null;
  ci_high: number | null;
  p_value: number | null;
  method: string;
  variance_reduction: number | null;
  mde: number | null;
}

function lakeops(...args: string[]): string {
  const run = spawnSync(process.execPath, [cli, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, LAKEOPS_HOME: home },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`lakeops ${args.join(' ')}: exit ${run.status}: ${run.stderr}`);
  return run.stdout;
}

try {
  let started = performance.now();
  const seeded = await seedBronze(
    { store: new FsObjectStore({ root }) },
    {
      days,
      users,
      seed,
      end,
      experimentEffect: effect,
      experimentStartDay: startDay,
      // the generator's events are checked against their contracts by the seed tests; at this
      // size the check would cost a third of the seed
      validate: false,
      progress: (p) => {
        if (p.done % 4 === 0 || p.done === p.total) console.error(`seed ${p.phase} ${p.done}/${p.total}`);
      },
    },
  );
  const seedSeconds = seconds(started);
  started = performance.now();
  const engine = await DuckDbQueryEngine.open({ root, tables });
  try {
    await buildLake(
      { engine },
      {
        // what exp_units.sql reads: exposures, the per-user Gold aggregates and their facts
        select: [
          'silver.dim_exposure',
          'silver.fact_search_impressions',
          'silver.fact_search_clicks',
          'silver.fact_checkouts',
          'silver.fact_booking_legs',
          'silver.fact_refunds',
          'silver.fact_notifications',
          'gold.user_daily_aggregates',
        ],
        progress: (p) => console.error(`build ${p.done}/${p.total} ${p.label ?? ''}`),
      },
    );
  } finally {
    await engine.close();
  }
  const buildSeconds = seconds(started);

  const flags = JSON.parse(await readFile(join(repoRoot, 'examples/experiments.json'), 'utf8'));
  flags.values['search-ranking-v3'].analysis = 'fixed';
  const fixedFile = join(home, 'fixed.json');
  await writeFile(fixedFile, JSON.stringify(flags));
  const analyses: [string, Row[], Record<string, number>][] = [];
  let window = { start: '', preFrom: '', to: day };
  for (const [label, extra] of [
    ['sequential (as declared)', []],
    ['fixed horizon', ['--flags', fixedFile]],
  ] as const) {
    const out = JSON.parse(
      lakeops('exp', 'analyze', 'search-ranking-v3', '--day', day, '--json', ...extra),
    ) as { rows: Row[]; counts: Record<string, number>; window: typeof window };
    analyses.push([label, out.rows, out.counts]);
    window = out.window;
  }

  // exp power from the lake's own per-user GMV (the units query of the analysis)
  const queries = await loadExperimentQueries();
  const reader = await DuckDbQueryEngine.open({ root, tables });
  let stats: { mean: number; sd: number };
  try {
    const units = queries.unitsSql({ expKey: 'search-ranking-v3', ...window });
    const [r] = (await reader.query(
      `SELECT avg(gmv_per_user) AS mean, stddev_samp(gmv_per_user) AS sd FROM (${units}) AS u`,
    )) as { mean: number; sd: number }[];
    stats = { mean: Number(r?.mean), sd: Number(r?.sd) };
  } finally {
    await reader.close();
  }
  const power = JSON.parse(
    lakeops('exp', 'power', '--effect', '0.03', '--mean', String(stats.mean), '--sd', String(stats.sd)),
  ) as { n: { control: number } };

  console.log(
    `\n${users.toLocaleString('en')} users × ${days} days (experiment from ${window.start}): ${seeded.events.toLocaleString('en')} events, seed ${seedSeconds} s, build ${buildSeconds} s; GMV per user mean ${stats.mean.toFixed(2)}, sd ${stats.sd.toFixed(2)} (cv ${(stats.sd / stats.mean).toFixed(2)}); exp power: ${power.n.control.toLocaleString('en')} units per variant for +3 % (fixed, 80 %)\n`,
  );
  console.log(
    '| analysis | units per variant | GMV per user, treatment vs control | 95 % CI | p | MDE (80 %) | CUPED variance reduction | found? |',
  );
  console.log('|---|---:|---:|---|---:|---:|---:|---|');
  for (const [label, rows, counts] of analyses) {
    const t = rows.find((r) => r.metric === 'gmv_per_user' && r.variant === 'treatment');
    const c = rows.find((r) => r.metric === 'gmv_per_user' && r.variant === 'control');
    if (!t || !c) throw new Error(`no gmv_per_user rows in the ${label} analysis`);
    const pct = (x: number | null) =>
      x === null ? '-' : `${x >= 0 ? '+' : ''}${((x / c.mean) * 100).toFixed(2)} %`;
    const found = (t.ci_low ?? 0) > 0 || (t.ci_high ?? 0) < 0;
    console.log(
      `| ${label} | ${Object.values(counts).join(' / ')} | ${pct((t.relative_delta ?? 0) * c.mean)} | [${pct(t.ci_low)}, ${pct(t.ci_high)}] | ${t.p_value?.toPrecision(3)} | ${pct(t.mde).replace('+', '')} | ${((t.variance_reduction ?? 0) * 100).toFixed(1)} % | ${found ? '**yes**' : 'no'} |`,
    );
  }
} finally {
  if (process.env.KEEP) console.error(`kept ${home}`);
  else await rm(home, { recursive: true, force: true });
}
