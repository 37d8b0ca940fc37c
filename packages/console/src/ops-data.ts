import { type NrtViewRecord, type Row, readNrtViewRecord, type SqlValue } from '@lakeops/core';
import type { ConsoleDeps } from './console-deps.ts';
import { ConsoleRequestInvalidError } from './errors.ts';

/** The NRT views the Ops page shows, in its order. */
export const opsViews = ['recon_gates', 'payout_backlog', 'dispute_queue'] as const;
export type OpsViewName = (typeof opsViews)[number];

/** Lag (now − last time the view was current) above which a panel turns amber, then red. */
export const freshnessThresholds = { amberSeconds: 600, redSeconds: 900 } as const;

export interface Freshness {
  /** Last time the refresh found the view current (it wrote, or found nothing new). */
  readonly refreshedAt: string | null;
  readonly lagSeconds: number | null;
  /** `red` past 15 minutes, when never refreshed, or while the staleness alarm is on. */
  readonly level: 'fresh' | 'amber' | 'red';
  /** Newest source event the view covers. */
  readonly watermark: string | null;
  readonly stale: boolean;
  readonly lastError: string | null;
}

export function freshnessOf(record: NrtViewRecord | undefined, now: Date): Freshness {
  const refreshedAt = record?.refreshedAt ?? null;
  const lagSeconds =
    refreshedAt === null ? null : Math.max(0, Math.round((now.getTime() - Date.parse(refreshedAt)) / 1000));
  const stale = record?.stale ?? false;
  const level =
    lagSeconds === null || stale || lagSeconds > freshnessThresholds.redSeconds
      ? 'red'
      : lagSeconds > freshnessThresholds.amberSeconds
        ? 'amber'
        : 'fresh';
  return {
    refreshedAt,
    lagSeconds,
    level,
    watermark: record?.watermark ?? null,
    stale,
    lastError: record?.lastError ?? null,
  };
}

export interface ReconGate {
  readonly hour: string;
  readonly city: string;
  readonly payments: number;
  readonly paymentAmount: number;
  readonly confirmedAmount: number;
  readonly mismatch: number;
  readonly passed: boolean;
}

export interface BucketCount {
  readonly hour: string;
  readonly status?: string;
  readonly ageBucket: string;
  readonly count: number;
  readonly amount: number;
}

interface PanelBase {
  readonly view: `nrt.${OpsViewName}`;
  readonly freshness: Freshness;
  /** The day shown (the view's current day) and the hours of it up to now; null before a refresh. */
  readonly day: string | null;
  readonly hours: readonly string[];
}

export type OpsPanel =
  | (PanelBase & {
      readonly kind: 'recon_gates';
      readonly gates: readonly ReconGate[];
      readonly failed: number;
    })
  | (PanelBase & { readonly kind: 'payout_backlog'; readonly buckets: readonly BucketCount[] })
  | (PanelBase & { readonly kind: 'dispute_queue'; readonly buckets: readonly BucketCount[] });

export const ageBuckets = ['<1h', '1-4h', '4-24h', '>24h'] as const;

/** `nrt.recon_gates` or `recon_gates` → `recon_gates`; anything else is a 404 with a reason. */
export function opsViewName(raw: string): OpsViewName {
  const name = raw.replace(/^nrt\./, '');
  const found = opsViews.find((v) => v === name);
  if (!found)
    throw new ConsoleRequestInvalidError(
      404,
      'ViewUnknown',
      `no NRT view named '${raw.slice(0, 64)}' (${opsViews.map((v) => `nrt.${v}`).join(', ')})`,
    );
  return found;
}

const num = (v: SqlValue | undefined) => (typeof v === 'number' ? v : Number(v ?? 0));
const text = (v: SqlValue | undefined) => String(v ?? '');

/** The SQL of a panel: only the view's materialized Parquet, its day, hours up to `lastHour`. */
export function opsPanelSql(view: OpsViewName, day: string, lastHour: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !/^\d{2}$/.test(lastHour)) throw new Error(`bad day ${day}`);
  const where = `dt = '${day}' AND hour <= '${lastHour}'`;
  switch (view) {
    case 'recon_gates':
      return `SELECT hour, city_id, payments, payment_amount, confirmed_amount, mismatch_amount, gate_passed FROM nrt.recon_gates WHERE ${where} ORDER BY hour, city_id`;
    case 'payout_backlog':
      return `SELECT hour, age_bucket, sum(payouts) AS n, sum(amount) AS amount FROM nrt.payout_backlog WHERE ${where} GROUP BY hour, age_bucket ORDER BY hour, age_bucket`;
    case 'dispute_queue':
      return `SELECT hour, status, age_bucket, sum(disputes) AS n, sum(amount) AS amount FROM nrt.dispute_queue WHERE ${where} GROUP BY hour, status, age_bucket ORDER BY hour, status, age_bucket`;
  }
}

/**
 * One Ops panel: the view's rows for its current day (the day of its refresh record), hours up to
 * now on today, and its freshness. Reads only `nrt.<view>`.
 */
export async function readOpsPanel(deps: ConsoleDeps, view: OpsViewName): Promise<OpsPanel> {
  const now = deps.clock.now();
  const record = await readNrtViewRecord(deps.state, `nrt.${view}`);
  const freshness = freshnessOf(record, now);
  const today = now.toISOString().slice(0, 10);
  const day = record?.day ?? null;
  const base = { view: `nrt.${view}` as const, freshness, day };
  if (day === null) {
    if (view === 'recon_gates') return { ...base, kind: view, hours: [], gates: [], failed: 0 };
    return { ...base, kind: view, hours: [], buckets: [] };
  }
  const lastHour = day === today ? now.toISOString().slice(11, 13) : '23';
  const rows: Row[] = await deps.engine.query(opsPanelSql(view, day, lastHour));
  const hours = [...new Set(rows.map((r) => text(r.hour)))].sort();
  if (view === 'recon_gates') {
    const gates = rows.map((r) => ({
      hour: text(r.hour),
      city: text(r.city_id),
      payments: num(r.payments),
      paymentAmount: num(r.payment_amount),
      confirmedAmount: num(r.confirmed_amount),
      mismatch: num(r.mismatch_amount),
      passed: r.gate_passed === true,
    }));
    return { ...base, kind: view, hours, gates, failed: gates.filter((g) => !g.passed).length };
  }
  const order = (b: string) => ageBuckets.indexOf(b as (typeof ageBuckets)[number]);
  const buckets = rows.map((r) => ({
    hour: text(r.hour),
    ...(view === 'dispute_queue' ? { status: text(r.status) } : {}),
    ageBucket: text(r.age_bucket),
    count: num(r.n),
    amount: num(r.amount),
  }));
  // Youngest first, as the age buckets read.
  buckets.sort(
    (a, b) =>
      a.hour.localeCompare(b.hour) ||
      (a.status ?? '').localeCompare(b.status ?? '') ||
      order(a.ageBucket) - order(b.ageBucket),
  );
  return { ...base, kind: view, hours, buckets };
}

export async function readOps(deps: ConsoleDeps): Promise<{ now: string; panels: OpsPanel[] }> {
  const panels: OpsPanel[] = [];
  for (const view of opsViews) panels.push(await readOpsPanel(deps, view));
  return { now: deps.clock.now().toISOString(), panels };
}
