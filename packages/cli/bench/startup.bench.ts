/**
 * Start-up of the `lakeops` command: wall time of fresh processes, interleaved round by round so
 * every case sees the same machine load, against `node -e 0` measured in the same run.
 * Cases: `lakeops --help` run directly on Node 24 (with Node's compile cache warm, and with it
 * disabled), through `npx`, the same with every command module imported first (what start-up cost before
 * commands were loaded lazily), `lakeops query "select 1"` on a small seeded lake, and
 * `lakeops put-events` of one file (in-process: archive + the function).
 * Run: `node packages/cli/bench/startup.bench.ts`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(cli, '../..');
const bin = join(cli, 'bin/lakeops.js');
const RUNS = Number(process.env.RUNS ?? 15);
const work = mkdtempSync(join(tmpdir(), 'lakeops-startup-bench-'));
const home = join(work, 'home');
const { NODE_COMPILE_CACHE: _ignored, ...inherited } = process.env;
const env = { ...inherited, LAKEOPS_HOME: home };

function run(
  args: readonly string[],
  extraEnv: Record<string, string> = {},
  command = process.execPath,
): number {
  const t0 = performance.now();
  const r = spawnSync(command, args, { env: { ...env, ...extraEnv }, cwd: repo, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

// A small lake to query, seeded once (not timed).
run([bin, 'seed', '--days', '2', '--users', '200', '--end', '2026-11-20']);

// "Before": every command module imported up front, then the same --help.
const eager = join(work, 'eager.mjs');
const modules = readdirSync(join(cli, 'src/commands')).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
writeFileSync(
  eager,
  `${modules.map((m) => `await import(${JSON.stringify(pathToFileURL(join(cli, 'src/commands', m)).href)});`).join('\n')}
const { main } = await import(${JSON.stringify(pathToFileURL(join(cli, 'src/main.ts')).href)});
process.exitCode = await main(['--help']);`,
);

const noCache = { NODE_DISABLE_COMPILE_CACHE: '1' };
const cases: [string, () => number][] = [
  ['node -e 0', () => run(['-e', '0'])],
  ['lakeops --help', () => run([bin, '--help'])],
  ['lakeops --help (compile cache off)', () => run([bin, '--help'], noCache)],
  ['lakeops --help, every command imported (before)', () => run([eager], noCache)],
  ['npx lakeops --help', () => run(['lakeops', '--help'], {}, 'npx')],
  ['lakeops query "select 1"', () => run([bin, 'query', 'select 1'])],
  [
    'lakeops put-events examples/deploy-failed.json',
    () => run([bin, 'put-events', 'examples/deploy-failed.json']),
  ],
];

const samples = new Map<string, number[]>(cases.map(([name]) => [name, []]));
for (const [, once] of cases) once(); // warm the file cache and Node's compile cache
for (let i = 0; i < RUNS; i++) for (const [name, once] of cases) samples.get(name)?.push(once());

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const base = median(samples.get('node -e 0') ?? []);
console.log(`Node ${process.version}, ${RUNS} interleaved runs each, median wall time of a fresh process\n`);
console.log('| command | median ms | × node -e 0 |');
console.log('| --- | ---: | ---: |');
for (const [name] of cases) {
  const m = median(samples.get(name) ?? []);
  console.log(`| \`${name}\` | ${m.toFixed(0)} | ${(m / base).toFixed(1)}× |`);
}
rmSync(work, { recursive: true, force: true });
