import type { Permission, ResourceRef, Route } from '../functions/lib/route.ts';
import { handlerOf } from '../functions/lib/route.ts';
import type { Messaging } from './bus.ts';
import type { Storage } from './storage.ts';

export interface Resources extends Storage, Messaging {
  readonly slackWebhookUrl: sst.Secret;
}

/** The ARNs one resource reference stands for (buckets: the bucket and its objects). */
export function arnsOf(ref: ResourceRef, r: Resources): $util.Input<string>[] {
  switch (ref) {
    case 'dead-letter-queue':
      return [r.deadLetter.arn];
    case 'bus':
      return [r.bus.arn];
    case 'lake-bucket':
      return [r.lake.arn, $interpolate`${r.lake.arn}/*`];
    case 'athena-results-bucket':
      return [r.athenaResults.arn, $interpolate`${r.athenaResults.arn}/*`];
    case 'athena-workgroup':
      return [r.workgroup.arn];
    case 'glue-catalog':
      return [
        $interpolate`arn:aws:glue:*:*:catalog`,
        r.glue.arn,
        $interpolate`arn:aws:glue:*:*:table/${r.glue.name}/*`,
      ];
    case 'state-table':
      return [r.state.arn];
    case 'xray':
      // X-Ray's PutTraceSegments/PutTelemetryRecords have no resource-level permissions.
      return ['*'];
  }
}

export function permissionsOf(permissions: readonly Permission[], r: Resources) {
  return permissions.map((p) => ({ actions: [...p.actions], resources: arnsOf(p.resource, r) }));
}

/** The Lambda function for a route: Node 24, ESM, least privilege, async failures to the DLQ. */
export function functionArgs(route: Route, r: Resources): sst.aws.FunctionArgs {
  return {
    handler: handlerOf(route),
    description: route.description,
    runtime: 'nodejs24.x',
    architecture: 'arm64',
    timeout: `${route.timeoutSeconds} seconds`,
    memory: `${route.memoryMB} MB`,
    nodejs: { format: 'esm', minify: true, sourcemap: true },
    permissions: permissionsOf(route.permissions, r),
    environment: {
      LAKEOPS_ROUTE_ID: route.id,
      LAKEOPS_DEAD_LETTER_QUEUE_URL: r.deadLetter.url,
      SLACK_WEBHOOK_URL: r.slackWebhookUrl.value,
      POWERTOOLS_SERVICE_NAME: 'lakeops',
      POWERTOOLS_METRICS_NAMESPACE: 'lakeops',
      POWERTOOLS_TRACE_ENABLED: 'true',
    },
    // Async invocations that still fail after Lambda's retries land in the dead-letter queue.
    // X-Ray active tracing feeds the Powertools Tracer.
    transform: {
      function: (args) =>
        void Object.assign(args, {
          deadLetterConfig: { targetArn: r.deadLetter.arn },
          tracingConfig: { mode: 'Active' },
        }),
    },
  };
}
