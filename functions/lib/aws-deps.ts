import { SQSClient } from '@aws-sdk/client-sqs';
import { SlackWebhookNotifier, SqsDeadLetter } from '@lakeops/adapters-aws';
import type { Notification, Notifier } from '@lakeops/core';
import { readAwsEnv } from './aws-env.ts';
import type { ChainDeps } from './event-function.ts';
import { logger, tracingMiddleware } from './observability.ts';

/**
 * The AWS composition root: builds each function's ports from the environment, once per cold
 * start. Each factory pulls in only the clients it needs, so esbuild keeps bundles small.
 */
export async function chainDeps(): Promise<ChainDeps> {
  const env = readAwsEnv();
  return {
    deadLetter: new SqsDeadLetter({ client: new SQSClient({}), queueUrl: env.deadLetterQueueUrl }),
    ...(env.tracing ? { tracing: await tracingMiddleware() } : {}),
  };
}

export async function notifyDeps(): Promise<ChainDeps & { notifier: Notifier }> {
  const env = readAwsEnv();
  const notifier = env.slackWebhookUrl ? new SlackWebhookNotifier({ url: env.slackWebhookUrl }) : logNotifier;
  return { ...(await chainDeps()), notifier };
}

/** Without a Slack webhook, a notification is a structured log line (no personal data in it). */
const logNotifier: Notifier = {
  send: async (n: Notification) => {
    logger.info('notification', { notification: n });
  },
};
