import type { KpiVerdict } from './detect.ts';

/** One scope's part in a total move, in the metric's additive unit (GMV, or clicks for CTR). */
export interface KpiMovePart {
  readonly scope: string;
  readonly observed: number;
  readonly baseline: number;
}

export interface KpiDriver {
  readonly scope: string;
  /** observed − baseline of this scope. */
  readonly delta: number;
  /** Its share of the total move (1 = all of it; above 1 when other scopes moved the other way). */
  readonly share: number;
}

/**
 * The fewest scopes (cities) that explain `share` (default 80 %) of a total move, largest first.
 * Only scopes that moved in the direction of the total count; none when the total did not move.
 *
 * @example
 * ```ts
 * explainMove([{ scope: 'austin', observed: 10, baseline: 100 }, { scope: 'boston', observed: 98, baseline: 100 }]);
 * // { total: -92, drivers: [{ scope: 'austin', delta: -90, share: 0.978… }] }
 * ```
 */
export function explainMove(
  parts: readonly KpiMovePart[],
  options: { share?: number; max?: number } = {},
): { total: number; drivers: KpiDriver[] } {
  const want = options.share ?? 0.8;
  const max = options.max ?? 5;
  const total = parts.reduce((sum, p) => sum + (p.observed - p.baseline), 0);
  if (total === 0) return { total, drivers: [] };
  const sign = Math.sign(total);
  const moved = parts
    .map((p) => ({ scope: p.scope, delta: p.observed - p.baseline }))
    .filter((p) => Math.sign(p.delta) === sign)
    .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
  const drivers: KpiDriver[] = [];
  let covered = 0;
  for (const p of moved) {
    if (drivers.length >= max || covered >= want) break;
    const share = p.delta / total;
    drivers.push({ scope: p.scope, delta: p.delta, share });
    covered += share;
  }
  return { total, drivers };
}

/**
 * The parts of a move from the per-city verdicts of the same day and detector: GMV as is, CTR in
 * clicks (observed and expected clicks at the city's baseline rate). A city with no usable value
 * that day contributes its baseline as lost volume when one is known, else nothing.
 */
export function movePartsOf(cities: readonly KpiVerdict[]): KpiMovePart[] {
  const parts: KpiMovePart[] = [];
  for (const v of cities) {
    if (v.baseline === null) continue;
    const scale = v.metric === 'ctr' ? (v.volume ?? 0) : 1;
    parts.push({ scope: v.scope, observed: (v.observed ?? 0) * scale, baseline: v.baseline * scale });
  }
  return parts;
}

/** An anomaly of the total with the cities that explain it. */
export interface KpiDrillDown {
  readonly verdict: KpiVerdict;
  readonly drivers: readonly KpiDriver[];
}

/**
 * For each anomaly of the `total` scope, the cities (from the other scopes' verdicts of the same
 * day and detector) that explain most of its move.
 *
 * @example
 * ```ts
 * const total = detectKpiAnomalies(all, opts).verdicts;
 * const cities = citySeries.flatMap((s) => detectKpiAnomalies(s, opts).verdicts);
 * drillDown(total, cities); // [{ verdict, drivers: [{ scope: 'lis', delta: -4100, share: 0.86 }] }]
 * ```
 */
export function drillDown(
  total: readonly KpiVerdict[],
  cities: readonly KpiVerdict[],
  options: { share?: number; max?: number } = {},
): KpiDrillDown[] {
  const byDate = new Map<string, KpiVerdict[]>();
  for (const v of cities) byDate.set(v.date, [...(byDate.get(v.date) ?? []), v]);
  return total
    .filter((v) => v.status === 'anomaly')
    .map((verdict) => ({
      verdict,
      drivers: explainMove(movePartsOf(byDate.get(verdict.date) ?? []), options).drivers,
    }));
}
