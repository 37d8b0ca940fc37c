import {
  detectKpiAnomalies,
  type KpiDetectorName,
  type KpiMetric,
  type KpiVerdict,
  kpiDetectorNames,
} from '@lakeops/core';
import { kpiLakeSql, kpiSeriesOfRows } from '@lakeops/lake';
import type { ConsoleDeps } from './console-deps.ts';
import { ConsoleRequestInvalidError } from './errors.ts';

export interface KpiDay {
  readonly date: string;
  readonly observed: number | null;
  readonly baseline: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly status: KpiVerdict['status'];
  readonly severity: KpiVerdict['severity'];
  readonly reason: string;
}

export interface KpiChart {
  readonly metric: KpiMetric;
  /** A city id, or `all`. */
  readonly scope: string;
  readonly days: readonly KpiDay[];
  readonly anomalies: number;
}

export function kpiDetector(raw: string | null): KpiDetectorName {
  if (raw === null || raw === '') return 'robust';
  const found = kpiDetectorNames.find((d) => d === raw);
  if (!found)
    throw new ConsoleRequestInvalidError(
      400,
      'ParameterInvalid',
      `detector must be ${kpiDetectorNames.join(' or ')}, got '${raw.slice(0, 32)}'`,
    );
  return found;
}

/**
 * GMV per city and in total, CTR in total (the Gold table has no city), judged by the KPI
 * detector of `@lakeops/core` with its band: the same series `lakeops kpi detect` judges.
 */
export async function readKpis(
  deps: ConsoleDeps,
  detector: KpiDetectorName,
): Promise<{ detector: KpiDetectorName; charts: KpiChart[] }> {
  const charts: KpiChart[] = [];
  for (const metric of ['gmv', 'ctr'] as const) {
    const rows = await deps.engine.query(kpiLakeSql[metric]);
    for (const series of kpiSeriesOfRows(metric, rows)) {
      const { verdicts } = detectKpiAnomalies(series, { detector });
      const days = verdicts.map((v) => ({
        date: v.date,
        observed: v.observed ?? observedOf(series.points, v.date),
        baseline: v.baseline,
        lower: v.band?.lower ?? null,
        upper: v.band?.upper ?? null,
        status: v.status,
        severity: v.severity,
        reason: v.reason,
      }));
      charts.push({
        metric,
        scope: series.scope,
        days,
        anomalies: days.filter((d) => d.status === 'anomaly').length,
      });
    }
  }
  return { detector, charts };
}

/** The day's value when the detector skipped it (it reports none then). */
function observedOf(
  points: readonly ({ date: string } & Record<string, unknown>)[],
  date: string,
): number | null {
  const p = points.find((x) => x.date === date);
  if (!p) return null;
  if (typeof p.value === 'number') return p.value;
  if (typeof p.clicks === 'number' && typeof p.impressions === 'number' && p.impressions > 0)
    return p.clicks / p.impressions;
  return null;
}
