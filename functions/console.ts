import { type ConsoleDeps, handleConsoleRequest } from '@lakeops/console';
import type { APIGatewayProxyStructuredResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { consoleDeps } from './lib/aws-console-deps.ts';
import { consoleRequestOf, functionUrlResultOf } from './lib/function-url.ts';
import { logger } from './lib/observability.ts';

/**
 * The ops console behind a Lambda function URL (`AWS_IAM` auth): the same pages and JSON API as
 * `lakeops start` serves at /console, over the ports it is given.
 */
export const make =
  (deps: ConsoleDeps) =>
  async (event: LambdaFunctionURLEvent): Promise<APIGatewayProxyStructuredResultV2> =>
    functionUrlResultOf(
      await handleConsoleRequest(deps, consoleRequestOf(event), (error) =>
        logger.error('console request failed', { error }),
      ),
    );

// Built at the first request and kept for the life of the execution environment (the query
// cache with it); a failed build is retried by the next request.
let ready: Promise<(event: LambdaFunctionURLEvent) => Promise<APIGatewayProxyStructuredResultV2>> | undefined;

/** Deployed by stacks/console.ts (declared in functions/url-functions.ts). */
export const handler = async (event: LambdaFunctionURLEvent): Promise<APIGatewayProxyStructuredResultV2> => {
  ready ??= consoleDeps().then(make);
  ready.catch(() => {
    ready = undefined;
  });
  return (await ready)(event);
};
