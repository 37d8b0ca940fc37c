import { runScheduledPurge } from '@lakeops/core';
import type { DsarPurgeDeps } from './dsar-purge.ts';
import { onScheduleLambda, scheduleFunction } from './lib/schedule-function.ts';
import { routeById } from './routes.ts';

/** dsar-purge-continue: every 15 minutes, resumes a paused or killed purge run; nothing otherwise. */
export const make = scheduleFunction(routeById('dsar-purge-continue'), async (deps: DsarPurgeDeps, run) =>
  runScheduledPurge(await deps.purge(), {
    mode: 'continue',
    time: run.time,
    remainingMillis: run.remainingMillis,
  }),
);

export const handler = onScheduleLambda(make, () =>
  import('./lib/aws-purge-deps.ts').then((m) => m.dsarPurgeDeps()),
);
