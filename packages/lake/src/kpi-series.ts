import type { KpiMetric, KpiPoint, KpiSeries, Row } from '@lakeops/core';

/** The lake's daily KPIs: GMV per city (gold.kpi_gmv_daily), CTR in total (gold.kpi_promo_ctr has no city). */
export const kpiLakeSql: Readonly<Record<KpiMetric, string>> = {
  gmv: 'SELECT CAST(dt AS VARCHAR) AS date, city_id AS scope, sum(gmv) AS value FROM gold.kpi_gmv_daily GROUP BY 1, 2 ORDER BY 2, 1',
  ctr: "SELECT CAST(dt AS VARCHAR) AS date, 'all' AS scope, sum(clicks) AS clicks, sum(impressions) AS impressions FROM gold.kpi_promo_ctr GROUP BY 1 ORDER BY 1",
};

/**
 * Rows (date, scope, value | clicks, impressions) → one series per scope, plus the total for GMV.
 * A city without a row on a day the table has sold nothing (GMV 0); a day absent from the whole
 * table stays missing (and is reported so).
 */
export function kpiSeriesOfRows(metric: KpiMetric, rows: readonly Row[]): KpiSeries[] {
  const dateOf = (r: Row) => String(r.date).slice(0, 10);
  const days = [...new Set(rows.map(dateOf))].sort();
  const byScope = new Map<string, Map<string, Row>>();
  for (const row of rows) {
    const scope = String(row.scope ?? '');
    const map = byScope.get(scope) ?? new Map<string, Row>();
    map.set(dateOf(row), row);
    byScope.set(scope, map);
  }
  const series: KpiSeries[] = [...byScope].map(([scope, byDate]) => ({
    metric,
    scope,
    points: days.flatMap((date): KpiPoint[] => {
      const r = byDate.get(date);
      if (metric === 'ctr')
        return r ? [{ date, clicks: Number(r.clicks), impressions: Number(r.impressions) }] : [];
      return [{ date, value: r ? Number(r.value) : 0 }];
    }),
  }));
  if (metric === 'gmv' && byScope.size > 1) {
    const total = new Map<string, number>();
    for (const r of rows) total.set(dateOf(r), (total.get(dateOf(r)) ?? 0) + Number(r.value));
    series.unshift({
      metric,
      scope: 'all',
      points: days.map((date) => ({ date, value: total.get(date) ?? 0 })),
    });
  }
  return series;
}
