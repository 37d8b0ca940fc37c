import type { DeployFailedV1, DeploySucceededV1 } from '@lakeops/contracts';
import type { Notification, Notifier } from '../shared/notifier.port.ts';

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

/**
 * Tells people that a deploy finished: one notification per deploy event, keyed by the event id
 * so a redelivered event is the same notification.
 *
 * @example
 * ```ts
 * await notifyDeployment({ notifier }, event); // event: deploy.failed v1
 * ```
 */
export async function notifyDeployment(
  deps: { readonly notifier: Notifier },
  event: DeploymentEvent,
): Promise<Notification> {
  const notification = formatDeploymentNotification(event);
  await deps.notifier.send(notification);
  return notification;
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
