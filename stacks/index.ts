import type { Route } from '../functions/lib/route.ts';
import { routes } from '../functions/routes.ts';
import { alertsStack } from './alerts.ts';
import { busStack } from './bus.ts';
import type { Resources } from './function-args.ts';
import { schedulesStack } from './schedules.ts';
import { storageStack } from './storage.ts';
import { subscribersStack } from './subscribers.ts';

/**
 * Declares the whole app from a route table (functions/routes.ts by default); called from
 * sst.config.ts `run()`, and by the synth tests' config (stacks/test/fixtures/) with a test table.
 */
export function lakeopsApp(appRoutes: readonly Route[] = routes) {
  const resources: Resources = {
    ...storageStack(),
    ...busStack(),
    slackWebhookUrl: new sst.Secret('SlackWebhookUrl', 'unset'),
  };
  subscribersStack(appRoutes, resources);
  schedulesStack(appRoutes, resources);
  alertsStack(resources);
  return {
    bus: resources.bus.name,
    lakeBucket: resources.lake.name,
    athenaWorkgroup: resources.workgroup.name,
    deadLetterQueue: resources.deadLetter.url,
  };
}
