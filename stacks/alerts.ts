import type { Resources } from './function-args.ts';

/** Alarms on the platform itself: anything parked in the dead-letter queue needs a person. */
export function alertsStack(r: Resources) {
  const deadLetterNotEmpty = new aws.cloudwatch.MetricAlarm('DeadLetterNotEmpty', {
    alarmDescription: 'lakeops parked events: inspect the DeadLetter queue and redrive',
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: r.deadLetter.url.apply((url) => url.split('/').pop() ?? '') },
    statistic: 'Maximum',
    period: 300,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
  });
  return { deadLetterNotEmpty };
}
