import { type PurgeDeps, runScheduledPurge } from '@lakeops/core';
import { onScheduleLambda, scheduleFunction } from './lib/schedule-function.ts';
import { routeById } from './routes.ts';

/** The purge's ports, built on first use (the lake package loads only when a purge runs). */
export interface DsarPurgeDeps {
  readonly purge: () => Promise<PurgeDeps>;
}

/** dsar-purge: nightly at 02:00 UTC, every pending deletion request in one run (paused near the time limit). */
export const make = scheduleFunction(routeById('dsar-purge'), async (deps: DsarPurgeDeps, run) =>
  runScheduledPurge(await deps.purge(), {
    mode: 'nightly',
    time: run.time,
    remainingMillis: run.remainingMillis,
  }),
);

export const handler = onScheduleLambda(make, () =>
  import('./lib/aws-purge-deps.ts').then((m) => m.dsarPurgeDeps()),
);
