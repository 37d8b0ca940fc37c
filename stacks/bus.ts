/** The event bus and the dead-letter queue every function parks permanent failures in. */
export function busStack() {
  const bus = new sst.aws.Bus('Events');
  // 14 days: time for an operator to look at a parked event and redrive it. SSE-SQS (SQS-managed
  // keys) needs no key policy, so EventBridge can still deliver to it.
  const deadLetter = new sst.aws.Queue('DeadLetter', {
    // 1 MiB (the SQS maximum): a parked event wraps an event of up to 256 KB with its reason.
    transform: {
      queue: {
        messageRetentionSeconds: 14 * 24 * 3600,
        sqsManagedSseEnabled: true,
        maxMessageSize: 1024 * 1024,
      },
    },
  });
  return { bus, deadLetter };
}

export type Messaging = ReturnType<typeof busStack>;

/**
 * The dead-letter queue's policy: EventBridge (`events.amazonaws.com`) may `sqs:SendMessage` to it,
 * only on behalf of the rules whose targets name it as their dead-letter queue (EventBridge User
 * Guide: "Using dead-letter queues to process undelivered events", granting permissions to the DLQ).
 * EventBridge Scheduler and Lambda's asynchronous DLQ do not use this policy: they send with an
 * IAM role (the schedule's execution role, the function's execution role).
 */
export function deadLetterQueuePolicy(deadLetter: sst.aws.Queue, ruleArns: readonly $util.Input<string>[]) {
  return new aws.sqs.QueuePolicy('DeadLetterPolicy', {
    queueUrl: deadLetter.url,
    policy: $util.all([deadLetter.arn, $util.all([...ruleArns])]).apply(([queueArn, rules]) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'EventBridgeRulesParkUndeliveredEvents',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: queueArn,
            Condition: { ArnEquals: { 'aws:SourceArn': [...rules].sort() } },
          },
        ],
      }),
    ),
  });
}
