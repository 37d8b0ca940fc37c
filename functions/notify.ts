import { type DeploymentEvent, type Notifier, notifyDeployment } from '@lakeops/core';
import { eventFunction, onLambda } from './lib/event-function.ts';
import type { EventRoute } from './lib/route.ts';
import { routeById } from './routes.ts';

/** notify: deploy.succeeded / deploy.failed → a chat notification. */
export const make = eventFunction(
  routeById('notify-deploy') as EventRoute,
  (deps: { notifier: Notifier }, event: DeploymentEvent) => notifyDeployment(deps, event),
);

export const handler = onLambda(make, () => import('./lib/aws-deps.ts').then((m) => m.notifyDeps()));
