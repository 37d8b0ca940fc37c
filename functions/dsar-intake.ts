import {
  type Clock,
  recordTombstone,
  type SaltSource,
  type StateStore,
  type TombstoneEvent,
} from '@lakeops/core';
import { eventFunction, onLambda } from './lib/event-function.ts';
import type { EventRoute } from './lib/route.ts';
import { routeById } from './routes.ts';

/** dsar-intake: user.tombstoned → the deletion queue. */
export const make = eventFunction(
  routeById('dsar-intake') as EventRoute,
  (deps: { state: StateStore; salt: SaltSource; clock: Clock }, event: TombstoneEvent) =>
    recordTombstone(deps, event),
);

export const handler = onLambda(make, () => import('./lib/aws-deps.ts').then((m) => m.dsarIntakeDeps()));
