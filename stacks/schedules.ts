import { deployedOnAws, type Route, type ScheduleRoute } from '../functions/lib/route.ts';
import { functionArgs, type Resources } from './function-args.ts';

/** One EventBridge Scheduler schedule (sst.aws.CronV2) per schedule route in functions/routes.ts. */
export function schedulesStack(routes: readonly Route[], r: Resources) {
  return routes
    .filter((route): route is ScheduleRoute => route.kind === 'schedule' && deployedOnAws(route))
    .map(
      (route) =>
        new sst.aws.CronV2(route.id, {
          function: functionArgs(route, r),
          schedule: schedulerExpression(route),
          ...(route.timezone ? { timezone: route.timezone } : {}),
          retries: 2,
          dlq: r.deadLetter.arn,
        }),
    );
}

type SchedulerExpression = `rate(${string})` | `cron(${string})` | `at(${string})`;

/** The route's expression, in the form EventBridge Scheduler accepts: `rate(…)`, `cron(…)` or `at(…)`. */
function schedulerExpression(route: ScheduleRoute): SchedulerExpression {
  const isExpression = (s: string): s is SchedulerExpression => /^(rate|cron|at)\(.+\)$/.test(s);
  if (isExpression(route.schedule)) return route.schedule;
  throw new Error(`route ${route.id}: schedule '${route.schedule}' is not rate(…), cron(…) or at(…)`);
}
