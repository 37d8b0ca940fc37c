import { LakeopsError } from '../shared/errors.ts';
import type { LabelledSeries } from './backtest.ts';
import type { KpiMetric, KpiPoint } from './detect.ts';

/** A KPI CSV that cannot be read; the message names the line. */
export class KpiCsvInvalidError extends LakeopsError {
  constructor(message: string) {
    super('KpiCsvInvalid', message, { retryable: false });
  }
}

/**
 * Reads `date,value` (GMV) or `date,clicks,impressions` (CTR), with an optional `city` column
 * (one series per city; `all` without it) and an optional `label` column (0/1). A row whose
 * value cells are empty is a missing day. Series come back in first-seen order.
 *
 * @example
 * ```ts
 * const { metric, series } = parseKpiCsv('date,value\n2026-11-02,1200\n');
 * ```
 */
export function parseKpiCsv(
  text: string,
  expected?: KpiMetric,
): { metric: KpiMetric; series: LabelledSeries[] } {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const [iDate, iValue, iClicks, iImpr, iCity, iLabel] = [
    'date',
    'value',
    'clicks',
    'impressions',
    'city',
    'label',
  ].map(col) as [number, number, number, number, number, number];
  if (iDate < 0) throw new KpiCsvInvalidError("line 1: no 'date' column");
  const metric: KpiMetric | undefined = iClicks >= 0 && iImpr >= 0 ? 'ctr' : iValue >= 0 ? 'gmv' : undefined;
  if (!metric)
    throw new KpiCsvInvalidError("line 1: need a 'value' column (gmv) or 'clicks' and 'impressions' (ctr)");
  if (expected && expected !== metric) {
    throw new KpiCsvInvalidError(
      `line 1: --metric ${expected} needs ${expected === 'ctr' ? "'clicks' and 'impressions'" : "a 'value'"} column`,
    );
  }
  const byScope = new Map<string, { points: KpiPoint[]; labels: Map<string, 0 | 1> }>();
  lines.forEach((line, index) => {
    if (index === 0 || line.trim() === '') return;
    const cells = line.split(',').map((c) => c.trim());
    const at = `line ${index + 1}`;
    const cell = (i: number) => (i >= 0 ? (cells[i] ?? '') : '');
    const date = cell(iDate);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
      throw new KpiCsvInvalidError(`${at}: '${date}' is not a YYYY-MM-DD date`);
    const scope = iCity >= 0 ? cell(iCity) || '(empty city)' : 'all';
    let entry = byScope.get(scope);
    if (!entry) {
      entry = { points: [], labels: new Map() };
      byScope.set(scope, entry);
    }
    if (iLabel >= 0) {
      const label = cell(iLabel);
      if (label !== '0' && label !== '1')
        throw new KpiCsvInvalidError(`${at}: label must be 0 or 1, got '${label}'`);
      entry.labels.set(date, label === '1' ? 1 : 0);
    }
    const number = (i: number, name: string) => {
      const raw = cell(i);
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n) || n < 0)
        throw new KpiCsvInvalidError(`${at}: ${name} '${raw}' is not a count ≥ 0`);
      return n;
    };
    const valueCells = metric === 'ctr' ? [cell(iClicks), cell(iImpr)] : [cell(iValue)];
    if (valueCells.every((c) => c === '')) return;
    entry.points.push(
      metric === 'ctr'
        ? { date, clicks: number(iClicks, 'clicks'), impressions: number(iImpr, 'impressions') }
        : { date, value: number(iValue, 'value') },
    );
  });
  return {
    metric,
    series: [...byScope].map(([scope, e]) => ({
      series: { metric, scope, points: e.points },
      labels: e.labels,
    })),
  };
}
