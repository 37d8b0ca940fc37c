import type { Context } from 'aws-lambda';
import type { Route } from './route.ts';

/**
 * A Lambda `Context` for invoking a function outside Lambda (the local runner, tests), with the
 * route's timeout so `getRemainingTimeInMillis` behaves as on AWS.
 */
export function lambdaContext(
  route: Pick<Route, 'id' | 'timeoutSeconds' | 'memoryMB'>,
  requestId: string,
  startedAt = Date.now(),
): Context {
  const deadline = startedAt + route.timeoutSeconds * 1000;
  const name = `lakeops-local-${route.id}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: String(route.memoryMB),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
