import {
  type AlertingConfig,
  type Clock,
  type DeadLetter,
  flushAlertGroups,
  type ReceiverNotifiers,
  type StateStore,
} from '@lakeops/core';
import type { Context } from 'aws-lambda';
import { scheduleFunction } from './lib/schedule-function.ts';
import { routeById } from './routes.ts';

/** What alert-flush needs: state, notifiers per receiver kind, the dead-letter place, the config. */
export interface AlertFlushDeps {
  readonly state: StateStore;
  readonly clock: Clock;
  readonly notifiers: ReceiverNotifiers;
  readonly deadLetter: DeadLetter;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly alertingConfig: () => Promise<AlertingConfig>;
}

const route = routeById('alert-flush');

/**
 * alert-flush: every minute, the groups that are due are sent (nothing waits in memory between
 * invocations, so grouping works on Lambda); each notification claimed, sent, recorded in the
 * state port; the ones that cannot be delivered parked under route `alert-flush`.
 */
export const make = scheduleFunction(route, async (deps: AlertFlushDeps) =>
  flushAlertGroups({ ...deps, routeId: route.id }, await deps.alertingConfig()),
);

let built: Promise<(event: unknown, context: Context) => Promise<unknown>> | undefined;

export const handler = async (event: unknown, context: Context): Promise<unknown> => {
  built ??= import('./lib/aws-deps.ts').then(async (m) => make(await m.alertFlushDeps()));
  return (await built)(event, context);
};
