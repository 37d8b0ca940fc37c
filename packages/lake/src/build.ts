import type { Partition, QueryEngine, QueryOptions } from '@lakeops/core';
import { isDay } from './days.ts';
import { renderModel, renderNrtModel } from './dialect.ts';
import { LakeEmptyError, ModelBuildFailedError } from './errors.ts';
import { loadModels, type Model } from './models.ts';
import { lineageDataset, lineageRun, type OpenLineageEmitter } from './openlineage.ts';
import type { ProgressListener } from './seed.ts';
import { tables as allTables } from './tables.ts';

export interface BuildOptions {
  /** First `dt` to rebuild (inclusive); with `to`, an incremental build of those days only. */
  readonly from?: string;
  /** Last `dt` to rebuild (inclusive). */
  readonly to?: string;
  /** Only these models: zones (`gold`) or tables (`gold.kpi_gmv_daily`). */
  readonly select?: readonly string[];
  readonly progress?: ProgressListener;
  readonly signal?: AbortSignal;
  /** OpenLineage run events, one run per model (START, then COMPLETE or FAIL). */
  readonly lineage?: { readonly emit: OpenLineageEmitter; readonly namespace: string };
}

export interface BuiltModel {
  readonly model: string;
  readonly rows: number;
  readonly partitions: number;
  readonly ms: number;
}

export interface BuildResult {
  readonly from: string;
  readonly to: string;
  readonly incremental: boolean;
  readonly models: readonly BuiltModel[];
}

export { isDay } from './days.ts';

/** Every day from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/**
 * Builds Silver from Bronze and Gold from Silver, model by model in dependency order. Without
 * `from`/`to` every table is rebuilt whole from the Bronze range; with them, only the `dt`
 * partitions in that range are replaced (unpartitioned dimensions are always rebuilt whole).
 * Each model's result is staged and swapped in only when complete: a failing model stops the
 * build and leaves its table as it was.
 *
 * @example
 * ```ts
 * await buildLake({ engine }, { from: '2026-11-19', to: '2026-11-20', select: ['gold'] });
 * ```
 */
export async function buildLake(
  deps: { engine: QueryEngine },
  options: BuildOptions = {},
): Promise<BuildResult> {
  const { engine } = deps;
  for (const [name, value] of [
    ['from', options.from],
    ['to', options.to],
  ] as const) {
    if (value !== undefined && !isDay(value)) {
      throw new RangeError(`--${name} must be a date YYYY-MM-DD, got '${value}'`);
    }
  }
  const query: QueryOptions = options.signal ? { signal: options.signal } : {};
  const range = (await engine.query('SELECT min(dt) AS first, max(dt) AS last FROM bronze.events', query))[0];
  const first = typeof range?.first === 'string' ? range.first : undefined;
  const last = typeof range?.last === 'string' ? range.last : undefined;
  if (!first || !last) throw new LakeEmptyError();
  const incremental = options.from !== undefined || options.to !== undefined;
  const from = options.from ?? first;
  const to = options.to ?? last;
  if (from > to) throw new RangeError(`--from ${from} is after --to ${to}`);
  const days = daysBetween(from, to).map((day): Partition => ({ dt: day }));

  const models = selectModels(await loadModels(), options.select);
  const built: BuiltModel[] = [];
  options.progress?.({ phase: 'build', done: 0, total: models.length, label: `${from} … ${to}` });
  const byName = new Map(allTables.map((t) => [`${t.zone}.${t.name}`, t]));
  for (const [index, model] of models.entries()) {
    const started = performance.now();
    const lineage = options.lineage;
    const run = lineage
      ? lineageRun(lineage.emit, {
          namespace: lineage.namespace,
          job: `build.${model.name}`,
          inputs: model.dependsOn.flatMap((d) => {
            const t = byName.get(d);
            return t ? [lineageDataset(lineage.namespace, t)] : [];
          }),
          outputs: [lineageDataset(lineage.namespace, model.table)],
        })
      : undefined;
    await run?.start();
    try {
      const partitioned = model.table.partitionKeys.length > 0;
      const result = await engine.writePartitions(
        {
          table: model.table,
          // An NRT model selected by name: every hour of `to`, from all history (as a rebuild).
          sql:
            model.table.zone === 'nrt'
              ? renderNrtModel(model.sql, to, { hours: allHours })
              : renderModel(model.sql, { from, to }),
          ...(incremental && partitioned ? { partitions: days } : {}),
        },
        query,
      );
      built.push({
        model: model.name,
        rows: result.rows,
        partitions: result.written.length,
        ms: performance.now() - started,
      });
      options.progress?.({ phase: 'build', done: index + 1, total: models.length, label: model.name });
    } catch (error) {
      const failed = new ModelBuildFailedError(model.name, error);
      await run?.fail(failed);
      throw failed;
    }
    await run?.complete();
  }
  return { from, to, incremental, models: built };
}

const allHours = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

function selectModels(models: readonly Model[], select: readonly string[] | undefined): Model[] {
  // NRT views are materialized hour by hour by the NRT refresh, not by a lake build.
  if (!select?.length) return models.filter((m) => m.table.zone !== 'nrt');
  const unknown = select.filter((s) => !models.some((m) => m.name === s || m.table.zone === s));
  if (unknown.length) {
    throw new RangeError(`--select: no model or zone named ${unknown.map((u) => `'${u}'`).join(', ')}`);
  }
  return models.filter((m) => select.includes(m.name) || select.includes(m.table.zone));
}
