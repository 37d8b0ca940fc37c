export { type BacktestScore, backtestKpi, type LabelledSeries } from './backtest.ts';
export { KpiCsvInvalidError, parseKpiCsv } from './csv.ts';
export { dayNumber, isoDay, isWeekend, weekdayOf } from './dates.ts';
export {
  type DetectOptions,
  detectKpiAnomalies,
  type KpiDetection,
  type KpiDetectorName,
  type KpiMetric,
  type KpiPoint,
  type KpiSeries,
  KpiSeriesInvalidError,
  type KpiSkipReason,
  type KpiVerdict,
  kpiDetectorNames,
  type Plan7dOptions,
  type RobustOptions,
} from './detect.ts';
export {
  drillDown,
  explainMove,
  type KpiDrillDown,
  type KpiDriver,
  type KpiMovePart,
  movePartsOf,
} from './drill-down.ts';
export {
  type HolidayCalendar,
  type HolidayRule,
  holidayCalendar,
  holidayDay,
  marketHolidayRules,
  usFederalHolidayRules,
} from './holidays.ts';
