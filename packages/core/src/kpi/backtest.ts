import { dayNumber, isWeekend } from './dates.ts';
import { type DetectOptions, detectKpiAnomalies, type KpiDetectorName, type KpiSeries } from './detect.ts';
import { type HolidayCalendar, holidayCalendar } from './holidays.ts';

/** A series with ground truth: 1 on the days an anomaly was injected. */
export interface LabelledSeries {
  readonly series: KpiSeries;
  readonly labels: ReadonlyMap<string, 0 | 1>;
}

/** Precision, recall and F1 of one detector over labelled series, from the labels. */
export interface BacktestScore {
  readonly detector: KpiDetectorName;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** False alarms that fell on a Saturday or Sunday, and on a known holiday. */
  readonly falseAlarmsWeekend: number;
  readonly falseAlarmsHoliday: number;
}

/**
 * Runs each detector over every labelled day and scores it: a flagged day labelled 1 is a true
 * positive, flagged and 0 a false alarm, not flagged (including skipped) and 1 a miss.
 *
 * @example
 * ```ts
 * const [robust, plan] = backtestKpi(labelled);
 * robust.f1 > plan.f1;
 * ```
 */
export function backtestKpi(
  labelled: readonly LabelledSeries[],
  options: { detectors?: readonly DetectOptions[]; holidays?: HolidayCalendar } = {},
): BacktestScore[] {
  const calendar = options.holidays ?? holidayCalendar();
  const detectors = options.detectors ?? [{ detector: 'robust' as const }, { detector: 'plan-7d' as const }];
  return detectors.map((opts) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let weekend = 0;
    let holiday = 0;
    for (const { series, labels } of labelled) {
      const flagged = new Set(
        detectKpiAnomalies(series, opts)
          .verdicts.filter((v) => v.status === 'anomaly')
          .map((v) => v.date),
      );
      for (const [date, label] of labels) {
        const hit = flagged.has(date);
        if (hit && label === 1) tp++;
        else if (hit) {
          fp++;
          if (isWeekend(dayNumber(date) ?? 0)) weekend++;
          if (calendar.holiday(date)) holiday++;
        } else if (label === 1) fn++;
      }
    }
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    return {
      detector: opts.detector ?? 'robust',
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
      precision,
      recall,
      f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
      falseAlarmsWeekend: weekend,
      falseAlarmsHoliday: holiday,
    };
  });
}
