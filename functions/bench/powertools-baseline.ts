/**
 * The cold-start benchmark's reference: the notify job written by hand the way the Powertools
 * for AWS Lambda (TypeScript) documentation shows a middy handler (Logger + `injectLambdaContext`,
 * Metrics + `logMetrics` with the cold-start metric, clients created once outside the handler),
 * with the same AWS client (SQS, for parking a failed event) and the same HTTP call (the Slack
 * webhook POST) as `functions/notify.ts`, but no contract check, no route table, no ports.
 * `powertools-baseline-traced.ts` adds the Tracer's `captureLambdaHandler`, as the docs do.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';

export const logger = new Logger({ serviceName: 'lakeops' });
export const metrics = new Metrics({ namespace: 'lakeops', serviceName: 'lakeops' });
const sqs = new SQSClient({});

interface DeployEvent {
  readonly id: string;
  readonly 'detail-type': string;
  readonly detail: { readonly service: string; readonly environment: string; readonly version: string };
}

export const notify = async (event: DeployEvent) => {
  const failed = event['detail-type'] === 'deploy.failed';
  const d = event.detail;
  const title = `${failed ? 'Deploy failed' : 'Deployed'}: ${d.service} ${d.version} → ${d.environment}`;
  const response = await fetch(process.env.SLACK_WEBHOOK_URL ?? '', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      text: title,
      blocks: [{ type: 'header', text: { type: 'plain_text', text: title } }],
    }),
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: process.env.LAKEOPS_DEAD_LETTER_QUEUE_URL,
        MessageBody: JSON.stringify({ event, status: response.status }),
      }),
    );
    return { status: 'parked' };
  }
  metrics.addMetric('Processed', MetricUnit.Count, 1);
  return { status: 'processed', id: event.id };
};

export const handler = middy(notify)
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
