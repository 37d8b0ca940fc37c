import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
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
