import type { Silence } from '@lakeops/core';
import type { AlertGroupView } from './alerts-data.ts';
import type { SentNotification, TablePreview } from './console-deps.ts';
import { esc, fmt, lagText, layout } from './html.ts';
import type { KpiChart } from './kpi-data.ts';
import type { LineageAround } from './lineage-data.ts';
import {
  ageBuckets,
  type BucketCount,
  type Freshness,
  freshnessThresholds,
  type OpsPanel,
} from './ops-data.ts';
import type { DsarRunCounts } from './privacy-data.ts';
import type { SuiteQuality } from './quality-data.ts';

const levelText = { fresh: 'fresh', amber: 'amber: over 10 min', red: 'red: over 15 min' } as const;

function freshnessLine(f: Freshness): string {
  const why =
    f.refreshedAt === null
      ? 'red: never refreshed'
      : f.stale
        ? 'red: staleness alarm on'
        : levelText[f.level];
  return `<p class="freshness" data-level="${f.level}"><span class="badge">${esc(f.level === 'fresh' ? 'Fresh' : f.level === 'amber' ? 'Amber' : 'Red')}</span>
 Lag <strong data-lag-seconds="${f.lagSeconds ?? ''}">${esc(lagText(f.lagSeconds))}</strong> (${esc(why)})${f.refreshedAt ? ` · current at <time datetime="${esc(f.refreshedAt)}">${esc(f.refreshedAt)}</time>` : ''}${f.watermark ? ` · newest event <time datetime="${esc(f.watermark)}">${esc(f.watermark)}</time>` : ''}${f.lastError ? ` · last error: ${esc(f.lastError)}` : ''}</p>`;
}

const panelTitles = {
  recon_gates: 'Recon gates: payments captured vs legs confirmed, per hour and city',
  payout_backlog: 'Payout backlog by age (should drain)',
  dispute_queue: 'Dispute queue by status and age',
} as const;

function bucketSeries(buckets: readonly BucketCount[], hours: readonly string[]) {
  return ageBuckets.map((b) => ({
    label: b,
    values: hours.map((h) =>
      buckets.filter((x) => x.hour === h && x.ageBucket === b).reduce((s, x) => s + x.count, 0),
    ),
  }));
}

function bucketTable(
  id: string,
  caption: string,
  buckets: readonly BucketCount[],
  hours: readonly string[],
): string {
  const series = bucketSeries(buckets, hours);
  const head = ageBuckets.map((b) => `<th scope="col">${esc(b)}</th>`).join('');
  const rows = hours
    .map(
      (h, i) =>
        `<tr><th scope="row">${esc(h)}:00</th>${series.map((s) => `<td data-bucket="${esc(s.label)}">${s.values[i] ?? 0}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<details><summary>${esc(caption)}</summary><div class="scroll" tabindex="0" role="region" aria-label="${esc(caption)}"><table id="${esc(id)}"><caption>${esc(caption)}</caption><thead><tr><th scope="col">hour (UTC)</th>${head}</tr></thead><tbody>${rows}</tbody></table></div></details>`;
}

function latestTable(
  id: string,
  caption: string,
  buckets: readonly BucketCount[],
  hour: string | undefined,
  withStatus: boolean,
): string {
  const latest = buckets.filter((b) => b.hour === hour);
  const rows = latest
    .map(
      (b) =>
        `<tr${withStatus ? ` data-status="${esc(b.status)}"` : ''} data-bucket="${esc(b.ageBucket)}">${withStatus ? `<td>${esc(b.status)}</td>` : ''}<th scope="row">${esc(b.ageBucket)}</th><td class="num" data-field="count">${b.count}</td><td class="num" data-field="amount">${fmt(b.amount)}</td></tr>`,
    )
    .join('');
  const total = latest.reduce((s, b) => s + b.count, 0);
  return `<table id="${esc(id)}"><caption>${esc(caption)}${hour === undefined ? '' : ` (as of the end of ${esc(hour)}:00 UTC)`}: <span data-field="total">${total}</span> open</caption><thead><tr>${withStatus ? '<th scope="col">status</th>' : ''}<th scope="col">age</th><th scope="col">count</th><th scope="col">amount</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function panelBody(p: OpsPanel, charts: Record<string, unknown>): string {
  if (p.day === null)
    return '<p>This view has not been refreshed yet: <code>lakeops nrt refresh</code> or the nrt-refresh schedule writes it.</p>';
  if (p.hours.length === 0) return `<p>No rows for ${esc(p.day)} yet.</p>`;
  const lastHour = p.hours.at(-1);
  if (p.kind === 'recon_gates') {
    const cities = [...new Set(p.gates.map((g) => g.city))].sort();
    const head = p.hours.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
    const rows = cities
      .map((c) => {
        const cells = p.hours
          .map((h) => {
            const g = p.gates.find((x) => x.city === c && x.hour === h);
            if (!g) return '<td>–</td>';
            return `<td class="${g.passed ? 'pass' : 'fail'}" data-city="${esc(c)}" data-hour="${esc(h)}" data-mismatch="${g.mismatch}"><span class="sr-only">${g.passed ? 'pass' : 'fail'}, mismatch </span><span aria-hidden="true">${g.passed ? '✓' : '✗'}</span> ${fmt(g.mismatch)}</td>`;
          })
          .join('');
        return `<tr><th scope="row">${esc(c)}</th>${cells}</tr>`;
      })
      .join('');
    return `<p class="summary"><strong data-field="failed">${p.failed}</strong> of <strong data-field="gates">${p.gates.length}</strong> gates failed on ${esc(p.day)} (a gate fails when payments captured and legs confirmed differ by more than 1 %); cells show the mismatch amount.</p>
<div class="scroll" tabindex="0" role="region" aria-label="Recon gates by city and hour"><table id="recon-grid"><caption>Gate and mismatch per city (rows) and hour UTC (columns)</caption><thead><tr><th scope="col">city</th>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
  }
  const id = p.kind === 'payout_backlog' ? 'payouts' : 'disputes';
  charts[id] = {
    title: p.kind === 'payout_backlog' ? 'Payouts waiting, by age' : 'Open disputes, by age',
    x: p.hours.map((h) => Number(h)),
    xLabel: 'hour (UTC)',
    series: bucketSeries(p.buckets, p.hours),
  };
  return `<div class="chart" data-chart="${id}" role="img" aria-label="${esc(p.kind === 'payout_backlog' ? 'Chart of payouts waiting by age bucket per hour; the table below has the numbers' : 'Chart of open disputes by age bucket per hour; the table below has the numbers')}"></div>
${latestTable(`${id}-latest`, p.kind === 'payout_backlog' ? 'Payouts waiting' : 'Disputes open', p.buckets, lastHour, p.kind === 'dispute_queue')}
${bucketTable(`${id}-by-hour`, 'Counts by hour and age', p.buckets, p.hours)}`;
}

export function opsPage(data: { now: string; panels: readonly OpsPanel[] }): string {
  const charts: Record<string, unknown> = {};
  const sections = data.panels
    .map(
      (
        p,
      ) => `<section class="panel" id="${esc(p.view.replace('nrt.', ''))}" data-view="${esc(p.view)}" data-level="${p.freshness.level}" aria-labelledby="h-${esc(p.kind)}">
<h2 id="h-${esc(p.kind)}">${esc(panelTitles[p.kind])} <code>${esc(p.view)}</code></h2>
${freshnessLine(p.freshness)}
${panelBody(p, charts)}
</section>`,
    )
    .join('\n');
  return layout(
    'ops',
    `<p>Read from the materialized NRT views only, at <time datetime="${esc(data.now)}">${esc(data.now)}</time>. A panel turns amber past ${freshnessThresholds.amberSeconds / 60} minutes without a current refresh, red past ${freshnessThresholds.redSeconds / 60}. <a href="/console/ops">Reload</a></p>
<div class="panels">${sections}</div>`,
    { charts },
  );
}

export function kpisPage(data: { detector: string; charts: readonly KpiChart[] }): string {
  const charts: Record<string, unknown> = {};
  const options = ['robust', 'plan-7d']
    .map((d) => `<option value="${d}"${d === data.detector ? ' selected' : ''}>${d}</option>`)
    .join('');
  const sections = data.charts
    .map((c, i) => {
      const id = `kpi-${i}`;
      const name = `${c.metric === 'gmv' ? 'GMV' : 'CTR'} — ${c.scope === 'all' ? 'all cities' : c.scope}`;
      const pct = c.metric === 'ctr';
      const v = (n: number | null) => (n === null ? '–' : pct ? `${(n * 100).toFixed(2)} %` : fmt(n));
      charts[id] = {
        title: name,
        kind: 'kpi',
        percent: pct,
        x: c.days.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000),
        time: true,
        observed: c.days.map((d) => d.observed),
        lower: c.days.map((d) => d.lower),
        upper: c.days.map((d) => d.upper),
        baseline: c.days.map((d) => d.baseline),
        anomaly: c.days.map((d) => (d.status === 'anomaly' ? d.observed : null)),
      };
      const rows = c.days
        .map(
          (d) =>
            `<tr data-date="${esc(d.date)}" data-status="${d.status}"${d.status === 'anomaly' ? ' class="anomaly"' : ''}><th scope="row">${esc(d.date)}</th><td class="num" data-field="observed" data-value="${d.observed ?? ''}">${v(d.observed)}</td><td class="num">${v(d.baseline)}</td><td class="num">${d.lower === null ? '–' : `${v(d.lower)} – ${v(d.upper)}`}</td><td>${d.status === 'anomaly' ? `<strong>anomaly (${esc(d.severity)})</strong>` : esc(d.status)}</td></tr>`,
        )
        .join('');
      const judged = c.days.filter((d) => d.status !== 'skipped').length;
      return `<section class="panel" data-metric="${c.metric}" data-scope="${esc(c.scope)}" aria-labelledby="h-${id}">
<h2 id="h-${id}">${esc(name)}</h2>
<p class="summary"><strong data-field="anomalies">${c.anomalies}</strong> anomalies in ${c.days.length} days (${judged} judged by ${esc(data.detector)}; the others lack history or volume).</p>
<div class="chart" data-chart="${id}" role="img" aria-label="${esc(`Daily ${name} with the detector's band and anomalies marked; the table below has the numbers`)}"></div>
<details><summary>Daily values</summary><div class="scroll" tabindex="0" role="region" aria-label="${esc(name)} by day"><table class="days"><caption>${esc(name)} by day</caption><thead><tr><th scope="col">day</th><th scope="col">observed</th><th scope="col">baseline</th><th scope="col">band</th><th scope="col">verdict</th></tr></thead><tbody>${rows}</tbody></table></div></details>
</section>`;
    })
    .join('\n');
  return layout(
    'kpis',
    `<form method="get" action="/console/kpis" class="inline"><label for="detector">Detector</label> <select id="detector" name="detector">${options}</select> <button type="submit">Show</button></form>
<p>Daily GMV per city and in total (<code>gold.kpi_gmv_daily</code>), CTR in total (<code>gold.kpi_promo_ctr</code> has no city), judged as <code>lakeops kpi detect</code> judges them; the shaded band is the detector's normal range.</p>
<div class="panels">${sections || '<p>No KPI rows in Gold yet.</p>'}</div>`,
    { charts },
  );
}

export function qualityPage(data: { suites: readonly SuiteQuality[] }): string {
  const charts: Record<string, unknown> = {};
  if (data.suites.length === 0)
    return layout(
      'quality',
      '<p>No quality run recorded yet: <code>lakeops check</code> records one per suite.</p>',
    );
  const rows = data.suites
    .map((s, i) => {
      const id = `q-${i}`;
      charts[id] = {
        title: `${s.suite}: failed expectations per run`,
        kind: 'spark',
        x: s.history.map((h) => Date.parse(h.finishedAt) / 1000),
        time: true,
        series: [{ label: 'failed', values: s.history.map((h) => h.failed) }],
      };
      const l = s.latest;
      return `<tr data-suite="${esc(s.suite)}" data-status="${l.status}"><th scope="row">${esc(s.suite)}</th><td>${l.status === 'failed' ? '<strong>failed</strong>' : 'passed'}</td><td><time datetime="${esc(l.finishedAt)}">${esc(l.finishedAt)}</time></td><td class="num" data-field="expectations">${l.expectations}</td><td class="num" data-field="failed">${l.failed}</td><td class="num" data-field="warnings">${l.warnings}</td><td><div class="spark" data-chart="${id}" role="img" aria-label="${esc(`failed per run, last ${s.history.length} runs: ${s.history.map((h) => h.failed).join(', ')}`)}"></div></td></tr>`;
    })
    .join('');
  const failures = data.suites
    .filter((s) => s.latest.failures.length > 0)
    .map(
      (
        s,
      ) => `<section class="panel" aria-labelledby="f-${esc(s.suite)}"><h2 id="f-${esc(s.suite)}">Failures of ${esc(s.suite)}</h2>
<div class="scroll" tabindex="0" role="region" aria-label="${esc(`Failures of ${s.suite}`)}"><table><thead><tr><th scope="col">expectation</th><th scope="col">severity</th><th scope="col">observed</th><th scope="col">threshold</th></tr></thead><tbody>${s.latest.failures
        .map(
          (f) =>
            `<tr><th scope="row">${esc(f.expectation)}</th><td>${esc(f.severity)}</td><td class="num">${esc(typeof f.observed === 'number' ? fmt(f.observed) : (f.observed ?? '–'))}</td><td>${esc(f.threshold)}</td></tr>`,
        )
        .join('')}</tbody></table></div></section>`,
    )
    .join('\n');
  return layout(
    'quality',
    `<div class="scroll" tabindex="0" role="region" aria-label="Latest run per suite"><table id="suites"><caption>Latest run per suite (failing first)</caption><thead><tr><th scope="col">suite</th><th scope="col">status</th><th scope="col">finished</th><th scope="col">expectations</th><th scope="col">failed</th><th scope="col">warnings</th><th scope="col">history</th></tr></thead><tbody>${rows}</tbody></table></div>
${failures}`,
    { charts },
  );
}

const labelsText = (labels: Readonly<Record<string, string>>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ');

export function alertsPage(
  data: {
    groups: readonly AlertGroupView[];
    silences: readonly Silence[];
    notifications: readonly SentNotification[] | null;
  },
  form: { error?: string; matchers?: string; until: string; comment?: string; status?: string },
): string {
  const open = data.groups.reduce((n, g) => n + g.alerts.length, 0);
  const groups = data.groups
    .map(
      (
        g,
      ) => `<section class="panel" aria-label="${esc(`Group ${labelsText(g.groupLabels)} for ${g.receiver}`)}"><h3>${esc(labelsText(g.groupLabels) || '(all)')} → ${esc(g.receiver)}</h3>
<p>Last notified: ${g.lastNotifiedAt ? `<time datetime="${esc(g.lastNotifiedAt)}">${esc(g.lastNotifiedAt)}</time>` : 'not yet'}</p>
<ul>${g.alerts.map((a) => `<li>${esc(a.title)} <code>${esc(labelsText(a.labels))}</code> since <time datetime="${esc(a.startsAt)}">${esc(a.startsAt)}</time>${a.silenced ? ' <strong>(silenced)</strong>' : ''}</li>`).join('')}</ul></section>`,
    )
    .join('');
  const silences = data.silences
    .map(
      (s) =>
        `<tr data-silence="${esc(s.id)}"><td><code>${esc(s.matchers.join(' '))}</code></td><td><time datetime="${esc(s.until)}">${esc(s.until)}</time></td><td>${esc(s.comment ?? '')}</td><td><form method="post" action="/console/alerts/silences/${esc(s.id)}/expire"><button type="submit" aria-label="${esc(`Expire silence ${s.matchers.join(' ')}`)}">Expire</button></form></td></tr>`,
    )
    .join('');
  const notes =
    data.notifications === null
      ? ''
      : `<h2>Last notifications</h2>${
          data.notifications.length === 0
            ? '<p>None sent yet.</p>'
            : `<div class="scroll" tabindex="0" role="region" aria-label="Last notifications"><table id="notifications"><thead><tr><th scope="col">at</th><th scope="col">severity</th><th scope="col">title</th></tr></thead><tbody>${data.notifications
                .map(
                  (n) =>
                    `<tr><td>${n.at ? `<time datetime="${esc(n.at)}">${esc(n.at)}</time>` : '–'}</td><td>${esc(n.severity)}${n.action === 'resolve' ? ' (resolved)' : ''}</td><td>${esc(n.title)}</td></tr>`,
                )
                .join('')}</tbody></table></div>`
        }`;
  return layout(
    'alerts',
    `<h2>Open alerts: <span data-field="open">${open}</span></h2>
${groups || '<p>No alert is firing.</p>'}
<h2>Silences</h2>
${silences ? `<div class="scroll" tabindex="0" role="region" aria-label="Active silences"><table id="silences"><thead><tr><th scope="col">matchers</th><th scope="col">until</th><th scope="col">comment</th><th scope="col"><span class="sr-only">action</span></th></tr></thead><tbody>${silences}</tbody></table></div>` : '<p>No active silence.</p>'}
<form method="post" action="/console/alerts/silences" class="stack" aria-labelledby="new-silence">
<h3 id="new-silence">New silence</h3>
${form.error ? `<p class="error" role="alert" id="silence-error">${esc(form.error)}</p>` : ''}
<label for="matchers">Matchers, one per line (all must match), e.g. <code>alertname="expectation.failed"</code></label>
<textarea id="matchers" name="matchers" rows="3" required${form.error ? ' aria-describedby="silence-error" aria-invalid="true"' : ''}>${esc(form.matchers ?? '')}</textarea>
<label for="until">Until (ISO-8601, UTC)</label>
<input id="until" name="until" type="text" required value="${esc(form.until)}" autocomplete="off">
<label for="comment">Comment (why; no personal data)</label>
<input id="comment" name="comment" type="text" maxlength="256" value="${esc(form.comment ?? '')}" autocomplete="off">
<button type="submit">Create silence</button>
</form>
${notes}`,
    form.status ? { status: form.status } : {},
  );
}

export function privacyPage(data: {
  dsar: { pending: number; completed: number; runs: readonly DsarRunCounts[] };
  principals: readonly string[] | null;
  preview: { principal: string; tables: readonly TablePreview[] } | null;
}): string {
  const runs = data.dsar.runs
    .map(
      (r) =>
        `<tr><td><time datetime="${esc(r.completedAt)}">${esc(r.completedAt)}</time></td><td>${r.dryRun ? 'dry run' : 'purge'}</td><td class="num" data-field="requests">${r.requests}</td><td class="num" data-field="tables">${r.tables}</td><td class="num" data-field="rows">${r.rowsRemoved}</td><td class="num" data-field="verified">${r.verified} of ${r.requests}</td></tr>`,
    )
    .join('');
  let perms = '';
  if (data.principals !== null) {
    const options = data.principals
      .map((p) => `<option${p === data.preview?.principal ? ' selected' : ''}>${esc(p)}</option>`)
      .join('');
    const rows = (data.preview?.tables ?? [])
      .map(
        (t) =>
          `<tr data-table="${esc(t.table)}"><th scope="row">${esc(t.table)}</th><td class="num" data-field="columns">${t.columns.length}</td><td class="num" data-field="hidden">${t.hiddenColumns}</td><td>${t.rowFilter === null ? 'all rows' : `<code>${esc(t.rowFilter)}</code>`}</td><td class="cols">${esc(t.columns.join(', '))}</td></tr>`,
      )
      .join('');
    perms = `<h2>Permission preview</h2>
<p>What a principal can SELECT, from the local Lake Formation state (<code>lakeops perms apply</code>).</p>
<form method="get" action="/console/privacy" class="inline"><label for="principal">Principal</label> <select id="principal" name="principal">${options}</select> <button type="submit">Preview</button></form>
${data.preview ? `<div class="scroll" tabindex="0" role="region" aria-label="Tables readable by ${esc(data.preview.principal)}"><table id="preview"><caption><span data-field="tables">${data.preview.tables.length}</span> tables readable by ${esc(data.preview.principal)}</caption><thead><tr><th scope="col">table</th><th scope="col">columns</th><th scope="col">hidden</th><th scope="col">rows</th><th scope="col">readable columns</th></tr></thead><tbody>${rows}</tbody></table></div>` : ''}`;
  }
  return layout(
    'privacy',
    `<h2>DSAR (right to be forgotten)</h2>
<p><strong data-field="pending">${data.dsar.pending}</strong> requests waiting for a purge, <strong data-field="completed">${data.dsar.completed}</strong> purged and verified. Counts only: no user or request ids are shown.</p>
${runs ? `<div class="scroll" tabindex="0" role="region" aria-label="DSAR runs"><table id="dsar-runs"><caption>Purge runs, newest first</caption><thead><tr><th scope="col">completed</th><th scope="col">kind</th><th scope="col">requests</th><th scope="col">tables</th><th scope="col">rows removed</th><th scope="col">verified</th></tr></thead><tbody>${runs}</tbody></table></div>` : '<p>No purge run recorded yet.</p>'}
${perms}`,
  );
}

export function lineagePage(data: LineageAround): string {
  const link = (id: string) => `<a href="/console/lineage?node=${encodeURIComponent(id)}">${esc(id)}</a>`;
  const column = (
    title: string,
    steps: readonly { id: string; kind: string; depth: number }[],
    depth: number,
  ) => {
    const at = steps.filter((s) => s.depth === depth);
    return `<section class="lineage-col" aria-label="${esc(title)}"><h2>${esc(title)}</h2>${at.length ? `<ul>${at.map((s) => `<li class="kind-${esc(s.kind)}">${link(s.id)} <span class="kind">${esc(s.kind)}</span></li>`).join('')}</ul>` : '<p>none</p>'}</section>`;
  };
  return layout(
    'lineage',
    `<form method="get" action="/console/lineage" class="inline"><label for="node">Table, event or suite</label> <input id="node" name="node" type="text" value="${esc(data.node)}" autocomplete="off"> <button type="submit">Show</button></form>
<p>Two steps up and down from <strong>${esc(data.node)}</strong> (${esc(data.kind)}); select a node to centre on it.</p>
<div class="lineage" id="lineage-graph">
${column('Upstream, 2 steps', data.upstream, 2)}
${column('Upstream, 1 step', data.upstream, 1)}
<section class="lineage-col centre" aria-label="Selected"><h2>Selected</h2><p><strong>${esc(data.node)}</strong></p></section>
${column('Downstream, 1 step', data.downstream, 1)}
${column('Downstream, 2 steps', data.downstream, 2)}
</div>
<details><summary>Edges (${data.edges.length})</summary><ul>${data.edges.map((e) => `<li>${esc(e.from)} → ${esc(e.to)}</li>`).join('')}</ul></details>`,
  );
}

export function errorPage(status: number, message: string): string {
  return layout(
    null,
    `<p class="error" role="alert">${esc(message)}</p><p>HTTP ${status}. <a href="/console/ops">Back to Ops</a></p>`,
    {
      title: 'Not available',
    },
  );
}
