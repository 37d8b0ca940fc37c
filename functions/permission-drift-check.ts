import { onScheduleLambda, scheduleFunction } from './lib/schedule-function.ts';
import { type PermissionSyncDeps, syncRepoPermissions } from './lib/sync-repo-permissions.ts';
import { routeById } from './routes.ts';

/** permission-drift-check: every hour, what drifted from the repo policy is put back. */
export const make = scheduleFunction(routeById('permission-drift-check'), (deps: PermissionSyncDeps) =>
  syncRepoPermissions(deps, 'schedule'),
);

export const handler = onScheduleLambda(make, () =>
  import('./lib/aws-deps.ts').then((m) => m.permissionSyncDeps()),
);
