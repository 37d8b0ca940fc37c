import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { OpsMetrics } from '@lakeops/core';
import type { MiddlewareObj } from '@middy/core';

/**
 * Logger and Metrics are created once per process and shared by every function. They read their
 * settings from the POWERTOOLS_* variables (see the README's environment table).
 */
export const logger = new Logger({ serviceName: 'lakeops' });
export const metrics = new Metrics({ namespace: 'lakeops', serviceName: 'lakeops' });

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export const observability: Observability = { logger, metrics };

/**
 * The Powertools Tracer's middleware, loaded only when tracing is on: the X-Ray SDK under it
 * costs most of a cold start (see functions/README.md), so functions that run untraced never
 * evaluate it.
 */
export async function tracingMiddleware(): Promise<MiddlewareObj<unknown, unknown>> {
  const [{ Tracer }, { captureLambdaHandler }] = await Promise.all([
    import('@aws-lambda-powertools/tracer'),
    import('@aws-lambda-powertools/tracer/middleware'),
  ]);
  const tracer = new Tracer({ serviceName: 'lakeops' });
  return captureLambdaHandler(tracer, { captureResponse: false });
}

/**
 * The `OpsMetrics` port as Powertools metrics: each `record` is one EMF document (namespace
 * `lakeops`, the given dimensions, every data point of the call), written to stdout at once, so
 * it does not mix with the invocation's own metrics (`Processed`, …). Disabled like every
 * Powertools metric by `POWERTOOLS_METRICS_DISABLED=true` (the local default).
 *
 * @example
 * ```ts
 * powertoolsOpsMetrics().record([{ name: 'WafBlocks', unit: 'Count', value: 3 }], { rule: 'SQLi', country: 'DE' });
 * ```
 */
export function powertoolsOpsMetrics(
  make: () => Metrics = () => new Metrics({ namespace: 'lakeops', serviceName: 'lakeops' }),
): OpsMetrics {
  return {
    record(points, dimensions) {
      const m = make();
      // Exactly the given dimensions: Powertools' default `service` dimension would collide with
      // the deploy's `service` (and make every metric lakeops' own service's).
      m.clearDefaultDimensions();
      m.addDimensions({ ...dimensions });
      for (const p of points) m.addMetric(p.name, MetricUnit[p.unit], p.value);
      m.publishStoredMetrics();
    },
  };
}
