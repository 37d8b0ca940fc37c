import { type OpsMetrics, recordWafBlock } from '@lakeops/core';
import { eventFunction, onLambda } from './lib/event-function.ts';
import { routeById } from './routes.ts';
import { sreWafMetrics } from './routes.validators.generated.ts';

/** sre-waf-metrics: waf.block → `WafBlocks` per rule and country (never a client address). */
export const make = eventFunction(
  routeById('sre-waf-metrics'),
  sreWafMetrics,
  (deps: { metrics: OpsMetrics }, event) => recordWafBlock(deps, event),
);

export const handler = onLambda(make, () => import('./lib/aws-deps.ts').then((m) => m.wafMetricsDeps()));
