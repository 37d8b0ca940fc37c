import type { WafBlockV1 } from '@lakeops/contracts';
import type { OpsMetrics } from '../shared/ops-metrics.port.ts';

/** A `waf.block` v1 event (its contract carries no client address). */
export interface WafBlockEvent {
  readonly id: string;
  readonly 'detail-type': 'waf.block';
  readonly detail: WafBlockV1;
}

/**
 * Counts WAF blocks for `kpi_waf_blocks`: one `WafBlocks` data point of `count` (1 when absent)
 * with the dimensions `rule` and `country` (`unknown` when the forwarder did not say). Reads only
 * those two fields and the count, so nothing else an event may carry (an unknown field with a
 * client address) reaches a metric.
 *
 * @example
 * ```ts
 * recordWafBlock({ metrics }, event); // WafBlocks{rule="AWSManagedRulesSQLiRuleSet",country="DE"} += 3
 * ```
 */
export async function recordWafBlock(
  deps: { readonly metrics: OpsMetrics },
  event: WafBlockEvent,
): Promise<{ readonly rule: string; readonly country: string; readonly count: number }> {
  const d = event.detail;
  const out = { rule: d.rule_id, country: d.country ?? 'unknown', count: d.count ?? 1 };
  deps.metrics.record([{ name: 'WafBlocks', unit: 'Count', value: out.count }], {
    rule: out.rule,
    country: out.country,
  });
  return out;
}
