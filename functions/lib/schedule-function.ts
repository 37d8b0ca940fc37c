import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { type Observability, observability } from './observability.ts';
import type { ScheduleRoute } from './route.ts';

/** What a schedule's invocation tells its use case: which schedule fired, for which instant. */
export interface ScheduledInvocation {
  /** The scheduler event id (EventBridge Scheduler: one per attempt group). */
  readonly id: string;
  /** The scheduled time (`time` of the event, RFC 3339). */
  readonly time: string;
  readonly routeId: string;
  /** Time left in this invocation (Lambda's `getRemainingTimeInMillis`; the route's timeout locally). */
  readonly remainingMillis: () => number;
}

export type ScheduleHandler<R> = (event: unknown, context: Context) => Promise<R>;

/**
 * Builds a schedule-triggered function (EventBridge Scheduler → Lambda; locally the scheduler of
 * `lakeops start`): the Powertools logger with the Lambda context and the event id as correlation
 * id, metrics flushed as EMF, and the use case last. A scheduled event carries no payload to
 * check, so there is no contract step; every error is rethrown so the scheduler's retry policy
 * (stacks/schedules.ts: 2 retries) applies, and the last failure is parked by the scheduler's
 * dead-letter queue (locally: the bus).
 *
 * @example
 * ```ts
 * export const make = scheduleFunction(routeById('nrt-refresh'), (deps, run) => refresh(deps, run));
 * ```
 */
export function scheduleFunction<D extends object, R>(
  route: ScheduleRoute,
  useCase: (deps: D, invocation: ScheduledInvocation) => Promise<R>,
): (
  deps: D & { readonly observability?: Observability; readonly tracing?: MiddlewareObj<unknown, unknown> },
) => ScheduleHandler<R> {
  return (deps) => {
    const { logger, metrics } = deps.observability ?? observability;
    const base = async (event: unknown, context: Context): Promise<R> => {
      const e = (typeof event === 'object' && event !== null ? event : {}) as {
        id?: unknown;
        time?: unknown;
      };
      const id = typeof e.id === 'string' ? e.id : `${route.id}-${Date.now()}`;
      const time = typeof e.time === 'string' ? e.time : new Date().toISOString();
      logger.setCorrelationId(id);
      const remainingMillis = () =>
        typeof context?.getRemainingTimeInMillis === 'function'
          ? context.getRemainingTimeInMillis()
          : route.timeoutSeconds * 1000;
      const result = await useCase(deps, { id, time, routeId: route.id, remainingMillis });
      metrics.addMetric('Processed', MetricUnit.Count, 1);
      return result;
    };
    return middy<unknown, R, Error, Context>(base, { timeoutEarlyInMillis: 0 })
      .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
      .use(deps.tracing ? [deps.tracing] : [])
      .use(logMetrics(metrics, { captureColdStartMetric: true }))
      .use({
        onError: async (request) => {
          metrics.addMetric('TransientFailure', MetricUnit.Count, 1);
          const error = request.error;
          logger.error('scheduled run failed, the scheduler retries it', {
            routeId: route.id,
            error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
          });
        },
      });
  };
}

/**
 * The Lambda handler of a schedule function: its AWS dependencies are built on the first
 * invocation (once per cold start) and reused.
 *
 * @example
 * ```ts
 * export const handler = onScheduleLambda(make, () => import('./lib/aws-deps.ts').then((m) => m.permissionSyncDeps()));
 * ```
 */
export function onScheduleLambda<D, R>(
  make: (deps: D) => ScheduleHandler<R>,
  awsDeps: () => Promise<D>,
): ScheduleHandler<R> {
  let built: Promise<ScheduleHandler<R>> | undefined;
  return async (event, context) => {
    built ??= awsDeps().then(make);
    return (await built)(event, context);
  };
}
