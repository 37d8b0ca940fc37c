import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DuckDbQueryEngine, FileOutboxNotifier, SqliteStateStore } from '@lakeops/adapters-local';
import { type CommandContext, main } from '@lakeops/cli';
import {
  alertFromEvent,
  detectKpiAnomalies,
  flushAlertGroups,
  type NrtViewRecord,
  nrtRecordKey,
  parseAlertmanagerConfig,
  readNrtViewRecord,
  readQualityRuns,
  recordAlert,
  type StateValue,
} from '@lakeops/core';
import { kpiLakeSql, kpiSeriesOfRows, tables } from '@lakeops/lake';
import { LakeFormationStore } from '@lakeops/local-cloud';
import { repoRoot } from '@lakeops/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The ops console in a real browser (Debian's chromium driven by playwright-core) against
// `lakeops start` on a small seeded lake: numbers checked against direct DuckDB queries and the
// state store, the silence form against the alert router, staleness, keyboard reach, no console
// errors. Screenshots of every page go to test-results/console/ (gitignored) on every run.

const shots = process.env.LAKEOPS_TEST_RESULTS ?? join(repoRoot, 'test-results', 'console');

function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fromEnv;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(p)) return p;
  return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
    encoding: 'utf8',
  }).trim();
}

function context(home: string, controller = new AbortController()) {
  const out = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk, _enc, done) {
        out[key] += String(chunk);
        done();
      },
    });
  const ctx: CommandContext = {
    stdout: sink('stdout'),
    stderr: sink('stderr'),
    env: { LAKEOPS_HOME: home, PATH: process.env.PATH ?? '' },
    cwd: repoRoot,
    signal: controller.signal,
  };
  return { ctx, out, controller };
}

async function lakeops(home: string, ...args: string[]) {
  const { ctx, out } = context(home);
  const code = await main(args, ctx);
  if (code !== 0 && code !== 1) throw new Error(`lakeops ${args.join(' ')}: ${code}\n${out.stderr}`);
  return { code, ...out };
}

async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let home: string;
let base: string;
let stop: () => Promise<void>;
let browser: Browser;
let page: Page;
let engine: DuckDbQueryEngine;
let state: SqliteStateStore;
const consoleErrors: string[] = [];

const num = (v: unknown) => Number(v ?? 0);
const focusable = 'a[href], button, input, select, textarea, summary, [tabindex="0"]';

async function open(path: string, shot?: string): Promise<void> {
  const res = await page.goto(`${base}${path}`);
  expect(res?.status(), path).toBe(200);
  await page.waitForLoadState('load');
  if (shot) await page.screenshot({ path: join(shots, `${shot}.png`), fullPage: true });
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'lakeops-console-'));
  await mkdir(shots, { recursive: true });
  await lakeops(home, 'seed', '--days', '14', '--users', '300', '--seed', '7');
  await lakeops(home, 'nrt', 'refresh');
  await lakeops(home, 'check', '--table', 'gold.kpi_gmv_daily');
  await lakeops(home, 'check', '--table', 'silver.fact_payments');
  const { ctx, out, controller } = context(home);
  const running = main(['start', '--port', '0', '--no-seed'], ctx);
  stop = async () => {
    controller.abort();
    await running;
  };
  await until(() => out.stdout.includes('Ready.'), 'Ready.');
  base = /console\s+(http:\/\/127\.0\.0\.1:\d+)\/console/.exec(out.stdout)?.[1] ?? '';
  expect(base).not.toBe('');
  await lakeops(home, 'perms', 'apply', '--endpoint', base);
  state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
  // One DSAR request through the endpoint, then a purge: one run with one verified request.
  const tombstone = join(home, 'tombstone.json');
  await writeFile(
    tombstone,
    JSON.stringify([
      {
        Source: 'marketplace.accounts',
        DetailType: 'user.tombstoned',
        Detail: JSON.stringify({
          v: 1,
          user_id: 'u_console_1',
          request_id: 'dsar-console-1',
          requested_at: '2026-11-30T08:00:00Z',
          reason: 'user_request',
        }),
      },
    ]),
  );
  await lakeops(home, 'put-events', tombstone, '--endpoint', base);
  for (let i = 0; i < 400 && !(await state.get({ pk: 'dsar#pending', sk: 'dsar-console-1' })); i++)
    await new Promise((r) => setTimeout(r, 25));
  await lakeops(home, 'purge');
  engine = await DuckDbQueryEngine.open({ root: join(home, 'lake'), tables, access: 'read-only' });
  browser = await chromium.launch({ executablePath: chromiumPath() });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  state?.close();
  await engine?.close();
  await stop?.();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('the ops console in a browser', () => {
  it('Ops: every panel shows what a direct query of its NRT view gives, and is fresh', async () => {
    // Act
    await open('/console/ops', 'ops');
    // Assess: against the views as of the instant the page was read (the hour it shows up to)
    const now = new Date((await page.getAttribute('main > p time', 'datetime')) ?? '');
    const day = now.toISOString().slice(0, 10);
    const hour = now.toISOString().slice(11, 13);
    const gates = await engine.query(
      `SELECT city_id, hour, mismatch_amount, gate_passed FROM nrt.recon_gates WHERE dt = '${day}' AND hour <= '${hour}'`,
    );
    const lastHour = gates
      .map((g) => String(g.hour))
      .sort()
      .at(-1);
    const payouts = await engine.query(
      `SELECT age_bucket, sum(payouts) AS n FROM nrt.payout_backlog WHERE dt = '${day}' AND hour = '${lastHour}' GROUP BY age_bucket`,
    );
    const disputes = await engine.query(
      `SELECT age_bucket, sum(disputes) AS n FROM nrt.dispute_queue WHERE dt = '${day}' AND hour = '${lastHour}' GROUP BY age_bucket`,
    );
    const cells = await page.$$eval('#recon-grid td[data-city]', (tds) =>
      tds.map((td) => ({
        key: `${td.getAttribute('data-city')}|${td.getAttribute('data-hour')}`,
        mismatch: Number(td.getAttribute('data-mismatch')),
        passed: td.classList.contains('pass'),
      })),
    );
    expect(cells.length).toBe(gates.length);
    expect(cells.length).toBeGreaterThan(0);
    const byKey = new Map(cells.map((c) => [c.key, c]));
    for (const g of gates) {
      const c = byKey.get(`${g.city_id}|${g.hour}`);
      expect(c?.mismatch).toBeCloseTo(num(g.mismatch_amount), 2);
      expect(c?.passed).toBe(g.gate_passed === true);
    }
    const failedShown = Number(await page.textContent('#recon_gates [data-field="failed"]'));
    expect(failedShown).toBe(gates.filter((g) => g.gate_passed !== true).length);
    for (const [id, rows] of [
      ['payouts-latest', payouts],
      ['disputes-latest', disputes],
    ] as const) {
      const shown = await page.$$eval(`#${id} tbody tr`, (trs) =>
        trs.map((tr) => [
          tr.getAttribute('data-bucket'),
          Number(tr.querySelector('[data-field="count"]')?.textContent),
        ]),
      );
      expect(Object.fromEntries(shown)).toEqual(
        Object.fromEntries(rows.map((r) => [r.age_bucket, num(r.n)])),
      );
    }
    expect(
      await page.$$eval('section[data-view]', (s) => s.map((x) => x.getAttribute('data-level'))),
    ).toEqual(['fresh', 'fresh', 'fresh']);
    expect(await page.locator('.chart canvas').count()).toBe(2);
  });

  it('Ops: a view made stale turns its panel red, past 10 minutes amber, the others stay fresh', async () => {
    // Prepare
    const set = async (view: string, minutesAgo: number) => {
      const record = (await readNrtViewRecord(state, view)) as NrtViewRecord;
      const refreshedAt = new Date(Date.now() - minutesAgo * 60_000).toISOString();
      await state.put(nrtRecordKey(view), { ...record, refreshedAt } as unknown as StateValue);
    };
    await set('nrt.payout_backlog', 20);
    await set('nrt.dispute_queue', 12);
    // Act
    await open('/console/ops', 'ops-stale');
    const levels = await page.$$eval('section[data-view]', (s) =>
      s.map((x) => [x.getAttribute('data-view'), x.getAttribute('data-level')]),
    );
    // Browser-side code as text: the project's TypeScript has no DOM library.
    const colours = (await page.evaluate(
      "[...document.querySelectorAll('section[data-view]')].map((x) => getComputedStyle(x).borderLeftColor)",
    )) as string[];
    await set('nrt.payout_backlog', 0);
    await set('nrt.dispute_queue', 0);
    // Assess
    expect(Object.fromEntries(levels)).toEqual({
      'nrt.recon_gates': 'fresh',
      'nrt.payout_backlog': 'red',
      'nrt.dispute_queue': 'amber',
    });
    expect(colours[1]).toBe('rgb(164, 14, 38)');
    expect(await page.textContent('#payout_backlog .freshness')).toContain('red: over 15 min');
  });

  it('KPIs: each day matches gold.kpi_gmv_daily and the anomalies are the detector’s', async () => {
    // Prepare
    const rows = await engine.query(kpiLakeSql.gmv);
    const series = kpiSeriesOfRows('gmv', rows);
    // Act
    await open('/console/kpis?detector=plan-7d', 'kpis');
    // Assess
    for (const s of series) {
      const section = page.locator(`section[data-metric="gmv"][data-scope="${s.scope}"]`);
      const shown = await section.locator('table.days tbody tr').evaluateAll((trs) =>
        trs.map((tr) => ({
          date: tr.getAttribute('data-date'),
          value: Number(tr.querySelector('[data-field="observed"]')?.getAttribute('data-value')),
          anomaly: tr.getAttribute('data-status') === 'anomaly',
        })),
      );
      const expected = s.points.map((p) => ({ date: p.date, value: 'value' in p ? p.value : Number.NaN }));
      expect(shown.map((d) => d.date)).toEqual(expected.map((d) => d.date));
      for (const [i, d] of shown.entries()) expect(d.value).toBeCloseTo(expected[i]?.value ?? Number.NaN, 2);
      const flagged = detectKpiAnomalies(s, { detector: 'plan-7d' })
        .verdicts.filter((v) => v.status === 'anomaly')
        .map((v) => v.date);
      expect(shown.filter((d) => d.anomaly).map((d) => d.date)).toEqual(flagged);
    }
    expect(series.length).toBeGreaterThan(2);
    expect(await page.locator('.chart canvas').count()).toBe(series.length + 1);
  });

  it('Quality: the latest run per suite, as recorded by lakeops check', async () => {
    // Prepare
    const runs = await readQualityRuns({ state });
    // Act
    await open('/console/quality', 'quality');
    // Assess
    const shown = await page.$$eval('#suites tbody tr', (trs) =>
      trs.map((tr) => ({
        suite: tr.getAttribute('data-suite'),
        expectations: Number(tr.querySelector('[data-field="expectations"]')?.textContent),
        failed: Number(tr.querySelector('[data-field="failed"]')?.textContent),
        warnings: Number(tr.querySelector('[data-field="warnings"]')?.textContent),
      })),
    );
    expect(shown.map((s) => s.suite).sort()).toEqual(['gold.kpi_gmv_daily', 'silver.fact_payments']);
    for (const s of shown) {
      const latest = runs.get(s.suite ?? '')?.[0];
      expect(s).toEqual({
        suite: latest?.suite,
        expectations: latest?.expectations,
        failed: latest?.failed,
        warnings: latest?.warnings,
      });
    }
  });

  it('Alerts: a silence created on the page mutes the next matching alert, and expires from the page', async () => {
    // Prepare
    const config = parseAlertmanagerConfig(
      readFileSync(join(repoRoot, 'examples/alerting/alertmanager.yml'), 'utf8'),
    );
    let at = Date.now();
    const clock = { now: () => new Date(at) };
    const outbox = new FileOutboxNotifier({ file: join(home, 'outbox', 'notifications.jsonl') });
    const failed = (table: string, id: string) =>
      alertFromEvent({
        id,
        'detail-type': 'expectation.failed',
        detail: {
          v: 1,
          run_id: id,
          suite: 'nightly',
          table,
          expectation: 'not null(x)',
          severity: 'warn',
          observed: 3,
          threshold: '0',
        },
      } as Parameters<typeof alertFromEvent>[0]);
    await open('/console/alerts');
    // Act
    await page.getByLabel(/^Matchers/).fill('alertname="expectation.failed"\ntable="silver.fact_payments"');
    await page.getByLabel(/^Comment/).fill('backfill running');
    await page.getByRole('button', { name: 'Create silence' }).click();
    await page.waitForURL(/created=1/);
    await page.screenshot({ path: join(shots, 'alerts-silence-created.png'), fullPage: true });
    await recordAlert({ state, clock }, config, failed('silver.fact_payments', 'a1'));
    await recordAlert({ state, clock }, config, failed('silver.fact_refunds', 'a2'));
    at += 31_000;
    const report = await flushAlertGroups(
      {
        state,
        clock,
        notifiers: { fallback: outbox, slack: outbox, pagerduty: outbox },
        deadLetter: { park: async () => {} },
        sleep: async () => {},
        random: () => 0.5,
        routeId: 'alert-flush',
      },
      config,
    );
    await open('/console/alerts', 'alerts');
    const groupsText = await page.locator('main').textContent();
    const notifications = await page.$$eval('#notifications tbody tr', (trs) =>
      trs.map((tr) => tr.textContent ?? ''),
    );
    await page.getByRole('button', { name: /^Expire silence/ }).click();
    await page.waitForURL(/expired=1/);
    const after = await page.locator('#silences').count();
    // Assess
    expect(report).toMatchObject({ muted: 1, sent: 1 });
    const sent = readFileSync(outbox.file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { title: string; text: string });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.title).toContain('silver.fact_refunds');
    expect(sent[0]?.text).not.toContain('silver.fact_payments');
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toContain('silver.fact_refunds');
    expect(groupsText).toMatch(/Open alerts: 2/);
    expect(groupsText).toMatch(/silver\.fact_payments[^\n]*\(silenced\)/);
    expect(after).toBe(0);
  });

  it('Privacy: DSAR counts from the state store, and the permission preview from the Lake Formation state', async () => {
    // Prepare
    const lf = LakeFormationStore.open(join(home, 'state', 'lakeformation.sqlite'));
    const granted = new Set(
      lf
        .grants()
        .filter(
          (g) =>
            g.principal === 'arn:aws:iam::123456789012:role/lakeops-analyst-lis' &&
            g.permissions.includes('SELECT'),
        )
        .map((g) => ('table' in g.resource ? g.resource.table : '')),
    );
    lf.close();
    // Act
    await open('/console/privacy?principal=analyst-lis', 'privacy');
    // Assess
    expect(Number(await page.textContent('[data-field="pending"]'))).toBe(0);
    expect(Number(await page.textContent('[data-field="completed"]'))).toBe(1);
    const runs = await page.$$eval('#dsar-runs tbody tr', (trs) =>
      trs.map((tr) => [
        tr.querySelector('[data-field="requests"]')?.textContent,
        tr.querySelector('[data-field="verified"]')?.textContent,
      ]),
    );
    expect(runs).toEqual([['1', '1 of 1']]);
    expect(await page.locator('main').textContent()).not.toContain('u_console_1');
    expect(await page.locator('main').textContent()).not.toContain('dsar-console-1');
    const tablesShown = await page.$$eval('#preview tbody tr', (trs) =>
      trs.map((tr) => tr.getAttribute('data-table')),
    );
    expect(granted.size).toBeGreaterThan(0);
    expect(new Set(tablesShown.map((t) => t?.split('.')[1]))).toEqual(granted);
    const legs = page.locator('#preview tr[data-table="silver.fact_booking_legs"] td.cols');
    expect(await legs.textContent()).not.toMatch(/\buser_id\b|\bseller_id\b/);
    expect(await page.locator('main').textContent()).not.toMatch(/\bu\d{4,}/);
  });

  it('Lineage: the graph around a table, whose nodes are links that re-centre it', async () => {
    // Act
    await open('/console/lineage?node=gold.kpi_gmv_daily', 'lineage');
    const upstream = page.locator('section[aria-label="Upstream, 1 step"] a').first();
    const target = (await upstream.textContent()) ?? '';
    await upstream.click();
    await page.waitForLoadState('load');
    // Assess
    expect(target).toBe('silver.fact_booking_legs');
    expect(await page.locator('.lineage-col.centre strong').textContent()).toBe(target);
    expect(await page.locator('section[aria-label="Downstream, 1 step"]').textContent()).toContain(
      'gold.kpi_gmv_daily',
    );
  });

  it('the keyboard reaches every control of every page, and a phone needs no sideways scroll', async () => {
    for (const path of [
      '/console/ops',
      '/console/kpis',
      '/console/quality',
      '/console/alerts',
      '/console/privacy',
      '/console/lineage',
    ]) {
      // Prepare
      await open(path);
      // Every visible control, by its index among the focusable elements, with a short description.
      const visible = (await page.evaluate(
        `[...document.querySelectorAll(${JSON.stringify(focusable)})].map((e, i) => !e.checkVisibility({ visibilityProperty: true }) ? null : [String(i), e.outerHTML.slice(0, 80)]).filter(Boolean)`,
      )) as [string, string][];
      const controls = visible.length;
      // Act
      const reached = new Set<string>();
      await page.locator('body').focus();
      for (let i = 0; i < controls + 5; i++) {
        await page.keyboard.press('Tab');
        reached.add(
          String(
            await page.evaluate(
              `document.activeElement === document.body ? '' : [...document.querySelectorAll(${JSON.stringify(focusable)})].indexOf(document.activeElement)`,
            ),
          ),
        );
      }
      reached.delete('');
      reached.delete('-1');
      // Assess
      expect(
        visible.filter(([i]) => !reached.has(i)).map(([, html]) => html),
        path,
      ).toEqual([]);
      expect(controls).toBeGreaterThan(6);
    }
    await page.setViewportSize({ width: 375, height: 800 });
    for (const path of ['/console/ops', '/console/alerts']) {
      await open(path, `phone-${path.split('/').at(-1)}`);
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), path).toBe(
        true,
      );
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('axe-core finds no WCAG 2.1 A/AA violation (contrast, labels, names, landmarks) on any page', async () => {
    // Prepare: axe is injected as a script, which the console's CSP refuses; this context bypasses it.
    const context = await browser.newContext({ bypassCSP: true });
    const checked = await context.newPage();
    const found: Record<string, string[]> = {};
    // Act
    for (const path of [
      'ops',
      'kpis?detector=plan-7d',
      'quality',
      'alerts',
      'privacy?principal=analyst-lis',
      'lineage',
    ]) {
      await checked.goto(`${base}/console/${path}`);
      await checked.addScriptTag({ path: join(repoRoot, 'node_modules/axe-core/axe.min.js') });
      found[path] = (await checked.evaluate(
        "axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }).then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')))",
      )) as string[];
    }
    await context.close();
    // Assess
    expect(found).toEqual({
      ops: [],
      'kpis?detector=plan-7d': [],
      quality: [],
      alerts: [],
      'privacy?principal=analyst-lis': [],
      lineage: [],
    });
  });

  it('bad input gets a 4xx with a JSON reason, never a stack trace', async () => {
    // Act
    const results = await Promise.all(
      [
        fetch(`${base}/console/api/ops/no_such_view`),
        fetch(`${base}/console/api/silences`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"matchers": ["a=~("], "until": "2099-01-01T00:00:00Z"}',
        }),
        fetch(`${base}/console/api/silences`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"matchers": []',
        }),
        fetch(`${base}/console/api/silences`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            matchers: ['a="b"'],
            until: '2099-01-01T00:00:00Z',
            comment: 'x'.repeat(40_000),
          }),
        }),
        fetch(`${base}/console/api/kpis?detector=magic`),
        fetch(`${base}/console/api/nothing`),
      ].map(async (r) => {
        const res = await r;
        return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
      }),
    );
    // A page of its own: the 404 it loads on purpose is not a console error of the others.
    const other = await browser.newPage();
    const lineage = await other.goto(`${base}/console/lineage?node=gold.nope`);
    const alert = await other.locator('[role="alert"]').textContent();
    await other.close();
    // Assess
    expect(
      results.map((r) => [r.status, (JSON.parse(r.body) as { error: { code: string } }).error.code]),
    ).toEqual([
      [404, 'ViewUnknown'],
      [400, 'SilenceInvalid'],
      [400, 'BodyInvalid'],
      [413, 'BodyTooLarge'],
      [400, 'ParameterInvalid'],
      [404, 'NotFound'],
    ]);
    for (const r of results) {
      expect(r.type).toContain('application/json');
      expect(r.body).not.toMatch(/\n\s+at /);
    }
    expect(lineage?.status()).toBe(404);
    expect(alert).toContain("no table, event, suite or function named 'gold.nope'");
  });

  it('showed no console error on any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
