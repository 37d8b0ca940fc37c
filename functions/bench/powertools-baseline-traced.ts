// The cold-start reference with tracing, as the Powertools docs write it: the Tracer imported
// statically and `captureLambdaHandler` in the chain (see powertools-baseline.ts).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { logger, metrics, notify } from './powertools-baseline.ts';

const tracer = new Tracer({ serviceName: 'lakeops' });

export const handler = middy(notify)
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
