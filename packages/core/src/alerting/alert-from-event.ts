import type {
  AlarmTriggeredV1,
  ExpectationFailedV1,
  ExpGuardrailBreachedV1,
  ExpSrmDetectedV1,
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
    }
  | { readonly id: string; readonly 'detail-type': 'exp.srm.detected'; readonly detail: ExpSrmDetectedV1 }
  | {
      readonly id: string;
      readonly 'detail-type': 'exp.guardrail.breached';
      readonly detail: ExpGuardrailBreachedV1;
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
    case 'exp.srm.detected': {
      const d = event.detail;
      return {
        labels: { alertname: 'exp.srm', severity: 'error', exp: d.exp_key },
        title: `Experiment ${d.exp_key}: sample ratio mismatch on ${d.dt}`,
        text: `chi-square p = ${d.srm_p_value.toPrecision(3)} (< ${d.threshold}): ${d.variants.map((v) => `${v.variant} ${v.units} (expected ${Math.round(v.expected_units)})`).join(', ')}; do not read its results until the split is fixed`,
        status: 'firing',
      };
    }
    case 'exp.guardrail.breached': {
      const d = event.detail;
      return {
        labels: {
          alertname: 'exp.guardrail',
          severity: 'warning',
          exp: d.exp_key,
          metric: d.metric,
          variant: d.variant,
        },
        title: `Experiment ${d.exp_key}: ${d.variant} breaches guardrail ${d.metric} on ${d.dt}`,
        text: `delta ${d.delta.toPrecision(3)} vs ${d.control} (interval [${d.ci_low.toPrecision(3)}, ${d.ci_high.toPrecision(3)}], p = ${d.p_value.toPrecision(3)}, ${d.method}); harmful direction: ${d.harmful_direction}`,
        status: 'firing',
      };
    }
  }
}
