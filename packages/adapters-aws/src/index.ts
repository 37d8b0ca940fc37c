export * from './lake.ts';
export { NotificationRejectedError, SlackWebhookNotifier, slackMessage } from './slack-webhook-notifier.ts';
export { SqsDeadLetter } from './sqs-dead-letter.ts';
