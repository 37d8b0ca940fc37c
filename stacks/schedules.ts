import type { Route, ScheduleRoute } from '../functions/lib/route.ts';
import { functionArgs, type Resources } from './function-args.ts';

/** One EventBridge Scheduler schedule (sst.aws.CronV2) per schedule route in functions/routes.ts. */
export function schedulesStack(routes: readonly Route[], r: Resources) {
  return routes
    .filter((route): route is ScheduleRoute => route.kind === 'schedule')
    .map(
      (route) =>
        new sst.aws.CronV2(route.id, {
          function: functionArgs(route, r),
          schedule: route.schedule,
          ...(route.timezone ? { timezone: route.timezone } : {}),
          retries: 2,
          dlq: r.deadLetter.arn,
        }),
    );
}
