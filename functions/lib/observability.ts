import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * Logger, Metrics and Tracer are created once per process and shared by every function.
 * They read their settings from the POWERTOOLS_* variables (see README's environment table).
 */
export const logger = new Logger({ serviceName: 'lakeops' });
export const metrics = new Metrics({ namespace: 'lakeops', serviceName: 'lakeops' });
export const tracer = new Tracer({ serviceName: 'lakeops' });

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

export const observability: Observability = { logger, metrics, tracer };
