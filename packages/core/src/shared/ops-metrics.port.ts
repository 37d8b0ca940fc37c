/** The units lakeops' own operational metrics use (CloudWatch units). */
export type OpsMetricUnit = 'Count' | 'Milliseconds';

/** One data point: a name, a unit, a value. */
export interface OpsMetric {
  readonly name: string;
  readonly unit: OpsMetricUnit;
  readonly value: number;
}

/**
 * Operational metrics (deploys, WAF blocks): Powertools metrics as CloudWatch EMF on AWS; the same
 * EMF lines locally when `POWERTOOLS_METRICS_DISABLED` is `false`. Dimensions are low-cardinality
 * labels (service, rule, country) — never a client address, user id or other personal data.
 *
 * @example
 * ```ts
 * metrics.record([{ name: 'Deploys', unit: 'Count', value: 1 }], { service: 'payments-api' });
 * ```
 */
export interface OpsMetrics {
  record(metrics: readonly OpsMetric[], dimensions: Readonly<Record<string, string>>): void;
}
