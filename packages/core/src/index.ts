export {
  type DeploymentEvent,
  formatDeploymentNotification,
  notifyDeployment,
} from './alerting/notify-deployment.ts';
export * from './dsar/index.ts';
export * from './kpi/index.ts';
export * from './lake/index.ts';
export * from './nrt/index.ts';
export * from './permissions/index.ts';
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
export type { Notification, NotificationSeverity, Notifier } from './shared/notifier.port.ts';
export * from './state/index.ts';
