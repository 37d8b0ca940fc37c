import { type Clock, recordTombstone, type SaltSource, type StateStore } from '@lakeops/core';
import { eventFunction, onLambda } from './lib/event-function.ts';
import { routeById } from './routes.ts';
import { dsarIntake } from './routes.validators.generated.ts';

/** dsar-intake: user.tombstoned → the deletion queue. */
export const make = eventFunction(
  routeById('dsar-intake'),
  dsarIntake,
  (deps: { state: StateStore; salt: SaltSource; clock: Clock }, event) => recordTombstone(deps, event),
);

export const handler = onLambda(make, () => import('./lib/aws-deps.ts').then((m) => m.dsarIntakeDeps()));
