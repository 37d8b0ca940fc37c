/**
 * The ops console's Ops page, first load in a real browser (Debian's chromium driven by
 * playwright-core) against `lakeops start` on the 14-day demo lake (`lakeops seed` defaults: 14
 * days, 5000 users, seed 42): the first load after start (DuckDB opened on it), then warm loads,
 * as the browser's Navigation Timing reports them (request to the load event: HTML, uPlot, the
 * console's script and charts drawn). In the same run, the "before": the same three panels
 * computed from raw Bronze by the NRT views' own SQL, which is what a console would pay without
 * the materialized NRT Parquet. Goal: first load < 1 s.
 * Run: `node packages/cli/bench/console.bench.ts` (CHROMIUM_PATH to point at another chromium).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DuckDbQueryEngine } from '@lakeops/adapters-local';
import { loadNrtViews, tables } from '@lakeops/lake';
import { chromium } from 'playwright-core';
import type { CommandContext } from '../src/command.ts';
import { ensureDemoLake } from '../src/lake.ts';
import { main } from '../src/main.ts';

const RUNS = Number(process.env.RUNS ?? 10);
const home = mkdtempSync(join(tmpdir(), 'lakeops-console-bench-'));
const stdout = { text: '' };
const controller = new AbortController();
const ctx: CommandContext = {
  stdout: new Writable({
    write(chunk, _e, done) {
      stdout.text += String(chunk);
      done();
    },
  }),
  stderr: new Writable({ write: (_c, _e, done) => done() }),
  env: { LAKEOPS_HOME: home },
  cwd: process.cwd(),
  signal: controller.signal,
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

try {
  let t0 = performance.now();
  await ensureDemoLake({ home });
  console.log(
    `demo lake (14 days, 5000 users) seeded and built in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  await main(['nrt', 'refresh'], { ...ctx, stdout: new Writable({ write: (_c, _e, d) => d() }) });

  // Before: the panels from raw Bronze, with the views' own SQL (what the NRT Parquet saves).
  const engine = await DuckDbQueryEngine.open({ root: join(home, 'lake'), tables, access: 'read-only' });
  const day = new Date().toISOString().slice(0, 10);
  const fromBronze: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 5); i++) {
    t0 = performance.now();
    // Every hour of today, the carry-over state from all history first (what a rebuild computes).
    const scope = { hours: Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')) };
    for (const view of await loadNrtViews()) {
      if (view.carryState) await engine.query(view.carryState.sql(day, scope));
      await engine.query(view.sql(day, scope));
    }
    fromBronze.push(performance.now() - t0);
  }
  await engine.close();

  const running = main(['start', '--port', '0', '--no-seed'], ctx);
  while (!stdout.text.includes('Ready.')) await new Promise((r) => setTimeout(r, 20));
  const base = /console\s+(http:\/\/127\.0\.0\.1:\d+)\/console/.exec(stdout.text)?.[1] ?? '';
  const executablePath =
    process.env.CHROMIUM_PATH ??
    ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  const browser = await chromium.launch(executablePath ? { executablePath } : {});
  // The browser's own first page (process start-up) is not the console's: one blank page first.
  const blank = await browser.newContext();
  await (await blank.newPage()).goto('about:blank');
  await blank.close();
  const loads: number[] = [];
  const served: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    // A new context per load: nothing cached, as a first visit.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/console/ops`, { waitUntil: 'load' });
    const timing = (await page.evaluate(
      "(() => { const n = performance.getEntriesByType('navigation')[0]; return { load: n.loadEventEnd, html: n.responseEnd - n.requestStart }; })()",
    )) as { load: number; html: number };
    loads.push(timing.load);
    served.push(timing.html);
    await context.close();
  }
  await browser.close();
  controller.abort();
  await running;

  const [first, ...warm] = loads;
  const [firstServed, ...warmServed] = served;
  console.log(
    `Ops page, first load after start : ${first?.toFixed(0)} ms (goal < 1000 ms); its HTML served in ${firstServed?.toFixed(0)} ms`,
  );
  console.log(`Ops page HTML served (server work): median ${median(warmServed).toFixed(0)} ms`);
  console.log(
    `Ops page, later first visits     : median ${median(warm).toFixed(0)} ms, max ${Math.max(...warm).toFixed(0)} ms (${warm.length} runs)`,
  );
  console.log(
    `before: the 3 panels from Bronze  : median ${median(fromBronze).toFixed(0)} ms of SQL alone (${fromBronze.length} runs)`,
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}
