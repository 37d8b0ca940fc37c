export * from './lake.ts';
export { NotificationRejectedError, SlackWebhookNotifier, slackMessage } from './slack-webhook-notifier.ts';
export {
  type ParkedMessage,
  type RouteResolver,
  readParkedMessage,
  routeIdFromArn,
  SqsDeadLetter,
} from './sqs-dead-letter.ts';
