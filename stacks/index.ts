import { routes } from '../functions/routes.ts';
import { alertsStack } from './alerts.ts';
import { busStack } from './bus.ts';
import type { Resources } from './function-args.ts';
import { schedulesStack } from './schedules.ts';
import { storageStack } from './storage.ts';
import { subscribersStack } from './subscribers.ts';

/** Declares the whole app; called from sst.config.ts `run()` (and by the offline infra tests). */
export function lakeopsApp() {
  const resources: Resources = {
    ...storageStack(),
    ...busStack(),
    slackWebhookUrl: new sst.Secret('SlackWebhookUrl', 'unset'),
  };
  subscribersStack(routes, resources);
  schedulesStack(routes, resources);
  alertsStack(resources);
  return {
    bus: resources.bus.name,
    lakeBucket: resources.lake.name,
    athenaWorkgroup: resources.workgroup.name,
    deadLetterQueue: resources.deadLetter.url,
  };
}
