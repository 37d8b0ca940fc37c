import { join } from 'node:path';
import { FileSaltSource, SqliteStateStore } from '@lakeops/adapters-local';
import { dropTombstonedUsers, systemClock } from '@lakeops/core';
import { buildLake, daysBetween, dsarPurgeIds, literal, purgeSql, runDataTests } from '@lakeops/lake';
import type { Command } from '../command.ts';
import { asUsageError, type LocalLake, openLocalLake, parseOptions, progressPrinter } from '../lake.ts';
import { localConfig } from '../local-config.ts';
import { openLineageSinks } from '../openlineage-sinks.ts';

const help = `Usage: lakeops build [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--select zone|table,…] [--test]

Runs the SQL models (packages/lake/models) on the local lake in dependency order: Bronze → Silver
→ Gold. Without --from/--to every table is rebuilt from all Bronze days; with them only those dt
partitions are replaced. Each result is staged and swapped in whole, so a failing model (or a
corrupt input file) leaves its table as it was. Days of the range with no Bronze events are
named in a warning (their Silver and Gold partitions come out empty).

Options:
  --from DATE    first dt to rebuild (default: first Bronze day)
  --to DATE      last dt to rebuild (default: last Bronze day)
  --select LIST  only these zones or tables, e.g. gold or silver.fact_payments,gold.kpi_gmv_daily
  --test         run the data tests (unique keys, not null, relationships, ranges) afterwards

Each model is an OpenLineage run (START, then COMPLETE or FAIL, with its input and output
tables and their schema facet), appended to $LAKEOPS_HOME/lineage/<day>.jsonl and POSTed to
$OPENLINEAGE_URL/api/v1/lineage when OPENLINEAGE_URL is set (Marquez, DataHub, DataZone).`;

export const buildCommand: Command = {
  name: 'build',
  summary: 'Build Silver and Gold from Bronze with the SQL models (incremental by dt)',
  help,
  async run(args, ctx) {
    const { values } = parseOptions(args, {
      from: { type: 'string' },
      to: { type: 'string' },
      select: { type: 'string' },
      test: { type: 'boolean' },
    });
    const from = values.from;
    const to = values.to;
    const select = values.select
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const home = localConfig(ctx).home;
    const lake = await openLocalLake(home);
    try {
      const started = performance.now();
      const result = await buildLake(
        { engine: lake.engine },
        {
          progress: progressPrinter(ctx.stderr),
          signal: ctx.signal,
          lineage: {
            namespace: 'lakeops-local',
            emit: openLineageSinks({
              home,
              url: ctx.env.OPENLINEAGE_URL,
              signal: ctx.signal,
              warn: (line) => ctx.stderr.write(`lakeops build: warning: ${line}\n`),
            }),
          },
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
          ...(select ? { select } : {}),
        },
      );
      const missing = await daysWithoutBronze(lake, result.from, result.to);
      if (missing.length > 0) {
        const total = daysBetween(result.from, result.to).length;
        ctx.stderr.write(
          `lakeops build: warning: no Bronze events for ${ranges(missing)} (${missing.length} of ${total} day${total === 1 ? '' : 's'}): their Silver and Gold partitions are empty\n`,
        );
      }
      ctx.stdout.write(
        `built ${result.models.length} models (${result.incremental ? 'dt' : 'all days'} ${result.from} … ${result.to}) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      );
      // No resurrection: Bronze still holds tombstoned users until retention removes it.
      const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
      try {
        const dropped = await dropTombstonedUsers(
          {
            engine: lake.engine,
            catalog: lake.catalog,
            store: lake.store,
            state,
            clock: systemClock,
            sql: purgeSql('duckdb'),
            idsTable: dsarPurgeIds,
            salt: new FileSaltSource({ file: join(home, 'secrets', 'dsar-salt') }),
          },
          {
            runId: `build-${Date.now().toString(36)}`,
            ...(result.incremental
              ? { partitions: daysBetween(result.from, result.to).map((dt) => ({ dt })) }
              : {}),
          },
        );
        if (dropped.usersFound > 0) {
          const rows = dropped.tables.reduce((s, t) => s + t.rowsRemoved, 0);
          ctx.stdout.write(
            `dropped ${rows} rows of ${dropped.usersFound} tombstoned user(s) that Bronze still holds\n`,
          );
        }
        const failed = dropped.tables.filter((t) => t.status === 'failed');
        if (failed.length) {
          ctx.stdout.write(`could not drop tombstoned users from ${failed.map((t) => t.table).join(', ')}\n`);
          return 1;
        }
      } finally {
        state.close();
      }
      if (values.test !== true) return 0;
      const built = new Set(result.models.map((m) => m.model));
      const tested = (await lake.catalog.tables()).filter((t) => built.has(`${t.zone}.${t.name}`));
      const failed = (await runDataTests({ engine: lake.engine }, tested)).filter((t) => t.failures > 0);
      for (const f of failed) ctx.stdout.write(`FAIL ${f.table} ${f.test}: ${f.failures} rows\n`);
      ctx.stdout.write(failed.length ? `${failed.length} data tests failed\n` : 'data tests passed\n');
      return failed.length ? 1 : 0;
    } catch (error) {
      throw asUsageError(error);
    } finally {
      await lake.close();
    }
  },
};

/** The days from `from` to `to` with no event in Bronze. */
async function daysWithoutBronze(lake: LocalLake, from: string, to: string): Promise<string[]> {
  const rows = await lake.engine.query(
    `SELECT DISTINCT dt FROM bronze.events WHERE dt BETWEEN ${literal(from)} AND ${literal(to)}`,
  );
  const present = new Set(rows.map((r) => String(r.dt)));
  return daysBetween(from, to).filter((day) => !present.has(day));
}

/** Days as runs: `2026-11-16 … 2026-11-17, 2026-11-21`. */
function ranges(days: readonly string[]): string {
  const runs: string[][] = [];
  for (const day of days) {
    const run = runs.at(-1);
    const previous = run?.at(-1);
    if (run && previous && Date.parse(day) - Date.parse(previous) === 86_400_000) run.push(day);
    else runs.push([day]);
  }
  return runs.map((r) => (r.length === 1 ? r[0] : `${r[0]} … ${r.at(-1)}`)).join(', ');
}
