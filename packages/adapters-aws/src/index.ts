export {
  AthenaQueryEngine,
  type AthenaQueryEngineOptions,
  athenaMaxPartitionsPerWrite,
} from './athena-query-engine.ts';
export {
  AwsRequestRejectedError,
  awsFailure,
  isTransientAwsError,
  ObjectsDeleteFailedError,
  StagingTableDropFailedError,
} from './aws-errors.ts';
export { DynamoDbStateStore, stateExpressions } from './dynamodb-state-store.ts';
export {
  EventBridgeEventPublisher,
  type EventBridgeEventPublisherOptions,
  EventsPublishFailedError,
  EventTooLargeError,
  putEventsEntrySize,
  putEventsLimits,
} from './eventbridge-event-publisher.ts';
export { GlueCatalog, tableInputOf } from './glue-catalog.ts';
export * from './lake.ts';
export {
  fromResource,
  LakeFormationPermissions,
  type LakeFormationPermissionsOptions,
  toResource,
} from './lakeformation-permissions.ts';
export {
  PagerDutyEventsNotifier,
  pagerDutyDedupKey,
  pagerDutyEvent,
  pagerDutyEventsUrl,
  pagerDutyLimits,
} from './pagerduty-events-notifier.ts';
export { S3ObjectStore } from './s3-object-store.ts';
export { NotificationRejectedError, SlackWebhookNotifier, slackMessage } from './slack-webhook-notifier.ts';
export {
  type ParkedMessage,
  type RouteResolver,
  readParkedMessage,
  routeIdFromArn,
  SqsDeadLetter,
} from './sqs-dead-letter.ts';
