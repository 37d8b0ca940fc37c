export { type AlertingEvent, alertFromEvent } from './alerting/alert-from-event.ts';
export {
  type Alert,
  addSilence,
  alertFingerprint,
  alertStateKeys,
  defaultResolveTimeoutMs,
  expireSilence,
  type FlushReport,
  flushAlertGroups,
  listSilences,
  type ReceiverNotifiers,
  recordAlert,
  type Silence,
  SilenceInvalidError,
  sendingLeaseMs,
} from './alerting/alert-router.ts';
export {
  AlertConfigInvalidError,
  type AlertingConfig,
  type InhibitRule,
  type LabelMatcher,
  matchesAll,
  matchRoutes,
  parseAlertmanagerConfig,
  parseDuration,
  parseMatcher,
  type ReceiverConfig,
  type RouteNode,
  routingTreeText,
} from './alerting/alertmanager-config.ts';
export {
  type DeliveryOutcome,
  type DeliveryPolicy,
  defaultDeliveryPolicy,
  deliverNotification,
  type NotificationChannel,
  NotificationDeliveryFailedError,
  type ParkedNotification,
  parkedNotificationOf,
  resendParkedNotification,
  retryAfterMs,
} from './alerting/deliver-notification.ts';
export {
  type DeploymentDeps,
  type DeploymentEvent,
  type DeploymentReport,
  formatDeploymentNotification,
  notifyDeployment,
} from './alerting/notify-deployment.ts';
export { recordWafBlock, type WafBlockEvent } from './alerting/record-waf-block.ts';
export * from './dsar/index.ts';
export * from './experiments/index.ts';
export * from './kpi/index.ts';
export * from './lake/index.ts';
export * from './nrt/index.ts';
export * from './permissions/index.ts';
export {
  maxFailuresKept,
  type QualityRunFailure,
  type QualityRunRecord,
  qualityRunPk,
  readQualityRuns,
  recordQualityRun,
} from './quality/quality-runs.ts';
export { type Clock, systemClock } from './shared/clock.port.ts';
export {
  type DeadLetter,
  type ParkedBy,
  type ParkedEvent,
  parkedByValues,
  parkedEnvelope,
  readParkedEvent,
} from './shared/dead-letter.port.ts';
export {
  DependencyUnavailableError,
  DomainRuleViolatedError,
  EventInvalidError,
  isRetryable,
  LakeopsError,
} from './shared/errors.ts';
export type { EventPublisher, PublishedEvent } from './shared/event-publisher.port.ts';
export type {
  Notification,
  NotificationAction,
  NotificationSeverity,
  Notifier,
} from './shared/notifier.port.ts';
export type { OpsMetric, OpsMetrics, OpsMetricUnit } from './shared/ops-metrics.port.ts';
export * from './state/index.ts';
