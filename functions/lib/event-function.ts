import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { checkEvent, type EventBridgeEvent, maskPii, normaliseEvent } from '@lakeops/contracts';
import { type Clock, type DeadLetter, EventInvalidError, isRetryable, systemClock } from '@lakeops/core';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { type Observability, observability } from './observability.ts';
import type { EventRoute, RouteEvent, RouteValidators } from './route.ts';

/** What the chain itself needs, on top of a use case's own ports. */
export interface ChainDeps {
  readonly deadLetter: DeadLetter;
  readonly clock?: Clock;
  /** Defaults to the shared Powertools logger and metrics. */
  readonly observability?: Observability;
  /** The Powertools Tracer middleware, when tracing is on (see `tracingMiddleware`). */
  readonly tracing?: MiddlewareObj<unknown, unknown>;
}

/** What an invocation returns: the use case's result, or why the event was parked. */
export type ChainResult<R> =
  | { readonly status: 'processed'; readonly result: R }
  | { readonly status: 'parked'; readonly code: string; readonly message: string };

export type EventHandler<R> = (event: unknown, context: Context) => Promise<ChainResult<R>>;

/**
 * Builds an EventBridge-triggered function: returns `make(deps)`, which assembles the middy
 * stack once (per cold start on Lambda; once per runner locally) around the use case:
 *
 * 1. Powertools logger with the Lambda context, the event id as correlation id; the event
 *    itself is never logged (it may carry personal data).
 * 2. Tracer (when `deps.tracing` is given), and metrics flushed as EMF (cold start included).
 * 3. Error policy: an error that is not `retryable` (invalid event, domain rule) is logged,
 *    counted and parked in the dead-letter place with its reason, and the invocation succeeds
 *    so nothing retries it; any other error is rethrown so Lambda/EventBridge retry it.
 * 4. Contract check, first thing in the handler: the native-event normaliser, then `detail`
 *    against the precompiled validator of its `detail-type` and `v` among `validators` — only
 *    the contracts the route pins, so the bundle carries no other schema; unknown fields are
 *    logged by name and counted, not rejected. The use case receives the event typed by the
 *    route's pinned contracts ({@link RouteEvent}): a use case for another detail type does not
 *    compile.
 *
 * @example
 * ```ts
 * import { notifyDeploy } from './routes.validators.generated.ts';
 * export const make = eventFunction(routeById('notify-deploy'), notifyDeploy, notifyDeployment);
 * export const handler = onLambda(make, () => import('./lib/aws-deps.ts').then((m) => m.notifyDeps()));
 * ```
 */
export function eventFunction<R extends EventRoute, D extends object, Res>(
  route: R,
  validators: RouteValidators<R>,
  useCase: (deps: D, event: RouteEvent<R>) => Promise<Res>,
): (deps: D & ChainDeps) => EventHandler<Res> {
  return (deps) => {
    const { logger, metrics } = deps.observability ?? observability;
    const clock = deps.clock ?? systemClock;
    const base = async (event: unknown): Promise<ChainResult<Res>> => {
      const checked = checkContract(validators, event, { logger, metrics });
      const result = await useCase(deps, checked);
      metrics.addMetric('Processed', MetricUnit.Count, 1);
      return { status: 'processed', result };
    };
    return middy(base, { timeoutEarlyInMillis: 0 })
      .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
      .use(correlationId(logger))
      .use(deps.tracing ? [deps.tracing] : [])
      .use(logMetrics(metrics, { captureColdStartMetric: true }))
      .use(errorPolicy(route, deps.deadLetter, clock, { logger, metrics }));
  };
}

function errorPolicy(
  route: EventRoute,
  deadLetter: DeadLetter,
  clock: Clock,
  { logger, metrics }: Pick<Observability, 'logger' | 'metrics'>,
): MiddlewareObj<unknown, unknown> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (isRetryable(error)) {
        metrics.addMetric('TransientFailure', MetricUnit.Count, 1);
        logger.error('transient failure, will be retried', { routeId: route.id, error: describe(error) });
        return; // request.error stays set: middy rethrows it, Lambda retries
      }
      const { code, message } = describe(error);
      const details = error instanceof EventInvalidError ? error.reasons : undefined;
      await deadLetter.park({
        v: 1,
        routeId: route.id,
        // Masked like the quarantine copy: an event that broke its contract may carry an email or
        // a phone number, which must not rest in the dead-letter place (a valid event has none, so
        // masking leaves it unchanged and a redrive sends it as it came).
        event: maskPersonalIds(maskPii(request.event), route.personalIds ?? []),
        reason: { code, message, retryable: false, ...(details ? { details } : {}) },
        attempts: 1,
        parkedAt: clock.now().toISOString(),
        parkedBy: 'function',
        ...(request.context?.invokedFunctionArn ? { functionArn: request.context.invokedFunctionArn } : {}),
      });
      metrics.addMetric('PermanentFailure', MetricUnit.Count, 1);
      logger.warn('permanent failure, event parked', { routeId: route.id, code, reasonMessage: message });
      // A response ends the invocation successfully; later onError middlewares still flush.
      request.response = { status: 'parked', code, message } satisfies ChainResult<never>;
    },
  };
}

/** What a personal id is replaced with in a parked copy (a string the contracts refuse as an id). */
export const maskedPersonalId = '[masked:personal-id]';

/**
 * The event with these top-level `detail` fields masked (a string, or each string of an array):
 * an invalid tombstone is parked without the deleted user's id. A masked event redriven is refused
 * by the use case, never taken for a real id.
 */
function maskPersonalIds(event: unknown, fields: readonly string[]): unknown {
  if (!fields.length || typeof event !== 'object' || event === null || !('detail' in event)) return event;
  const detail = event.detail;
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return event;
  const masked: Record<string, unknown> = { ...detail };
  for (const field of fields) {
    const v = masked[field];
    if (typeof v === 'string') masked[field] = maskedPersonalId;
    else if (Array.isArray(v)) masked[field] = v.map((x) => (typeof x === 'string' ? maskedPersonalId : x));
  }
  return { ...event, detail: masked };
}

/** The event id is the correlation id of every log line of the invocation. */
function correlationId(logger: Observability['logger']): MiddlewareObj<unknown> {
  return {
    before: (request) => {
      const event = request.event;
      if (typeof event === 'object' && event !== null && 'id' in event && typeof event.id === 'string')
        logger.setCorrelationId(event.id);
    },
  };
}

/** The event, normalised and checked against the route's validators, typed by its contract. */
function checkContract<R extends EventRoute>(
  validators: RouteValidators<R>,
  event: unknown,
  { logger, metrics }: Pick<Observability, 'logger' | 'metrics'>,
): RouteEvent<R> {
  if (!isEnvelope(event)) {
    throw new EventInvalidError('not an EventBridge event', [
      { pointer: '', message: 'expected an object with id, source, detail-type and detail' },
    ]);
  }
  const normalised = normaliseEvent(event);
  const check = checkEvent(validators, normalised);
  if (!check.ok) {
    throw new EventInvalidError(
      `${normalised['detail-type']} failed its contract: ${check.reasons.map((r) => `${r.pointer || '/'} ${r.message}`).join('; ')}`,
      check.reasons,
    );
  }
  if (check.unknownFields.length > 0) {
    metrics.addMetric('UnknownFields', MetricUnit.Count, check.unknownFields.length);
    logger.warn('event has fields its schema does not know', { unknownFields: check.unknownFields });
  }
  return check.event;
}

function isEnvelope(event: unknown): event is EventBridgeEvent {
  return (
    typeof event === 'object' &&
    event !== null &&
    'id' in event &&
    typeof event.id === 'string' &&
    'source' in event &&
    typeof event.source === 'string' &&
    'detail-type' in event &&
    typeof event['detail-type'] === 'string' &&
    'detail' in event
  );
}

function describe(error: unknown): { code: string; message: string } {
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? error.code : error.name;
    return { code, message: error.message };
  }
  return { code: 'Unknown', message: String(error) };
}

/**
 * The Lambda entry point: builds the handler on the first invocation (once per cold start) from
 * the AWS composition root, so that importing a function module locally never touches AWS.
 */
export function onLambda<D, R>(
  make: (deps: D) => EventHandler<R>,
  awsDeps: () => Promise<D>,
): (event: unknown, context: Context) => Promise<ChainResult<R>> {
  let built: Promise<EventHandler<R>> | undefined;
  return async (event, context) => {
    built ??= awsDeps().then(make);
    return (await built)(event, context);
  };
}
