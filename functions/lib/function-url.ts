import { type ConsoleRequest, type ConsoleResponse, consoleMaxBodyBytes } from '@lakeops/console';
import type { APIGatewayProxyStructuredResultV2, LambdaFunctionURLEvent } from 'aws-lambda';

/**
 * A Lambda function URL request (payload format 2.0: `rawPath`, `rawQueryString`, lower-cased
 * `headers`, `body` base64 when `isBase64Encoded`) as the console's request. The console reads at
 * most `consoleMaxBodyBytes` of a body and refuses more (413).
 */
export function consoleRequestOf(event: LambdaFunctionURLEvent): ConsoleRequest {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  const tooLarge = bytes.length > consoleMaxBodyBytes;
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    query: new URLSearchParams(event.rawQueryString ?? ''),
    contentType: event.headers['content-type'],
    body: tooLarge ? '' : bytes.toString('utf8'),
    tooLarge,
  };
}

/** The console's response as a function URL result (text bodies, never base64). */
export function functionUrlResultOf(response: ConsoleResponse): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: response.status,
    headers: { ...response.headers },
    body: response.body,
    isBase64Encoded: false,
  };
}
