import { refreshNrtViews } from '@lakeops/core';
import { eventFunction } from './lib/event-function.ts';
import type { NrtRefreshDeps } from './nrt-refresh.ts';
import { routeById } from './routes.ts';
import { nrtRebuild } from './routes.validators.generated.ts';

/** nrt-rebuild: the data platform deployed → rewrite every hour of today of every NRT view. */
export const make = eventFunction(routeById('nrt-rebuild'), nrtRebuild, async (deps: NrtRefreshDeps, event) =>
  refreshNrtViews(deps, { views: await deps.nrtViews(), runId: `nrt-rebuild-${event.id}`, rebuild: true }),
);

export const handler = async (): Promise<never> => {
  // Not wired on AWS yet (see nrt-refresh.ts).
  throw new Error(
    'nrt-rebuild runs locally only (lakeops start); its AWS composition root is not written yet',
  );
};
