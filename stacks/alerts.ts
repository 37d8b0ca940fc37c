/**
 * Where alerts go: the `Alerts` SNS topic (alarm actions; the alerting functions read it), the
 * Slack webhook and the PagerDuty routing key. The webhook is an SST secret (`sst secret set SlackWebhookUrl …`) copied into an
 * SSM SecureString parameter; functions get the parameter's NAME and read the value at run time,
 * so the URL is never a plain environment value. Encrypted with the AWS managed key `aws/ssm`,
 * whose key policy lets every IAM principal of the account decrypt through SSM (Systems Manager
 * User Guide: "Restricting decryption of SecureString parameter values"): `ssm:GetParameter` on
 * the parameter is the only grant a function needs.
 */
export function alertingStack() {
  const alerts = new sst.aws.SnsTopic('Alerts');
  const slackWebhookUrl = new sst.Secret('SlackWebhookUrl', 'unset');
  const slackWebhookParameter = new aws.ssm.Parameter('SlackWebhookParameter', {
    name: `/lakeops/${$app.stage}/slack-webhook-url`,
    description: 'lakeops: Slack incoming webhook URL ("unset" = notifications go to the log)',
    type: 'SecureString',
    value: slackWebhookUrl.value,
  });
  // The PagerDuty Events API v2 routing key (`sst secret set PagerDutyRoutingKey …`), like the
  // webhook: a SecureString whose NAME the functions get; "unset" = nothing goes to PagerDuty.
  const pagerDutyRoutingKey = new sst.Secret('PagerDutyRoutingKey', 'unset');
  const pagerDutyRoutingKeyParameter = new aws.ssm.Parameter('PagerDutyRoutingKeyParameter', {
    name: `/lakeops/${$app.stage}/pagerduty-routing-key`,
    description: 'lakeops: PagerDuty Events API v2 routing key ("unset" = no PagerDuty)',
    type: 'SecureString',
    value: pagerDutyRoutingKey.value,
  });
  // The salt of the DSAR user-id hashes: set once per stage (`sst secret set DsarSalt <≥ 16 random
  // characters>`); no placeholder, so a deploy without it stops with SST's "set the secret" error
  // instead of hashing with a guessable salt. Changing it later makes earlier hashes unmatchable.
  const dsarSalt = new sst.Secret('DsarSalt');
  const dsarSaltParameter = new aws.ssm.Parameter('DsarSaltParameter', {
    name: `/lakeops/${$app.stage}/dsar-salt`,
    description: 'lakeops: salt of the DSAR user-id hashes (deletion queue, no-resurrection filter)',
    type: 'SecureString',
    value: dsarSalt.value,
  });
  return { alerts, slackWebhookParameter, pagerDutyRoutingKeyParameter, dsarSaltParameter };
}

export type Alerting = ReturnType<typeof alertingStack>;

/** Alarms on the platform itself: anything parked in the dead-letter queue needs a person. */
export function alarmsStack(r: {
  readonly deadLetter: sst.aws.Queue;
  readonly alerts: sst.aws.SnsTopic;
  readonly deployment: { readonly account: $util.Output<string> };
}) {
  const deadLetterNotEmpty = new aws.cloudwatch.MetricAlarm('DeadLetterNotEmpty', {
    alarmDescription: 'lakeops parked events: inspect the DeadLetter queue and redrive',
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: r.deadLetter.nodes.queue.name },
    statistic: 'Maximum',
    period: 300,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    // A person hears when events are parked, and again when the queue is empty.
    alarmActions: [r.alerts.arn],
    okActions: [r.alerts.arn],
  });
  // CloudWatch publishes alarm notifications as its service principal: the topic allows exactly
  // that, for this alarm of this account (same-account functions need only their IAM policies).
  const alertsPolicy = new aws.sns.TopicPolicy('AlertsPolicy', {
    arn: r.alerts.arn,
    policy: $jsonStringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'CloudWatchAlarmsPublish',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: r.alerts.arn,
          Condition: {
            ArnEquals: { 'aws:SourceArn': deadLetterNotEmpty.arn },
            StringEquals: { 'aws:SourceAccount': r.deployment.account },
          },
        },
      ],
    }),
  });
  return { deadLetterNotEmpty, alertsPolicy };
}
