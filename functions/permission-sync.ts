import { eventFunction, onLambda } from './lib/event-function.ts';
import { type PermissionSyncDeps, syncRepoPermissions } from './lib/sync-repo-permissions.ts';
import { routeById } from './routes.ts';
import { permissionSync } from './routes.validators.generated.ts';

/** permission-sync: the data platform deployed → Lake Formation brought in line with the repo policy. */
export const make = eventFunction(routeById('permission-sync'), permissionSync, (deps: PermissionSyncDeps) =>
  syncRepoPermissions(deps, 'deploy'),
);

export const handler = onLambda(make, () => import('./lib/aws-deps.ts').then((m) => m.permissionSyncDeps()));
