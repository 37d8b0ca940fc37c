export {
  type BusParkedEvent,
  backoffDelay,
  type DeadLetterPlace,
  type DeliveryOutcome,
  type DeliveryReport,
  defaultRetryPolicy,
  type Invoke,
  type RetryPolicy,
} from './delivery-queue.ts';
export {
  type BusInput,
  type BusRule,
  DurableEventBus,
  type DurableEventBusOptions,
  type PutOptions,
  type PutResult,
} from './durable-event-bus.ts';
export {
  localEndpointClientConfig,
  putEventsToEndpoint,
  type SentEvent,
  toPutEventsEntry,
} from './endpoint-client.ts';
export {
  BusClosedError,
  BusStorageFailedError,
  EndpointRequestFailedError,
  EventsInputInvalidError,
  ScheduleExpressionInvalidError,
} from './errors.ts';
export {
  EventBridgeEndpoint,
  type EventBridgeEndpointOptions,
  type PutEventsReport,
} from './eventbridge-endpoint.ts';
export { LakeFormationEndpoint, type LakeFormationEndpointOptions } from './lakeformation-endpoint.ts';
export { LakeFormationStore, type StoredGrant } from './lakeformation-store.ts';
export { type Fire, LocalScheduler, type ScheduleRule, scheduledEvent } from './local-scheduler.ts';
export {
  type BusEvent,
  type EnvelopeDefaults,
  fromEntry,
  localEnvelope,
  type PutEventsEntry,
  parseEventsInput,
} from './put-events-input.ts';
export {
  entrySize,
  PUT_EVENTS_MAX_BYTES,
  PUT_EVENTS_MAX_ENTRIES,
  quarantineMessage,
} from './put-events-request.ts';
export { nextFireTime, parseScheduleExpression, type ScheduleExpression } from './schedule-expression.ts';
