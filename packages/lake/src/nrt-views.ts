import type { NrtView } from '@lakeops/core';
import { isDay } from './build.ts';
import { literal, renderModel } from './dialect.ts';
import { loadModels } from './models.ts';

/** The source event types each NRT view reads, and whether it carries over to later hours. */
const sources: Readonly<Record<string, { detailTypes: readonly string[]; carriesOver: boolean }>> = {
  'nrt.recon_gates': { detailTypes: ['payment.captured', 'booking.leg.status_changed'], carriesOver: false },
  'nrt.payout_backlog': { detailTypes: ['payout.status_changed'], carriesOver: true },
  'nrt.dispute_queue': { detailTypes: ['dispute.status_changed'], carriesOver: true },
};

const instant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** The hours of `day` with events of these types newer than `since`, and the newest event time. */
export function nrtChangesSql(
  detailTypes: readonly string[],
  day: string,
  since: string | undefined,
): string {
  if (!isDay(day)) throw new TypeError(`day must be YYYY-MM-DD, got '${day}'`);
  if (since !== undefined && !instant.test(since))
    throw new TypeError(`since must be RFC 3339 UTC, got '${since}'`);
  return [
    "SELECT lpad(CAST(hour(from_iso8601_timestamp(time)) AS VARCHAR), 2, '0') AS hour,",
    '  to_iso8601(max(from_iso8601_timestamp(time))) AS newest',
    'FROM bronze.events',
    `WHERE detail_type IN (${detailTypes.map(literal).join(', ')})`,
    `  AND dt = ${literal(day)}`,
    ...(since === undefined
      ? []
      : [`  AND from_iso8601_timestamp(time) > from_iso8601_timestamp(${literal(since)})`]),
    "GROUP BY lpad(CAST(hour(from_iso8601_timestamp(time)) AS VARCHAR), 2, '0')",
  ].join('\n');
}

/**
 * The NRT views as the refresh drives them: each `.sql` model of `models/nrt/`, rendered for one
 * day, with the query that finds the hours touched since a watermark.
 *
 * @example
 * ```ts
 * await refreshNrtViews(deps, { views: await loadNrtViews(), runId });
 * ```
 */
export async function loadNrtViews(only?: readonly string[]): Promise<NrtView[]> {
  const models = (await loadModels()).filter((m) => m.table.zone === 'nrt');
  const unknown = (only ?? []).filter((v) => !models.some((m) => m.name === v || m.table.name === v));
  if (unknown.length) throw new RangeError(`no NRT view named ${unknown.map((u) => `'${u}'`).join(', ')}`);
  return models
    .filter((m) => !only?.length || only.includes(m.name) || only.includes(m.table.name))
    .map((model): NrtView => {
      const source = sources[model.name];
      if (!source) throw new Error(`NRT view ${model.name} has no source event types in nrt-views.ts`);
      return {
        name: model.name,
        table: model.table,
        carriesOver: source.carriesOver,
        sql: (day) => renderModel(model.sql, { from: day, to: day }),
        changesSql: (day, since) => nrtChangesSql(source.detailTypes, day, since),
      };
    });
}
