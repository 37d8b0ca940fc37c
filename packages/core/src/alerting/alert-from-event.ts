import type {
  AlarmTriggeredV1,
  ExpectationFailedV1,
  KpiAnomalyDetectedV1,
  KpiAnomalyResolvedV1,
  NrtRefreshFailedV1,
} from '@lakeops/contracts';
import type { Alert } from './alert-router.ts';

/** The events that become alerts, typed from their contracts. */
export type AlertingEvent =
  | {
      readonly id: string;
      readonly 'detail-type': 'expectation.failed';
      readonly detail: ExpectationFailedV1;
    }
  | {
      readonly id: string;
      readonly 'detail-type': 'kpi.anomaly.detected';
      readonly detail: KpiAnomalyDetectedV1;
    }
  | {
      readonly id: string;
      readonly 'detail-type': 'kpi.anomaly.resolved';
      readonly detail: KpiAnomalyResolvedV1;
    }
  | { readonly id: string; readonly 'detail-type': 'alarm.triggered'; readonly detail: AlarmTriggeredV1 }
  | {
      readonly id: string;
      readonly 'detail-type': 'nrt.refresh.failed';
      readonly detail: NrtRefreshFailedV1;
    };

/**
 * An event as an alert: `alertname` (the event family), `severity` and the labels that say
 * where (table, metric and segment, alarm, view). A resolve (`kpi.anomaly.resolved`, an alarm
 * back to `OK`) carries the same identity labels as the alert it ends.
 *
 * @example
 * ```ts
 * await recordAlert({ state, clock }, config, alertFromEvent(event));
 * ```
 */
export function alertFromEvent(event: AlertingEvent): Alert {
  switch (event['detail-type']) {
    case 'expectation.failed': {
      const d = event.detail;
      return {
        labels: {
          alertname: 'expectation.failed',
          severity: d.severity === 'warn' ? 'warning' : 'error',
          table: d.table,
          suite: d.suite,
          expectation: d.expectation,
        },
        title: `${d.table}: ${d.expectation}`,
        text: `observed ${String(d.observed)}${d.threshold === undefined ? '' : ` (bound ${String(d.threshold)})`}${d.partition ? ` in ${d.partition}` : ''}`,
        status: 'firing',
      };
    }
    case 'kpi.anomaly.detected':
    case 'kpi.anomaly.resolved': {
      const d = event.detail;
      const resolved = event['detail-type'] === 'kpi.anomaly.resolved';
      return {
        labels: {
          alertname: 'kpi.anomaly',
          severity: 'severity' in d && typeof d.severity === 'string' ? d.severity : 'warning',
          metric: d.metric,
          segment: d.segment ?? 'all',
        },
        title: `${d.metric} (${d.segment ?? 'all'}) ${d.delta_pct >= 0 ? '+' : ''}${d.delta_pct.toFixed(1)}% vs baseline on ${d.dt}`,
        text: `observed ${d.observed}, baseline ${d.baseline}`,
        status: resolved ? 'resolved' : 'firing',
      };
    }
    case 'alarm.triggered': {
      const d = event.detail;
      const labels: Record<string, string> = {
        alertname: 'alarm.triggered',
        severity: d.severity,
        alarm: d.alarm_name,
      };
      if (d.service) labels.service = d.service;
      return {
        labels,
        title: `Alarm ${d.alarm_name} is ${d.state}`,
        text: d.reason,
        status: d.state === 'OK' ? 'resolved' : 'firing',
      };
    }
    case 'nrt.refresh.failed': {
      const d = event.detail;
      return {
        labels: { alertname: 'nrt.refresh.failed', severity: 'error', view: d.view },
        title: `NRT view ${d.view} failed to refresh`,
        text: d.error,
        status: 'firing',
      };
    }
  }
}
