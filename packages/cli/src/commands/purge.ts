import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  DuckDbQueryEngine,
  FsCatalog,
  FsObjectStore,
  JsonlEventPublisher,
  SqliteStateStore,
} from '@lakeops/adapters-local';
import { type PurgeReport, purgeDeletedUsers, sweepBronze, systemClock } from '@lakeops/core';
import { dsarPurgeIds, purgeSql, tables } from '@lakeops/lake';
import type { Command } from '../command.ts';
import { cliJobLineage, purgeOutcomes, purgeUnits, startRuns } from '../job-lineage.ts';
import { asUsageError, parseOptions } from '../lake.ts';
import { localConfig } from '../local-config.ts';
import { localMembershipKey } from '../membership-key.ts';

const help = `Usage: lakeops purge [--dry-run]

Runs the DSAR purge on the local lake: every pending deletion request (user.tombstoned events
recorded by dsar-intake) as one batch. For each Silver/Gold table with user columns, only the
partitions holding a deleted user's rows are rewritten without them, verified, and swapped in;
every other file stays untouched. Prints per table the partitions, rows and bytes; never a user id.

Then Bronze retention: Bronze partitions older than LAKEOPS_BRONZE_RETENTION_DAYS (default 30)
are removed, the local form of the lake bucket's lifecycle rule.

Each table with user columns is an OpenLineage run (job dsar-purge.<table>): START, then
COMPLETE (listing the table as output only when rows were removed) or FAIL, in
$LAKEOPS_HOME/lineage/<day>.jsonl and POSTed to $OPENLINEAGE_URL/api/v1/lineage when set;
not for --dry-run.

Options:
  --dry-run   print what would be removed and change nothing`;

export const purgeCommand: Command = {
  name: 'purge',
  summary: 'Remove deleted users (DSAR) from Silver and Gold; --dry-run shows what would go',
  help,
  async run(args, ctx) {
    const { values } = parseOptions(args, { 'dry-run': { type: 'boolean' } });
    const home = localConfig(ctx).home;
    const root = join(home, 'lake');
    const engine = await DuckDbQueryEngine.open({
      root,
      tables: [...tables, dsarPurgeIds],
      membershipKey: await localMembershipKey(home),
    });
    const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
    try {
      const retentionDays = Number(ctx.env.LAKEOPS_BRONZE_RETENTION_DAYS ?? 30);
      const now = systemClock.now();
      const runId = `purge-${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
      // A real run is an OpenLineage run per table with user columns; a dry run changes nothing.
      const units = values['dry-run'] === true ? [] : purgeUnits(tables);
      const runs = await startRuns(cliJobLineage(ctx, home, 'lakeops purge'), units);
      const report = await purgeDeletedUsers(
        {
          engine,
          catalog: new FsCatalog({ root, tables }),
          store: new FsObjectStore({ root }),
          state,
          clock: systemClock,
          sql: purgeSql('duckdb'),
          idsTable: dsarPurgeIds,
          events: new JsonlEventPublisher({ file: join(home, 'events', 'published.jsonl') }),
        },
        {
          runId,
          dryRun: values['dry-run'] === true,
          bronzeRetentionDays: retentionDays,
          // How long a killed run blocks the next one (which then resumes it); default 900 s.
          ...(ctx.env.LAKEOPS_PURGE_LEASE_SECONDS
            ? { leaseSeconds: Number(ctx.env.LAKEOPS_PURGE_LEASE_SECONDS) }
            : {}),
        },
      ).catch(runs.fail);
      await runs.end(purgeOutcomes(report));
      ctx.stdout.write(formatReport(report));
      const swept = await sweepBronze(
        { catalog: new FsCatalog({ root, tables }), clock: systemClock },
        { retentionDays, dryRun: values['dry-run'] === true },
      );
      ctx.stdout.write(
        `bronze retention ${retentionDays} days: ${report.dryRun ? 'would remove' : 'removed'} ${swept.removed.length} partition(s) before ${swept.keepFrom}\n`,
      );
      return report.tables.some((t) => t.status === 'failed') ? 1 : 0;
    } catch (error) {
      throw asUsageError(error);
    } finally {
      state.close();
      await engine.close();
    }
  },
};

/** The report as the terminal shows it: counts and names, no user ids. */
export function formatReport(report: PurgeReport): string {
  const verb = report.dryRun ? 'would remove' : 'removed';
  const lines = [
    `${report.dryRun ? 'dry run' : 'purge'} ${report.runId}: ${report.requestIds.length} pending request(s)`,
  ];
  for (const t of report.tables) {
    if (t.status === 'failed') {
      lines.push(`  ${t.table}: FAILED (${t.error?.code}) ${t.error?.message ?? ''} — data left as it was`);
      continue;
    }
    if (t.status === 'unchanged') continue;
    // A table done by an earlier invocation of a resumed run comes back with its totals only.
    const bytes = t.totals?.bytesBefore ?? t.partitions.reduce((s, p) => s + p.bytesBefore, 0);
    const partitions = t.totals?.partitions ?? t.partitions.length;
    lines.push(
      `  ${t.table}: ${verb} ${t.rowsRemoved} rows in ${partitions} partition(s), ${bytes} bytes ${report.dryRun ? 'to rewrite' : 'rewritten'}`,
    );
  }
  const untouched = report.tables.filter((t) => t.status === 'unchanged').length;
  lines.push(
    `${verb} ${report.rowsRemoved} rows in ${report.tables.filter((t) => t.status === 'ok').length} table(s); ${untouched} table(s) without their rows`,
  );
  if (!report.dryRun) {
    const verified = report.requests.filter((r) => r.verified).length;
    lines.push(
      `${verified}/${report.requests.length} request(s) verified${report.bronzeExpiresBy ? `; last raw Bronze copy expires by ${report.bronzeExpiresBy}` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
