import {
  deployedOnAws,
  type EventPattern,
  type EventRoute,
  patternAlternatives,
  type Route,
} from '../functions/lib/route.ts';

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

/**
 * The alternatives of the deployed event routes that match AWS services' own events (every
 * `source` an `aws.*` one): Athena's query state changes, CloudWatch's alarm state changes. AWS
 * services put their events on the account's **default** bus only ("Events from AWS services",
 * EventBridge User Guide), so lakeops' bus never sees them unless they are forwarded.
 */
export function nativeEventPattern(routes: readonly Route[]): EventPattern | undefined {
  const native = routes
    .filter((route): route is EventRoute => route.kind === 'event' && deployedOnAws(route))
    .flatMap((route) => patternAlternatives(route.pattern))
    .filter((p) => {
      const sources = p.source;
      return (
        Array.isArray(sources) &&
        sources.length > 0 &&
        sources.every((s) => typeof s === 'string' && s.startsWith('aws.'))
      );
    });
  if (!native.length) return undefined;
  return native.length === 1 ? native[0] : { $or: native };
}

/**
 * Forwards the native events lakeops' routes match from the default bus to lakeops' bus (one rule
 * on the default bus whose target is the bus, reached with an IAM role: "Sending and receiving
 * events between event buses in the same account and Region", EventBridge User Guide). Forwarding
 * rather than subscribing the functions on the default bus keeps one bus for every route — the
 * same rules, the Bronze archive and the dead-letter policy apply to native events as locally,
 * where everything arrives on one endpoint — at the price of a custom-event charge per forwarded
 * event (terminal states of lakeops' write workgroup, alarm state changes: a few per minute).
 */
export function forwardNativeEvents(
  routes: readonly Route[],
  r: Messaging & { deployment: { readonly account: $util.Input<string> } },
) {
  const pattern = nativeEventPattern(routes);
  if (!pattern) return undefined;
  const name = `lakeops-${$app.stage}-native-events`;
  const rule = new aws.cloudwatch.EventRule('NativeEventsRule', {
    name,
    description: "lakeops: AWS services' events its routes match, from the default bus to lakeops' bus",
    eventBusName: 'default',
    eventPattern: JSON.stringify(pattern),
    state: 'ENABLED',
  });
  const role = new aws.iam.Role('NativeEventsRuleRole', {
    name: `${name}-rule`,
    description: "EventBridge: forward native events from the default bus to lakeops' bus",
    assumeRolePolicy: $jsonStringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': r.deployment.account },
            ArnEquals: { 'aws:SourceArn': rule.arn },
          },
        },
      ],
    }),
    inlinePolicies: [
      {
        name: 'put-events',
        policy: $jsonStringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: r.bus.arn }],
        }),
      },
    ],
  });
  const target = new aws.cloudwatch.EventTarget('NativeEventsTarget', {
    rule: rule.name,
    eventBusName: 'default',
    arn: r.bus.arn,
    roleArn: role.arn,
    deadLetterConfig: { arn: r.deadLetter.arn },
    retryPolicy: { maximumEventAgeInSeconds: 24 * 3600, maximumRetryAttempts: 185 },
  });
  return { nativeEventsRule: rule, nativeEventsRole: role, nativeEventsTarget: target };
}
