import { type DeploymentDeps, notifyDeployment } from '@lakeops/core';
import { eventFunction, onLambda } from './lib/event-function.ts';
import { routeById } from './routes.ts';
import { notifyDeploy } from './routes.validators.generated.ts';

/** notify: deploy.succeeded / deploy.failed → Slack, a PagerDuty change event, deploy metrics. */
export const make = eventFunction(routeById('notify-deploy'), notifyDeploy, (deps: DeploymentDeps, event) =>
  notifyDeployment(deps, event),
);

export const handler = onLambda(make, () => import('./lib/aws-deps.ts').then((m) => m.notifyDeps()));
