import { type ConsoleDeps, handleConsoleRequest } from '@lakeops/console';
import type { APIGatewayProxyStructuredResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
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

export const handler = async (): Promise<never> => {
  // Not wired on AWS yet: its composition root (AthenaQueryEngine behind cachedQueryEngine, the
  // DynamoDB state store, the assets copied into the bundle) and its stack are open items of
  // issue 17; the NRT views it reads are refreshed locally only so far (nrt-refresh).
  throw new Error(
    'the console runs locally only (lakeops start); its AWS composition root is not written yet',
  );
};
