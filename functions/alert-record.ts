import { type AlertingConfig, alertFromEvent, type Clock, recordAlert, type StateStore } from '@lakeops/core';
import { eventFunction, onLambda } from './lib/event-function.ts';
import { routeById } from './routes.ts';
import { alertRecord } from './routes.validators.generated.ts';

/** What alert-record needs: the state port (route groups), a clock and the routing config. */
export interface AlertRecordDeps {
  readonly state: StateStore;
  readonly clock: Clock;
  /** The Alertmanager-format routing config, read once (bundled on AWS, LAKEOPS_HOME or repo locally). */
  readonly alertingConfig: () => Promise<AlertingConfig>;
}

/**
 * alert-record: an alerting event (CloudWatch alarm state changes arrive normalised to
 * alarm.triggered v1) → its alert in the group of every route it matches. Nothing is sent here:
 * alert-flush sends what is due.
 */
export const make = eventFunction(
  routeById('alert-record'),
  alertRecord,
  async (deps: AlertRecordDeps, event) => {
    const alert = alertFromEvent(event);
    const routes = await recordAlert(deps, await deps.alertingConfig(), alert);
    return { alertname: alert.labels.alertname, status: alert.status, routes };
  },
);

export const handler = onLambda(make, () => import('./lib/aws-deps.ts').then((m) => m.alertRecordDeps()));
