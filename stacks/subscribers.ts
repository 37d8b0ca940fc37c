import { deployedOnAws, type EventPattern, type EventRoute, type Route } from '../functions/lib/route.ts';
import { functionArgs, type Resources } from './function-args.ts';

/**
 * One bus subscription per event route, generated from functions/routes.ts. SST's `subscribe`
 * forwards only `source`, `detail-type` and `detail` of a pattern, so the rule's whole
 * `eventPattern` is set through `transform.rule`: the rule gets exactly the route's pattern.
 */
export function subscribersStack(routes: readonly Route[], r: Resources) {
  return routes
    .filter((route): route is EventRoute => route.kind === 'event' && deployedOnAws(route))
    .map((route) =>
      r.bus.subscribe(route.id, functionArgs(route, r), {
        pattern: sstPattern(route.pattern),
        transform: {
          rule: (args) => {
            args.eventPattern = JSON.stringify(route.pattern);
          },
          target: (args) => {
            args.deadLetterConfig = { arn: r.deadLetter.arn };
            args.retryPolicy = { maximumEventAgeInSeconds: 24 * 3600, maximumRetryAttempts: 185 };
          },
        },
      }),
    );
}

/** The part of a pattern SST's own `pattern` argument understands (kept for the subscriber's name hash). */
function sstPattern(pattern: EventPattern) {
  return {
    ...(Array.isArray(pattern.source) ? { source: pattern.source } : {}),
    ...(Array.isArray(pattern['detail-type']) ? { detailType: pattern['detail-type'] } : {}),
    ...(pattern.detail && typeof pattern.detail === 'object'
      ? { detail: pattern.detail as Record<string, unknown> }
      : {}),
  };
}
