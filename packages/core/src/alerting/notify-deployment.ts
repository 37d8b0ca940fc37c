import type { DeployFailedV1, DeploySucceededV1 } from '@lakeops/contracts';
import type { Clock } from '../shared/clock.port.ts';
import type { DeadLetter } from '../shared/dead-letter.port.ts';
import type { Notification } from '../shared/notifier.port.ts';
import type { OpsMetrics } from '../shared/ops-metrics.port.ts';
import type { ReceiverNotifiers } from './alert-router.ts';
import {
  type DeliveryOutcome,
  type DeliveryPolicy,
  defaultDeliveryPolicy,
  deliverNotification,
} from './deliver-notification.ts';

/**
 * A `deploy.succeeded` or `deploy.failed` v1 event: the envelope fields this use case reads, and
 * the detail types generated from the contracts (`@lakeops/contracts`), not restated here.
 */
export type DeploymentEvent =
  | DeploymentEventOf<'deploy.succeeded', DeploySucceededV1>
  | DeploymentEventOf<'deploy.failed', DeployFailedV1>;

interface DeploymentEventOf<T extends string, D> {
  readonly id: string;
  readonly 'detail-type': T;
  readonly detail: D;
}

/** What `notifyDeployment` needs. */
export interface DeploymentDeps {
  /** Slack when configured, else `fallback` (the outbox locally, the log on AWS); PagerDuty for the change event. */
  readonly notifiers: ReceiverNotifiers;
  readonly deadLetter: DeadLetter;
  readonly metrics: OpsMetrics;
  readonly clock: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** What was told, and where. */
export interface DeploymentReport {
  readonly key: string;
  readonly severity: Notification['severity'];
  readonly chat: DeliveryOutcome['status'];
  /** `undefined` when no PagerDuty routing key is configured. */
  readonly change?: DeliveryOutcome['status'];
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Tells people that a deploy finished: one chat notification (Slack, else the outbox/log), one
 * PagerDuty change event (pages nobody) when a routing key is configured, and the deploy metrics
 * per service — `Deploys` (count), `DeployFailed` (0 or 1: its Average is the failure rate, its
 * Sum the failures) and `DeployDuration` (ms). Notifications are keyed by the event id, so a
 * redelivered event is the same notification; each is delivered with retries (429 `Retry-After`
 * honoured) and parked under route `notify-deploy` when it cannot be.
 *
 * @example
 * ```ts
 * await notifyDeployment({ notifiers, deadLetter, metrics, clock }, event); // event: deploy.failed v1
 * ```
 */
export async function notifyDeployment(
  deps: DeploymentDeps,
  event: DeploymentEvent,
  policy: DeliveryPolicy = defaultDeliveryPolicy,
): Promise<DeploymentReport> {
  const d = event.detail;
  const failed = event['detail-type'] === 'deploy.failed';
  const ms = Date.parse(d.finished_at) - Date.parse(d.started_at);
  deps.metrics.record(
    [
      { name: 'Deploys', unit: 'Count', value: 1 },
      { name: 'DeployFailed', unit: 'Count', value: failed ? 1 : 0 },
      ...(Number.isFinite(ms) && ms >= 0
        ? [{ name: 'DeployDuration', unit: 'Milliseconds' as const, value: ms }]
        : []),
    ],
    { service: d.service },
  );
  const notification = formatDeploymentNotification(event);
  const base = {
    deadLetter: deps.deadLetter,
    sleep: deps.sleep ?? realSleep,
    random: deps.random ?? Math.random,
    now: () => deps.clock.now(),
    routeId: 'notify-deploy',
  };
  const slack = deps.notifiers.slack;
  const chat = await deliverNotification(
    { ...base, notifier: slack ?? deps.notifiers.fallback, channel: slack ? 'slack' : 'outbox' },
    notification,
    policy,
  );
  const pager = deps.notifiers.pagerduty;
  const change = pager
    ? await deliverNotification(
        { ...base, notifier: pager, channel: 'pagerduty' },
        { ...notification, action: 'change' },
        policy,
      )
    : undefined;
  return {
    key: notification.key,
    severity: notification.severity,
    chat: chat.status,
    ...(change ? { change: change.status } : {}),
  };
}

/** Pure formatting, separate so the CLI and tests can show exactly what would be sent. */
export function formatDeploymentNotification(event: DeploymentEvent): Notification {
  const d = event.detail;
  const failed = event['detail-type'] === 'deploy.failed';
  const error = event['detail-type'] === 'deploy.failed' ? event.detail.error : undefined;
  const took = formatDuration(d.started_at, d.finished_at);
  const fields: Record<string, string> = {
    service: d.service,
    environment: d.environment,
    version: d.version,
    duration: took,
  };
  if (d.commit) fields.commit = d.commit.slice(0, 12);
  const lines = [
    failed
      ? `${d.service} ${d.version} failed to deploy to ${d.environment} after ${took}.`
      : `${d.service} ${d.version} is live in ${d.environment} (took ${took}).`,
  ];
  if (error) lines.push(`Error: ${truncate(error, 500)}`);
  return {
    key: `deploy:${event.id}`,
    severity: failed ? 'error' : 'info',
    title: `${failed ? 'Deploy failed' : 'Deployed'}: ${d.service} ${d.version} → ${d.environment}`,
    text: lines.join('\n'),
    fields,
    ...(d.url ? { link: d.url } : {}),
    sourceEventId: event.id,
  };
}

function formatDuration(startedAt: string, finishedAt: string): string {
  const ms = Date.parse(finishedAt) - Date.parse(startedAt);
  if (!Number.isFinite(ms) || ms < 0) return 'an unknown time';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
