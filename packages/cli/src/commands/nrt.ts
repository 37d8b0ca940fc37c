import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DuckDbQueryEngine, JsonlEventPublisher, SqliteStateStore } from '@lakeops/adapters-local';
import {
  type NrtViewOutcome,
  readNrtSkips,
  readNrtViewRecord,
  refreshNrtViews,
  systemClock,
} from '@lakeops/core';
import { loadModels, loadNrtViews, tables } from '@lakeops/lake';
import { CliUsageError, type Command } from '../command.ts';
import { cliJobLineage, nrtOutcomes, nrtUnits, startRuns } from '../job-lineage.ts';
import { asUsageError, parseOptions } from '../lake.ts';
import { localConfig, nrtRetentionDaysOf } from '../local-config.ts';

const help = `Usage: lakeops nrt refresh [--view <v>] [--rebuild]
       lakeops nrt status [--json]

The near-real-time ops views (nrt.recon_gates, nrt.payout_backlog, nrt.dispute_queue),
materialized under lake/nrt/<view>/dt=<today>/hour=<HH>/ on the local lake.

  refresh   what the nrt-refresh schedule does every 5 minutes: per view, under its lease, the
            hours of today whose count of source events moved (recounted from 3 hours before
            the current one, so late events are found too), and any hour of today not yet
            written, are rewritten and swapped in; in the first 3 hours of a day, yesterday's
            last hours too (an event of 23:58 that lands after midnight, and the carry-over
            state of yesterday's last hour, written once the hour is over); a view another
            refresh holds is skipped (and counted). The first refresh of a day removes the
            views' partitions older than LAKEOPS_NRT_RETENTION_DAYS (default 35; 0 keeps all).
  status    per view: last refresh, lag, rows, hours written, last error, skips.

Each view's refresh is an OpenLineage run (job nrt-refresh.<view>, or nrt-rebuild.<view> with
--rebuild): START, then COMPLETE or FAIL, with the tables it reads and the view it writes, in
$LAKEOPS_HOME/lineage/<day>.jsonl and POSTed to $OPENLINEAGE_URL/api/v1/lineage when set.

Options:
  --view <v>    only this view (recon_gates, payout_backlog, dispute_queue; nrt. prefix optional)
  --rebuild     rewrite every hour of today (what a deploy of the data platform triggers)
  --json        status as JSON
  -h, --help    show this help

Exit status: 0 when every view refreshed (or had nothing new), 1 when a view failed, 2 on a
usage mistake.`;

export const nrtCommand: Command = {
  name: 'nrt',
  summary: 'Near-real-time ops views: refresh the touched hours of today, or show their status',
  help,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const home = localConfig(ctx).home;
    if (sub === 'refresh') {
      const { values } = parseOptions(rest, { view: { type: 'string' }, rebuild: { type: 'boolean' } });
      let views: Awaited<ReturnType<typeof loadNrtViews>>;
      try {
        views = await loadNrtViews(values.view === undefined ? undefined : [values.view]);
      } catch (error) {
        throw asUsageError(error);
      }
      let retentionDays: number | undefined;
      try {
        retentionDays = nrtRetentionDaysOf(ctx.env.LAKEOPS_NRT_RETENTION_DAYS);
      } catch (error) {
        throw asUsageError(error);
      }
      const engine = await DuckDbQueryEngine.open({ root: join(home, 'lake'), tables });
      const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
      try {
        const now = systemClock.now();
        const runId = `nrt-cli-${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
        // The nrt-rebuild route's job with --rebuild, the nrt-refresh schedule's without.
        const job = values.rebuild === true ? 'nrt-rebuild' : 'nrt-refresh';
        const runs = await startRuns(
          cliJobLineage(ctx, home, 'lakeops nrt'),
          nrtUnits(job, views, await loadModels(), tables),
        );
        const result = await refreshNrtViews(
          {
            engine,
            state,
            clock: systemClock,
            events: new JsonlEventPublisher({ file: join(home, 'events', 'published.jsonl') }),
          },
          {
            views,
            runId,
            rebuild: values.rebuild === true,
            // How long a killed refresh blocks the next one (which then takes over); default 240 s.
            ...(ctx.env.LAKEOPS_NRT_LEASE_SECONDS
              ? { leaseSeconds: Number(ctx.env.LAKEOPS_NRT_LEASE_SECONDS) }
              : {}),
            ...(retentionDays === undefined ? {} : { retentionDays }),
          },
        ).catch(runs.fail);
        await runs.end(nrtOutcomes(job, result.views));
        for (const v of result.views) ctx.stdout.write(`${formatOutcome(v)}\n`);
        return result.views.some((v) => v.status === 'failed') ? 1 : 0;
      } finally {
        state.close();
        await engine.close();
      }
    }
    if (sub === 'status') {
      const { values } = parseOptions(rest, { json: { type: 'boolean' } });
      const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
      try {
        const now = systemClock.now();
        const rows = [];
        for (const view of await loadNrtViews()) {
          const record = await readNrtViewRecord(state, view.name);
          const skips = await readNrtSkips(state, view.name);
          const lagSeconds =
            record?.refreshedAt == null
              ? null
              : Math.round((now.getTime() - Date.parse(record.refreshedAt)) / 1000);
          rows.push({
            view: view.name,
            last_refresh: record?.refreshedAt ?? null,
            lag_seconds: lagSeconds,
            watermark: record?.watermark ?? null,
            rows: record?.rows ?? 0,
            hours: record?.hours.length ?? 0,
            duration_ms: record?.durationMs ?? null,
            last_error: record?.lastError ?? null,
            stale: record?.stale ?? false,
            skips: skips.count,
          });
        }
        if (values.json === true) {
          ctx.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        } else {
          for (const r of rows) {
            const lag = r.lag_seconds === null ? 'never refreshed' : `lag ${r.lag_seconds} s`;
            ctx.stdout.write(
              `${r.view.padEnd(20)} ${(r.last_refresh ?? '-').padEnd(24)} ${lag.padEnd(16)} rows ${String(r.rows).padEnd(6)} hours ${String(r.hours).padEnd(3)} skips ${r.skips}${r.stale ? ' STALE' : ''}${r.last_error ? `  error: ${r.last_error}` : ''}\n`,
            );
          }
        }
        return 0;
      } finally {
        state.close();
      }
    }
    throw new CliUsageError(`lakeops nrt: expected 'refresh' or 'status', got '${sub ?? ''}'`);
  },
};

function formatOutcome(v: NrtViewOutcome): string {
  switch (v.status) {
    case 'refreshed': {
      const late = v.late ? `${v.late.dt} hours ${v.late.hours.join(',')} (yesterday)` : '';
      const today = v.hours.length ? `hours ${v.hours.join(',')}` : '';
      return `${v.view}: refreshed ${[late, today].filter(Boolean).join(', ')} (${v.rows} rows, ${v.durationMs} ms)`;
    }
    case 'unchanged':
      return `${v.view}: nothing new`;
    case 'skipped':
      return `${v.view}: skipped (another refresh holds it)`;
    case 'failed':
      return `${v.view}: FAILED ${v.error}`;
  }
}
