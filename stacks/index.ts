import { deployedOnAws, type Route } from '../functions/lib/route.ts';
import { routes } from '../functions/routes.ts';
import { alarmsStack, alertingStack } from './alerts.ts';
import { archiveStack } from './archive.ts';
import { busStack, deadLetterQueuePolicy, forwardNativeEvents } from './bus.ts';
import { consoleStack } from './console.ts';
import { experimentsStack } from './experiments.ts';
import { deployment, type Resources } from './function-args.ts';
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
    ...alertingStack(),
    ...experimentsStack(),
    deployment: deployment(),
  };
  const deployed = appRoutes.filter(deployedOnAws);
  const eventRouteIds = deployed.filter((r) => r.kind === 'event').map((r) => r.id);
  const scheduleRouteIds = deployed.filter((r) => r.kind === 'schedule').map((r) => r.id);
  const subscribers = subscribersStack(appRoutes, resources);
  const schedules = schedulesStack(appRoutes, resources);
  const archive = archiveStack(resources);
  const forward = forwardNativeEvents(appRoutes, resources);
  // Every rule whose target parks undelivered events in the dead-letter queue, and only those.
  deadLetterQueuePolicy(resources.deadLetter, [
    ...subscribers.map((s) => s.apply((subscriber) => subscriber.nodes.rule.arn)),
    archive.archiveRule.arn,
    ...(forward ? [forward.nativeEventsRule.arn] : []),
  ]);
  alarmsStack(resources);
  const opsConsole = consoleStack(appRoutes, resources);
  return {
    bus: resources.bus.name,
    lakeBucket: resources.lake.name,
    glueDatabasePrefix: resources.glueDatabasePrefix,
    athenaReadWorkgroup: resources.readWorkgroup.name,
    athenaWriteWorkgroup: resources.writeWorkgroup.name,
    deadLetterQueue: resources.deadLetter.url,
    alertsTopic: resources.alerts.arn,
    archiveStream: archive.archiveStream.name,
    // The ops console's function URL (AWS_IAM: requests must be SigV4-signed).
    console: opsConsole.url,
    // Route id → deployed function name: `lakeops dead-letter redrive --aws` invokes these.
    functions: $util.all(
      Object.fromEntries([
        ...subscribers.map((s, i) => [eventRouteIds[i], s.apply((sub) => sub.nodes.function.name)] as const),
        ...schedules.map((s, i) => [scheduleRouteIds[i], s.nodes.function.apply((fn) => fn.name)] as const),
      ]),
    ),
  };
}
