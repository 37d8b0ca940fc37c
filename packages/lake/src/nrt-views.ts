import type { NrtScope, NrtView, TableDefinition } from '@lakeops/core';
import { isDay } from './build.ts';
import { ident, literal, renderNrtModel, replaceTableReferences, sqlType } from './dialect.ts';
import { loadModels } from './models.ts';

/**
 * The source event types each NRT view reads, and for a view that carries over to later hours the
 * model of its carry-over state.
 */
const sources: Readonly<Record<string, { detailTypes: readonly string[]; carryState?: string }>> = {
  'nrt.recon_gates': { detailTypes: ['payment.captured', 'booking.leg.status_changed'] },
  'nrt.payout_backlog': { detailTypes: ['payout.status_changed'], carryState: 'nrt.payout_backlog_open' },
  'nrt.dispute_queue': { detailTypes: ['dispute.status_changed'], carryState: 'nrt.dispute_queue_open' },
};

const hourPattern = /^([01]\d|2[0-3])$/;

/**
 * Per hour of `day` from `fromHour` on: how many events of these types Bronze holds (`n`) and the
 * newest event time. Bronze sits in the folder of each event's own UTC hour (`archivePartition`,
 * on both the local bus and the Firehose transform), so the count is by folder and reads only
 * those hours' partitions (the cached day on DuckDB, partition projection on Athena). A refresh
 * compares the counts with the ones it recorded: a late event (one older than the newest already
 * seen, e.g. held in Firehose's buffer) moves its hour's count like any new one.
 */
export function nrtChangesSql(detailTypes: readonly string[], day: string, fromHour: string): string {
  if (!isDay(day)) throw new TypeError(`day must be YYYY-MM-DD, got '${day}'`);
  if (!hourPattern.test(fromHour)) throw new TypeError(`fromHour must be HH (00-23), got '${fromHour}'`);
  return [
    'SELECT hour, count(*) AS n, to_iso8601(max(from_iso8601_timestamp(time))) AS newest',
    'FROM bronze.events',
    `WHERE detail_type IN (${detailTypes.map(literal).join(', ')})`,
    `  AND dt = ${literal(day)}`,
    ...(fromHour === '00' ? [] : [`  AND hour >= ${literal(fromHour)}`]),
    'GROUP BY hour',
  ].join('\n');
}

/**
 * A carry-over view's model rendered for `scope`. With `scope.open`, each reference to its state
 * table (in code: not in literals, quoted names or comments) reads the table for the other hours of
 * `scope.hours` only, and the state of the open hours as the state's model computes it (from
 * `open.carry` and the events after it), in the same statement: the current hour's state is not
 * written while its items still move.
 */
export function renderNrtView(
  viewSql: string,
  state: { readonly table: TableDefinition; readonly sql: string },
  day: string,
  scope: NrtScope,
): string {
  const rendered = renderNrtModel(viewSql, day, scope);
  const { open } = scope;
  if (!open?.hours.length) return rendered;
  const { table } = state;
  const inline = renderNrtModel(state.sql, day, {
    hours: open.hours,
    ...(open.carry ? { carry: open.carry } : {}),
  })
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .trim()
    .replace(/;\s*$/, '');
  const keys = table.partitionKeys.map(ident);
  const settled = scope.hours.filter((h) => !open.hours.includes(h));
  const parts = [
    ...(settled.length
      ? [
          `SELECT ${[...table.columns.map((c) => ident(c.name)), ...keys].join(', ')} FROM ${table.zone}.${table.name}` +
            ` WHERE dt = ${literal(day)} AND hour IN (${settled.map(literal).join(', ')})`,
        ]
      : []),
    `SELECT ${[
      ...table.columns.map(
        (c) => `CAST(${ident(c.name)} AS ${sqlType(c.type, 'duckdb')}) AS ${ident(c.name)}`,
      ),
      ...keys.map((k) => `CAST(${k} AS VARCHAR) AS ${k}`),
    ].join(', ')}\nFROM (\n${inline}\n) AS open_state`,
  ];
  return replaceTableReferences(rendered, table, `(\n${parts.join('\nUNION ALL\n')}\n)`);
}

/**
 * The NRT views as the refresh drives them: each `.sql` model of `models/nrt/`, rendered for one
 * day, with the query that counts the source events of the day's recent hours. `modelsDir` is the folder
 * holding `nrt/` (this package's `models/` by default; on Lambda the copy in the bundle).
 *
 * @example
 * ```ts
 * await refreshNrtViews(deps, { views: await loadNrtViews(), runId });
 * ```
 */
export async function loadNrtViews(
  only?: readonly string[],
  options: { readonly modelsDir?: string } = {},
): Promise<NrtView[]> {
  const models = (await loadModels(undefined, options.modelsDir)).filter((m) => m.table.zone === 'nrt');
  const unknown = (only ?? []).filter(
    (v) => !models.some((m) => sources[m.name] !== undefined && (m.name === v || m.table.name === v)),
  );
  if (unknown.length) throw new RangeError(`no NRT view named ${unknown.map((u) => `'${u}'`).join(', ')}`);
  const byName = new Map(models.map((m) => [m.name, m]));
  return models
    .filter((m) => sources[m.name] !== undefined)
    .filter((m) => !only?.length || only.includes(m.name) || only.includes(m.table.name))
    .map((model): NrtView => {
      const source = sources[model.name];
      if (!source) throw new Error(`NRT view ${model.name} has no source event types in nrt-views.ts`);
      const stateModel = source.carryState === undefined ? undefined : byName.get(source.carryState);
      if (source.carryState !== undefined && !stateModel)
        throw new Error(`NRT view ${model.name}: no model ${source.carryState} for its carry-over state`);
      return {
        name: model.name,
        table: model.table,
        ...(stateModel
          ? {
              carryState: {
                table: stateModel.table,
                sql: (day: string, scope: NrtScope) => renderNrtModel(stateModel.sql, day, scope),
              },
            }
          : {}),
        sql: (day, scope) =>
          stateModel
            ? renderNrtView(model.sql, stateModel, day, scope)
            : renderNrtModel(model.sql, day, scope),
        changesSql: (day, fromHour) => nrtChangesSql(source.detailTypes, day, fromHour),
      };
    });
}
