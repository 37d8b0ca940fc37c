import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type BacktestScore,
  backtestKpi,
  type DetectOptions,
  detectKpiAnomalies,
  drillDown,
  type KpiDetection,
  type KpiMetric,
  type KpiSeries,
  type KpiVerdict,
  type LabelledSeries,
  LakeopsError,
  parseKpiCsv,
  type Row,
} from '@lakeops/core';
import { kpiLakeSql, kpiSeriesOfRows } from '@lakeops/lake';
import { actionOf, CliUsageError, type Command, type CommandContext } from '../command.ts';
import { asUsageError, openLocalLake, parseOptions } from '../lake.ts';
import { localConfig } from '../local-config.ts';

const help = `Usage: lakeops kpi detect [--csv FILE] [--metric gmv|ctr] [--detector robust|plan-7d] [--all]
       lakeops kpi backtest --csv FILE

Judges a daily KPI for anomalies.

  detect    prints one JSON object per flagged day:
              {"date","observed","baseline","delta_pct","detector","severity"}
            (plus "scope" when the input has cities, and for an anomaly of the total
            (scope "all") "drivers": the cities that explain 80 % of its move).
            CTR is a fraction (0.042 = 4.2 %).
            With --all, every day is printed with its status and the reason, including
            the days that were not judged (missing day, no impressions, low volume, holiday).
  backtest  the CSV has a 0/1 "label" column; prints precision, recall and F1 of each
            detector, and its false alarms on weekends and holidays.

Detectors:
  robust    (default) same-weekday median baseline over 6 weeks with a trend correction,
            robust z (MAD) ≥ 4 and a move ≥ 10 %; minimum volume; CTR judged on clicks and
            impressions (proportion test); US federal holidays not judged.
  plan-7d   the plan's rule: more than 20 % away from the mean of the previous 7 days.

Input:
  --csv FILE    "date,value" (GMV) or "date,clicks,impressions" (CTR); optional "city"
                (each city judged on its own) and "label" columns. An empty value is a
                missing day. Without --csv, detect reads the local lake: gold.kpi_gmv_daily
                per city and in total (gmv), gold.kpi_promo_ctr in total (ctr).
  --metric      gmv or ctr (default: from the CSV's columns; gmv for the lake)
  --detector    robust or plan-7d (default robust)
  --json        backtest: one JSON object per detector
  -h, --help    show this help

Exit status: 0 when the run completed (anomalies or not), 1 when the input cannot be read,
2 on a usage mistake.

Examples:
  npx lakeops kpi detect --csv test/fixtures/kpi/gmv-seed101.csv
  npx lakeops kpi detect --csv ctr.csv --metric ctr --detector plan-7d
  npx lakeops kpi backtest --csv test/fixtures/kpi/ctr-seed101.csv`;

const options = {
  csv: { type: 'string' },
  metric: { type: 'string' },
  detector: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export const kpiCommand: Command = {
  name: 'kpi',
  summary: 'Detect GMV/CTR anomalies (robust or plan-7d), or backtest the detectors on labelled data',
  help,
  async run(args, ctx) {
    const { positionals, values } = parseOptions(args, options, true);
    const action = actionOf('kpi', positionals, ['detect', 'backtest'] as const);
    const metric = values.metric;
    if (metric !== undefined && metric !== 'gmv' && metric !== 'ctr') {
      throw new CliUsageError(`--metric must be gmv or ctr, got '${metric}'`);
    }
    const detector = values.detector ?? 'robust';
    if (detector !== 'robust' && detector !== 'plan-7d') {
      throw new CliUsageError(`--detector must be robust or plan-7d, got '${detector}'`);
    }
    if (action === 'backtest') {
      if (values.csv === undefined) throw new CliUsageError('backtest needs --csv FILE with a label column');
      if (values.detector !== undefined || values.all)
        throw new CliUsageError('backtest runs both detectors; drop --detector/--all');
      const input = await readCsv(values.csv, ctx, metric);
      if (input.series.every((s) => s.labels.size === 0))
        throw new CliUsageError(`${values.csv}: no 'label' column`, { exitCode: 1 });
      let scores: BacktestScore[];
      try {
        scores = backtestKpi(input.series);
      } catch (error) {
        if (error instanceof LakeopsError)
          throw new CliUsageError(error.message, { exitCode: 1, cause: error });
        throw error;
      }
      for (const score of scores) {
        const line = values.json
          ? JSON.stringify({ ...score, metric: input.metric })
          : `${score.detector.padEnd(8)} precision ${score.precision.toFixed(3)}  recall ${score.recall.toFixed(3)}  F1 ${score.f1.toFixed(3)}  (tp ${score.truePositives}, fp ${score.falsePositives}, fn ${score.falseNegatives}; false alarms: ${score.falseAlarmsWeekend} on weekends, ${score.falseAlarmsHoliday} on holidays)`;
        ctx.stdout.write(`${line}\n`);
      }
      return 0;
    }
    if (values.json) throw new CliUsageError('--json is for backtest (detect always prints JSON lines)');
    const series =
      values.csv === undefined
        ? await readLake(ctx, metric ?? 'gmv')
        : (await readCsv(values.csv, ctx, metric)).series.map((s) => s.series);
    const opts: DetectOptions = detector === 'plan-7d' ? { detector } : { detector };
    const withScope = series.length > 1 || series.some((s) => s.scope !== 'all');
    let results: KpiDetection[];
    try {
      results = series.map((s) => detectKpiAnomalies(s, opts));
    } catch (error) {
      if (error instanceof LakeopsError)
        throw new CliUsageError(error.message, { exitCode: 1, cause: error });
      throw error;
    }
    const cityVerdicts = results.filter((r) => r.scope !== 'all').flatMap((r) => r.verdicts);
    const drivers = new Map(
      cityVerdicts.length
        ? drillDown(results.find((r) => r.scope === 'all')?.verdicts ?? [], cityVerdicts).map((d) => [
            d.verdict.date,
            d.drivers,
          ])
        : [],
    );
    for (const [index, s] of series.entries()) {
      const result = results[index] as KpiDetection;
      if (result.reason && values.all) {
        ctx.stdout.write(
          `${JSON.stringify({ scope: s.scope, detector, status: 'skipped', reason: result.reason })}\n`,
        );
      }
      for (const v of result.verdicts) {
        if (v.status !== 'anomaly' && !values.all) continue;
        const explained = v.scope === 'all' ? drivers.get(v.date) : undefined;
        const line = {
          ...printable(v, withScope, values.all === true),
          ...(explained
            ? {
                drivers: explained.map((d) => ({
                  city: d.scope,
                  delta: Number(d.delta.toFixed(2)),
                  share: Number(d.share.toFixed(3)),
                })),
              }
            : {}),
        };
        ctx.stdout.write(`${JSON.stringify(line)}\n`);
      }
    }
    return 0;
  },
};

function round(value: number | null, digits: number): number | null {
  return value === null ? null : Number(value.toFixed(digits));
}

/** The documented line: date, observed, baseline, delta_pct, detector, severity (+ scope, + status/reason with --all). */
function printable(v: KpiVerdict, withScope: boolean, all: boolean) {
  const digits = v.metric === 'ctr' ? 6 : 2;
  return {
    ...(withScope ? { scope: v.scope } : {}),
    date: v.date,
    observed: round(v.observed, digits),
    baseline: round(v.baseline, digits),
    delta_pct: round(v.deltaPct, 1),
    detector: v.detector,
    severity: v.severity,
    ...(all ? { status: v.status, reason: v.reason } : {}),
  };
}

async function readCsv(
  file: string,
  ctx: CommandContext,
  metric: string | undefined,
): Promise<{ metric: KpiMetric; series: LabelledSeries[] }> {
  let text: string;
  try {
    text = await readFile(resolve(ctx.cwd, file), 'utf8');
  } catch (error) {
    throw new CliUsageError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      {
        exitCode: 1,
        cause: error,
      },
    );
  }
  try {
    return parseKpiCsv(text, metric === 'gmv' || metric === 'ctr' ? metric : undefined);
  } catch (error) {
    if (error instanceof LakeopsError)
      throw new CliUsageError(`${file}: ${error.message}`, { exitCode: 1, cause: error });
    throw error;
  }
}

/** The lake's daily KPI as series: GMV per city and in total, CTR in total. */
async function readLake(ctx: CommandContext, metric: KpiMetric): Promise<KpiSeries[]> {
  const lake = await openLocalLake(localConfig(ctx).home);
  let rows: Row[];
  try {
    rows = await lake.engine.query(kpiLakeSql[metric], { signal: ctx.signal });
  } catch (error) {
    throw asUsageError(error);
  } finally {
    await lake.close();
  }
  return kpiSeriesOfRows(metric, rows);
}
