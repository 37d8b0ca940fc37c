import { LakeopsError } from '../shared/errors.ts';
import { dayNumber, isoDay } from './dates.ts';
import { type HolidayCalendar, holidayCalendar } from './holidays.ts';

/** The two KPI families the lake computes daily. */
export type KpiMetric = 'gmv' | 'ctr';
/** A GMV day (`value`) or a CTR day (`clicks` of `impressions`). */
export type KpiPoint =
  | { readonly date: string; readonly value: number }
  | { readonly date: string; readonly clicks: number; readonly impressions: number };
/** One daily series: a metric for one scope (`all` or a city). */
export interface KpiSeries {
  readonly metric: KpiMetric;
  readonly scope: string;
  readonly points: readonly KpiPoint[];
}

export type KpiDetectorName = 'plan-7d' | 'robust';
export const kpiDetectorNames: readonly KpiDetectorName[] = ['robust', 'plan-7d'];

/** Why a day was not judged. Never a page. */
export type KpiSkipReason =
  | 'missing-day'
  | 'no-impressions'
  | 'low-volume'
  | 'holiday'
  | 'insufficient-history';

/** The judgement of one day by one detector. */
export interface KpiVerdict {
  readonly date: string;
  readonly scope: string;
  readonly metric: KpiMetric;
  readonly detector: KpiDetectorName;
  readonly status: 'normal' | 'anomaly' | 'skipped';
  /** GMV, or CTR as a fraction (clicks / impressions); null when the day has no usable value. */
  readonly observed: number | null;
  readonly baseline: number | null;
  /** (observed − baseline) / baseline × 100. */
  readonly deltaPct: number | null;
  readonly severity: 'warn' | 'critical' | null;
  /** Robust z score (robust) or the relative delta (plan-7d). */
  readonly score: number | null;
  /** Impressions for CTR (the count the proportion stands on), the value itself for GMV. */
  readonly volume: number | null;
  readonly skip: KpiSkipReason | null;
  readonly holiday: string | null;
  /**
   * The detector's normal range for the day, on the value scale (GMV, or CTR as a fraction): a
   * judged day is an anomaly exactly when its observed value leaves it (plan-7d: strictly beyond a
   * bound; robust: on or beyond one). Null when the day was not judged.
   */
  readonly band: { readonly lower: number; readonly upper: number } | null;
  /** One sentence a person can read. */
  readonly reason: string;
}

/** The verdicts of one series, or why there are none. */
export interface KpiDetection {
  readonly scope: string;
  readonly metric: KpiMetric;
  readonly detector: KpiDetectorName;
  readonly verdicts: readonly KpiVerdict[];
  /** Set when the series could not be judged at all (e.g. a city with no rows). */
  readonly reason: string | null;
}

export interface Plan7dOptions {
  /** Relative delta that flags (default 0.2 = 20 %). */
  readonly threshold?: number;
}

export interface RobustOptions {
  /** Same-weekday weeks in the baseline (default 6). */
  readonly weeks?: number;
  /** Fewest same-weekday values a baseline needs (default 3). */
  readonly minHistory?: number;
  /** Days of recent residuals that set the level correction and the scale (default 28). */
  readonly window?: number;
  /** Robust z beyond which a day is anomalous (default 4). */
  readonly z?: number;
  /** Smallest relative move worth a page, whatever z says (default 0.1). */
  readonly minDelta?: number;
  /** Floor on the log-scale dispersion (default 0.03). */
  readonly sigmaFloor?: number;
  /** GMV baseline below this is not judged (default 1000). */
  readonly minVolume?: number;
  /** CTR days with fewer impressions are not judged (default 200). */
  readonly minImpressions?: number;
  /** Known days: suppressed (default) or re-baselined by earlier holidays' effect. */
  readonly holidays?: HolidayCalendar;
  readonly holidayPolicy?: 'suppress' | 'rebaseline';
}

export type DetectOptions =
  | ({ readonly detector: 'plan-7d' } & Plan7dOptions)
  | ({ readonly detector?: 'robust' } & RobustOptions);

/** A series that cannot be read as a daily KPI (bad date, a day twice, metric mismatch). */
export class KpiSeriesInvalidError extends LakeopsError {
  constructor(message: string) {
    super('KpiSeriesInvalid', message, { retryable: false });
  }
}

interface Day {
  readonly day: number;
  readonly date: string;
  /** Numerator: GMV or clicks. */
  readonly num: number;
  /** Impressions for CTR, null for GMV. */
  readonly den: number | null;
}

function readDays(series: KpiSeries): Map<number, Day> {
  const days = new Map<number, Day>();
  for (const p of series.points) {
    const day = dayNumber(p.date);
    if (day === undefined)
      throw new KpiSeriesInvalidError(`${series.scope}: '${p.date}' is not a YYYY-MM-DD day`);
    if (days.has(day)) throw new KpiSeriesInvalidError(`${series.scope}: ${p.date} appears twice`);
    const isCtr = 'clicks' in p;
    if (isCtr !== (series.metric === 'ctr')) {
      throw new KpiSeriesInvalidError(`${series.scope}: ${p.date} is not a ${series.metric} point`);
    }
    const num = isCtr ? p.clicks : p.value;
    const den = isCtr ? p.impressions : null;
    if (!Number.isFinite(num) || num < 0 || (den !== null && (!Number.isFinite(den) || den < 0))) {
      throw new KpiSeriesInvalidError(`${series.scope}: ${p.date} has a negative or non-numeric count`);
    }
    if (den !== null && num > den) {
      throw new KpiSeriesInvalidError(`${series.scope}: ${p.date} has more clicks than impressions`);
    }
    days.set(day, { day, date: p.date, num, den });
  }
  return days;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function mad(values: readonly number[], center: number): number {
  return median(values.map((v) => Math.abs(v - center)));
}

const pct = (observed: number, baseline: number) => ((observed - baseline) / baseline) * 100;
const fmt = (v: number, metric: KpiMetric) => (metric === 'ctr' ? `${(v * 100).toFixed(2)}%` : v.toFixed(0));

/**
 * Judges every day of a series from its first to its last date with one detector. Days without a
 * row, without impressions, with too little volume or history, or on a known holiday are
 * `skipped` with the reason; they never page.
 *
 * @example
 * ```ts
 * const { verdicts } = detectKpiAnomalies({ metric: 'gmv', scope: 'all', points }, { detector: 'robust' });
 * const pages = verdicts.filter((v) => v.status === 'anomaly');
 * ```
 */
export function detectKpiAnomalies(series: KpiSeries, options: DetectOptions = {}): KpiDetection {
  const detector: KpiDetectorName = options.detector ?? 'robust';
  const days = readDays(series);
  const base = { scope: series.scope, metric: series.metric, detector };
  if (days.size === 0)
    return { ...base, verdicts: [], reason: `no rows for ${series.scope}: nothing to judge` };
  const numbers = [...days.keys()];
  const first = Math.min(...numbers);
  const last = Math.max(...numbers);
  const verdicts =
    options.detector === 'plan-7d'
      ? plan7d(series, days, first, last, options)
      : robust(series, days, first, last, options);
  return { ...base, verdicts, reason: null };
}

type VerdictFields = Pick<
  KpiVerdict,
  'status' | 'observed' | 'baseline' | 'severity' | 'score' | 'skip' | 'reason'
> & {
  holiday?: string | null;
  band?: KpiVerdict['band'];
};

function verdict(
  series: KpiSeries,
  detector: KpiDetectorName,
  day: number,
  d: Day | undefined,
  p: VerdictFields,
): KpiVerdict {
  const { observed, baseline } = p;
  return {
    date: isoDay(day),
    scope: series.scope,
    metric: series.metric,
    detector,
    status: p.status,
    observed,
    baseline,
    deltaPct: observed !== null && baseline !== null && baseline > 0 ? pct(observed, baseline) : null,
    severity: p.severity,
    score: p.score,
    volume: d ? (d.den ?? d.num) : null,
    skip: p.skip,
    holiday: p.holiday ?? null,
    band: p.band ?? null,
    reason: p.reason,
  };
}

function missing(series: KpiSeries, detector: KpiDetectorName, day: number): KpiVerdict {
  return verdict(series, detector, day, undefined, {
    status: 'skipped',
    observed: null,
    baseline: null,
    severity: null,
    score: null,
    skip: 'missing-day',
    reason: `no row for ${isoDay(day)}: the day is missing from the KPI table, not judged`,
  });
}

function noImpressions(series: KpiSeries, detector: KpiDetectorName, d: Day): KpiVerdict {
  return verdict(series, detector, d.day, d, {
    status: 'skipped',
    observed: null,
    baseline: null,
    severity: null,
    score: null,
    skip: 'no-impressions',
    reason: `${d.date} has ${d.den ?? 0} impressions: CTR is undefined, not judged`,
  });
}

/** The plan's rule: relative delta against the mean of the previous 7 calendar days. */
function plan7d(
  series: KpiSeries,
  days: Map<number, Day>,
  first: number,
  last: number,
  options: Plan7dOptions,
) {
  const threshold = options.threshold ?? 0.2;
  const out: KpiVerdict[] = [];
  const rate = (d: Day) => (d.den === null ? d.num : d.den > 0 ? d.num / d.den : undefined);
  for (let day = first; day <= last; day++) {
    const d = days.get(day);
    if (!d) {
      out.push(missing(series, 'plan-7d', day));
      continue;
    }
    const observed = rate(d);
    if (observed === undefined) {
      out.push(noImpressions(series, 'plan-7d', d));
      continue;
    }
    const previous: number[] = [];
    for (let k = 1; k <= 7; k++) {
      const p = days.get(day - k);
      const r = p && rate(p);
      if (r !== undefined) previous.push(r);
    }
    if (previous.length < 4 || previous.every((v) => v === 0)) {
      out.push(
        verdict(series, 'plan-7d', day, d, {
          status: 'skipped',
          observed,
          baseline: null,
          severity: null,
          score: null,
          skip: 'insufficient-history',
          reason: `${previous.length} of the previous 7 days have a value: no 7-day mean`,
        }),
      );
      continue;
    }
    const baseline = previous.reduce((a, b) => a + b, 0) / previous.length;
    const delta = (observed - baseline) / baseline;
    const flagged = Math.abs(delta) > threshold;
    out.push(
      verdict(series, 'plan-7d', day, d, {
        status: flagged ? 'anomaly' : 'normal',
        observed,
        baseline,
        severity: flagged ? (Math.abs(delta) > 2 * threshold ? 'critical' : 'warn') : null,
        score: delta,
        skip: null,
        // Flagged when |delta| > threshold.
        band: { lower: baseline * (1 - threshold), upper: baseline * (1 + threshold) },
        reason: `${fmt(observed, series.metric)} vs 7-day mean ${fmt(baseline, series.metric)} (${(delta * 100).toFixed(1)}%, threshold ±${threshold * 100}%)`,
      }),
    );
  }
  return out;
}

/**
 * Same-weekday median baseline, corrected by the median residual of the recent window (which
 * follows a trend), scaled by the residuals' MAD; CTR adds the binomial variance of the day's
 * impressions (a proportion test with over-dispersion), so a small day needs a large move.
 */
function robust(series: KpiSeries, days: Map<number, Day>, first: number, last: number, o: RobustOptions) {
  const weeks = o.weeks ?? 6;
  const minHistory = o.minHistory ?? 3;
  const window = o.window ?? 28;
  const zMax = o.z ?? 4;
  const minDelta = o.minDelta ?? 0.1;
  const sigmaFloor = o.sigmaFloor ?? 0.03;
  const minVolume = o.minVolume ?? 1000;
  const minImpressions = o.minImpressions ?? 200;
  const calendar = o.holidays ?? holidayCalendar();
  const policy = o.holidayPolicy ?? 'suppress';
  const isCtr = series.metric === 'ctr';
  const usable = (d: Day | undefined): d is Day =>
    d !== undefined && (isCtr ? (d.den ?? 0) >= minImpressions : true);
  const rate = (d: Day) => (isCtr ? d.num / (d.den as number) : d.num);
  const log = (v: number) => Math.log(Math.max(v, isCtr ? 1e-6 : 1));
  /** Residual log(observed / same-weekday median) of each judged ordinary day, and of holidays. */
  const residuals = new Map<number, { r: number; binomial: number }>();
  const holidayEffects: number[] = [];
  const out: KpiVerdict[] = [];
  const skipped = (
    day: number,
    d: Day | undefined,
    skip: KpiSkipReason,
    reason: string,
    extra: Partial<VerdictFields> = {},
  ) =>
    verdict(series, 'robust', day, d, {
      status: 'skipped',
      observed: null,
      baseline: null,
      severity: null,
      score: null,
      skip,
      reason,
      ...extra,
    });

  for (let day = first; day <= last; day++) {
    const d = days.get(day);
    if (!d) {
      out.push(missing(series, 'robust', day));
      continue;
    }
    if (isCtr && (d.den ?? 0) === 0) {
      out.push(noImpressions(series, 'robust', d));
      continue;
    }
    const holiday = calendar.holiday(d.date) ?? null;
    const history: number[] = [];
    for (let k = 1; k <= weeks; k++) {
      const h = days.get(day - 7 * k);
      if (usable(h) && !calendar.holiday(h.date)) history.push(log(rate(h)));
    }
    const observed = rate(d);
    if (history.length < minHistory) {
      out.push(
        skipped(
          day,
          d,
          'insufficient-history',
          `${history.length} same-weekday days in the last ${weeks} weeks (need ${minHistory})`,
          {
            observed,
            holiday,
          },
        ),
      );
      continue;
    }
    const logBase = median(history);
    const volumeTooLow = isCtr ? (d.den ?? 0) < minImpressions : Math.exp(logBase) < minVolume;
    if (volumeTooLow) {
      out.push(
        skipped(
          day,
          d,
          'low-volume',
          isCtr
            ? `${d.den} impressions (< ${minImpressions}): too few to judge a rate`
            : `baseline ${fmt(Math.exp(logBase), 'gmv')} (< ${minVolume}): too small to judge`,
          { observed, baseline: Math.exp(logBase), holiday },
        ),
      );
      continue;
    }
    const recent: { r: number; binomial: number }[] = [];
    for (let k = 1; k <= window; k++) {
      const r = residuals.get(day - k);
      if (r) recent.push(r);
    }
    if (recent.length < 7) {
      const r = log(observed) - logBase;
      if (!holiday && usable(d)) residuals.set(day, { r, binomial: binomialVar(d) });
      out.push(
        skipped(
          day,
          d,
          'insufficient-history',
          `${recent.length} judged days in the last ${window} (need 7)`,
          {
            observed,
            baseline: Math.exp(logBase),
            holiday,
          },
        ),
      );
      continue;
    }
    const rs = recent.map((x) => x.r);
    const level = median(rs);
    const spread = 1.4826 * mad(rs, level);
    const binomialRecent = isCtr ? median(recent.map((x) => x.binomial)) : 0;
    const extra = Math.max(spread * spread - binomialRecent, sigmaFloor * sigmaFloor);
    let baseline = Math.exp(logBase + level);
    const residual = log(observed) - logBase;
    if (holiday) {
      const effect = holidayEffects.length ? median(holidayEffects) : undefined;
      holidayEffects.push(residual - level);
      if (policy === 'suppress' || effect === undefined) {
        out.push(
          skipped(day, d, 'holiday', `${d.date} is ${holiday}: a known day, not judged`, {
            observed,
            baseline,
            holiday,
          }),
        );
        continue;
      }
      baseline *= Math.exp(effect);
    }
    if (!holiday) residuals.set(day, { r: residual, binomial: binomialVar(d) });
    const sigma = Math.sqrt(extra + (isCtr ? binomialVar(d) : 0));
    const z = (log(observed) - Math.log(baseline)) / sigma;
    const delta = observed / baseline - 1;
    const flagged = Math.abs(z) >= zMax && Math.abs(delta) >= minDelta;
    out.push(
      verdict(series, 'robust', day, d, {
        status: flagged ? 'anomaly' : 'normal',
        observed,
        baseline,
        severity: flagged
          ? Math.abs(z) >= 2 * zMax && Math.abs(delta) >= 2 * minDelta
            ? 'critical'
            : 'warn'
          : null,
        score: z,
        skip: null,
        holiday,
        // Flagged when |z| ≥ zMax and |delta| ≥ minDelta: normal while either stays inside.
        band: {
          lower: baseline * Math.min(Math.exp(-zMax * sigma), 1 - minDelta),
          upper: baseline * Math.max(Math.exp(zMax * sigma), 1 + minDelta),
        },
        reason: `${fmt(observed, series.metric)} vs same-weekday baseline ${fmt(baseline, series.metric)} (${(delta * 100).toFixed(1)}%, z ${z.toFixed(1)}, page at |z| ≥ ${zMax} and ≥ ${minDelta * 100}%)${holiday ? `, re-baselined for ${holiday}` : ''}`,
      }),
    );
  }
  return out;
}

/** Variance of log(p̂) for a binomial proportion: (1 − p) / (n·p); 0 for GMV. */
function binomialVar(d: Day): number {
  if (d.den === null || d.den === 0) return 0;
  const p = Math.max(d.num, 0.5) / d.den;
  return (1 - p) / (d.den * p);
}
