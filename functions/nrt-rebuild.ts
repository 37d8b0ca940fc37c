import { refreshNrtViews, startNrtRefresh } from '@lakeops/core';
import { eventFunction, onLambda } from './lib/event-function.ts';
import type { NrtAthenaDeps, NrtRefreshDeps } from './nrt-refresh.ts';
import { routeById } from './routes.ts';
import { nrtRebuild } from './routes.validators.generated.ts';

/** nrt-rebuild, locally: the data platform deployed → rewrite every hour of today of every NRT view. */
export const make = eventFunction(routeById('nrt-rebuild'), nrtRebuild, async (deps: NrtRefreshDeps, event) =>
  refreshNrtViews(deps, { views: await deps.nrtViews(), runId: `nrt-rebuild-${event.id}`, rebuild: true }),
);

/**
 * nrt-rebuild on AWS: start the CTAS of every hour of today of every NRT view; nrt-complete
 * switches each in. A view whose refresh is in flight is skipped (recorded as a skip).
 */
export const makeOnAthena = eventFunction(
  routeById('nrt-rebuild'),
  nrtRebuild,
  async (deps: NrtAthenaDeps, event) =>
    startNrtRefresh(deps, {
      views: await deps.nrtViews(),
      runId: `nrt-rebuild-${event.id}`,
      rebuild: true,
    }),
);

export const handler = onLambda(makeOnAthena, () =>
  import('./lib/aws-nrt-deps.ts').then((m) => m.nrtAthenaDeps()),
);
