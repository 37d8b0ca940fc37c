import type { NrtView, NrtViewOutcome, PurgeReport, TableDefinition } from '@lakeops/core';
import { qualifiedName } from '@lakeops/core';
import {
  lineageDataset,
  lineageRun,
  loadModels,
  type OpenLineageEmitter,
  tables,
  userTables,
} from '@lakeops/lake';
import type { CommandContext } from './command.ts';
import { openLineageSinks } from './openlineage-sinks.ts';

/**
 * OpenLineage run events around a job the CLI or the local runtime drives (the NRT refresh, the
 * DSAR purge): the use case is wrapped, not changed. Each dataset the job may write is its own
 * run (`<job>.<zone>.<table>`, as `build.<table>` is per model), so a collector links each output
 * to its own inputs only: START for every unit before the job, then COMPLETE or FAIL per unit from
 * the job's result; every unit FAILs when the job throws. Timestamps are those of the wrapper:
 * START just before the job, every end just after it.
 */
export interface LineageUnit {
  /** The OpenLineage job name, e.g. `nrt-refresh.nrt.recon_gates`. */
  readonly job: string;
  readonly inputs: readonly TableDefinition[];
  readonly output: TableDefinition;
}

/** How a unit ended: completed (and whether it wrote its output), or failed with a message. */
export type UnitOutcome =
  | { readonly status: 'complete'; readonly wrote: boolean }
  | { readonly status: 'fail'; readonly message: string };

export interface JobLineage {
  readonly emit: OpenLineageEmitter;
  readonly namespace: string;
}

/** The sinks of a CLI command: `LAKEOPS_HOME/lineage/`, and `OPENLINEAGE_URL` when set. */
export function cliJobLineage(
  ctx: Pick<CommandContext, 'env' | 'signal' | 'stderr'>,
  home: string,
  command: string,
): JobLineage {
  return {
    namespace: 'lakeops-local',
    emit: openLineageSinks({
      home,
      url: ctx.env.OPENLINEAGE_URL,
      signal: ctx.signal,
      warn: (line) => ctx.stderr.write(`${command}: warning: ${line}\n`),
    }),
  };
}

/** The runs of one job, started: end them with {@link JobRuns.end}, or {@link JobRuns.fail} them all. */
export interface JobRuns {
  /** FAIL for every unit, then rethrows `error` (use as `.catch(runs.fail)`). */
  fail(error: unknown): Promise<never>;
  /**
   * COMPLETE or FAIL per unit as `outcomes` names it by job name; a unit it does not name
   * completed without writing (nothing to do). A COMPLETE lists the output only when the unit
   * wrote it, so a collector versions only datasets that changed.
   */
  end(outcomes: ReadonlyMap<string, UnitOutcome>): Promise<void>;
}

/**
 * Emits START for every unit and returns the handle that ends them.
 *
 * @example
 * ```ts
 * const runs = await startRuns(lineage, purgeUnits(tables));
 * const report = await purgeDeletedUsers(deps, input).catch(runs.fail);
 * await runs.end(purgeOutcomes(report));
 * ```
 */
export async function startRuns(lineage: JobLineage, units: readonly LineageUnit[]): Promise<JobRuns> {
  const runs = units.map((u) => ({
    unit: u,
    run: lineageRun(lineage.emit, {
      namespace: lineage.namespace,
      job: u.job,
      inputs: u.inputs.map((t) => lineageDataset(lineage.namespace, t)),
      outputs: [lineageDataset(lineage.namespace, u.output)],
    }),
  }));
  for (const r of runs) await r.run.start();
  return {
    async fail(error) {
      for (const r of runs) await r.run.fail(error);
      throw error;
    },
    async end(outcomes) {
      for (const { unit, run } of runs) {
        const end = outcomes.get(unit.job) ?? { status: 'complete', wrote: false };
        if (end.status === 'fail') await run.fail(new Error(end.message));
        else await run.complete(undefined, end.wrote ? undefined : []);
      }
    },
  };
}

/** The units of an NRT refresh (`job` is the route id): one per view, reading what its model reads. */
export function nrtUnits(
  job: 'nrt-refresh' | 'nrt-rebuild',
  views: readonly { readonly name: string; readonly table: TableDefinition }[],
  models: readonly { readonly name: string; readonly dependsOn: readonly string[] }[],
  catalog: readonly TableDefinition[],
): LineageUnit[] {
  return views.map((v) => ({
    job: `${job}.${v.name}`,
    inputs: tablesNamed(models.find((m) => m.name === v.name)?.dependsOn ?? [], catalog),
    output: v.table,
  }));
}

/** Refreshed: wrote; nothing new or held by another refresh: completed without writing; failed: FAIL. */
export function nrtOutcomes(
  job: 'nrt-refresh' | 'nrt-rebuild',
  views: readonly NrtViewOutcome[],
): Map<string, UnitOutcome> {
  return new Map(
    views.map((v): [string, UnitOutcome] => [
      `${job}.${v.view}`,
      v.status === 'failed'
        ? { status: 'fail', message: v.error }
        : { status: 'complete', wrote: v.status === 'refreshed' },
    ]),
  );
}

/** The units of a DSAR purge: every table with user columns is read and may be rewritten in place. */
export function purgeUnits(catalog: readonly TableDefinition[]): LineageUnit[] {
  return userTables(catalog).map((t) => ({ job: `dsar-purge.${qualifiedName(t)}`, inputs: [t], output: t }));
}

/** Rewritten: wrote; without the deleted users' rows: completed without writing; failed: FAIL. */
export function purgeOutcomes(report: PurgeReport): Map<string, UnitOutcome> {
  return new Map(
    report.tables.map((t): [string, UnitOutcome] => [
      `dsar-purge.${t.table}`,
      t.status === 'failed'
        ? { status: 'fail', message: `${t.error?.code ?? 'PurgeFailed'}: ${t.error?.message ?? ''}` }
        : { status: 'complete', wrote: t.status === 'ok' && t.rowsRemoved > 0 },
    ]),
  );
}

function tablesNamed(names: readonly string[], catalog: readonly TableDefinition[]): TableDefinition[] {
  return names.flatMap((n) => catalog.filter((t) => qualifiedName(t) === n));
}

/**
 * A route invocation under `lakeops start`, between the OpenLineage events of its units, for the
 * routes whose function reads or writes the lake (nrt-refresh, nrt-rebuild); any other route is
 * invoked as it is. The invocation's result decides each unit's end: the refresh result (a
 * schedule returns it, an event route wraps it as `processed`); a parked event FAILs every unit.
 */
export async function invokeWithRunEvents(
  lineage: JobLineage,
  routeId: string,
  nrtViews: () => Promise<readonly NrtView[]>,
  invoke: () => Promise<unknown>,
): Promise<unknown> {
  if (routeId !== 'nrt-refresh' && routeId !== 'nrt-rebuild') return invoke();
  const units = nrtUnits(routeId, await nrtViews(), await loadModels(), tables);
  const runs = await startRuns(lineage, units);
  const result = await invoke().catch(runs.fail);
  const views = field(field(result, 'status') === 'processed' ? field(result, 'result') : result, 'views');
  const failAll = (message: string) =>
    new Map(units.map((u): [string, UnitOutcome] => [u.job, { status: 'fail', message }]));
  await runs.end(
    field(result, 'status') === 'parked'
      ? failAll(`${routeId} parked the event: ${String(field(result, 'message'))}`)
      : isNrtOutcomes(views)
        ? nrtOutcomes(routeId, views)
        : failAll(`${routeId} returned no refresh result`),
  );
  return result;
}

const nrtStatuses: ReadonlySet<unknown> = new Set(['refreshed', 'unchanged', 'skipped', 'failed']);
function isNrtOutcomes(value: unknown): value is NrtViewOutcome[] {
  return (
    Array.isArray(value) &&
    value.every((v) => typeof field(v, 'view') === 'string' && nrtStatuses.has(field(v, 'status')))
  );
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
