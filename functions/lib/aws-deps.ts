import { SQSClient } from '@aws-sdk/client-sqs';
import { SlackWebhookNotifier, SqsDeadLetter } from '@lakeops/adapters-aws';
import { DependencyUnavailableError, type Notification, type Notifier } from '@lakeops/core';
import { readAwsEnv } from './aws-env.ts';
import type { ChainDeps } from './event-function.ts';
import { logger, tracingMiddleware } from './observability.ts';

/** How long a fetched webhook is reused before SSM is asked again (a rotation shows within it). */
const webhookMaxAgeSeconds = 300;

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
  const notifier = env.slackWebhookParameter
    ? await ssmSlackNotifier(env.slackWebhookParameter)
    : logNotifier;
  return { ...(await chainDeps()), notifier };
}

/**
 * A Slack notifier whose webhook is an SSM SecureString parameter, read at the first send
 * (not at cold start: a function that sends nothing never asks SSM) and cached for
 * `webhookMaxAgeSeconds` by Powertools parameters. The webhook is never logged. The SST
 * secret's placeholder `unset` means no Slack: notifications go to the function's log.
 */
export function lazySlackNotifier(read: () => Promise<string | undefined>): Notifier {
  let current: { url: string; notifier: SlackWebhookNotifier } | undefined;
  return {
    async send(notification) {
      let url: string | undefined;
      try {
        url = await read();
      } catch (error) {
        // Retryable: Lambda retries, then parks; the parameter name is in the stack, not here.
        throw new DependencyUnavailableError('could not read the Slack webhook parameter', { cause: error });
      }
      if (!url || url === 'unset') return logNotifier.send(notification);
      if (current?.url !== url) {
        current = { url, notifier: new SlackWebhookNotifier({ url }) };
      }
      return current.notifier.send(notification);
    },
  };
}

async function ssmSlackNotifier(parameterName: string): Promise<Notifier> {
  // Loaded only by functions that notify: the SSM client stays out of the other bundles.
  const [{ SSMProvider }, { SSMClient }] = await Promise.all([
    import('@aws-lambda-powertools/parameters/ssm'),
    import('@aws-sdk/client-ssm'),
  ]);
  const provider = new SSMProvider({ awsSdkV3Client: new SSMClient({}) });
  return lazySlackNotifier(async () => {
    const value = await provider.get(parameterName, { decrypt: true, maxAge: webhookMaxAgeSeconds });
    return typeof value === 'string' ? value : undefined;
  });
}

/** Without a Slack webhook, a notification is a structured log line (no personal data in it). */
const logNotifier: Notifier = {
  send: async (n: Notification) => {
    logger.info('notification', { notification: n });
  },
};
