import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type DeadLetter,
  DependencyUnavailableError,
  type ParkedEvent,
  readParkedEvent,
} from '@lakeops/core';

/**
 * Tells which route a parked message belongs to: from an ARN the parking service recorded
 * (rule, target function, schedule, function) and, when there is none (Lambda's own
 * dead-letter queue records no ARN), from the event itself.
 */
export interface RouteResolver {
  routeOfArn(arn: string): string | undefined;
  routeOfEvent?(event: unknown): string | undefined;
}

/** One message of the dead-letter queue, read into the one parked shape (or why it could not be). */
export type ParkedMessage =
  | {
      readonly id: string;
      readonly receiptHandle: string;
      readonly ok: true;
      readonly parked: ParkedEvent;
    }
  | { readonly id: string; readonly receiptHandle: string; readonly ok: false; readonly problem: string };

/** The most messages one ReceiveMessage returns (SQS API reference, MaxNumberOfMessages 1–10). */
const receiveBatch = 10;

/**
 * The dead-letter place on AWS: one SQS queue that the functions park their permanent
 * failures in (message body = a `ParkedEvent`, `v: 1`), and that EventBridge rule targets,
 * Lambda asynchronous invocations and EventBridge Scheduler use as their dead-letter queue
 * (body = the event, the reason in message attributes). `read` turns any of them into a
 * `ParkedEvent`; `receive`, `delete` and `release` are what `lakeops dead-letter` needs.
 *
 * @example
 * ```ts
 * const deadLetter = new SqsDeadLetter({ client: new SQSClient({}), queueUrl: env.deadLetterQueueUrl });
 * ```
 */
export class SqsDeadLetter implements DeadLetter {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  constructor(options: { client: SQSClient; queueUrl: string }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async park(parked: ParkedEvent): Promise<void> {
    try {
      await this.#client.send(
        new SendMessageCommand({
          QueueUrl: this.#queueUrl,
          MessageBody: JSON.stringify(parked),
          MessageAttributes: {
            ...(parked.routeId ? { routeId: { DataType: 'String', StringValue: parked.routeId } } : {}),
            code: { DataType: 'String', StringValue: parked.reason.code },
            parkedBy: { DataType: 'String', StringValue: parked.parkedBy },
          },
        }),
      );
    } catch (error) {
      // Parking must not lose the event: fail retryably so Lambda's own retry/DLQ takes over.
      throw new DependencyUnavailableError('could not park the event in the dead-letter queue', {
        cause: error,
      });
    }
  }

  /**
   * One page of up to 10 messages, hidden from other receivers for `visibilitySeconds`, with
   * every message attribute and the SentTimestamp. Waits up to `waitSeconds` (long polling asks
   * every SQS server, so an empty page means an empty queue rather than an unlucky sample).
   */
  async receive(
    resolver: RouteResolver,
    options: { visibilitySeconds: number; waitSeconds: number },
  ): Promise<ParkedMessage[]> {
    const out = await this.#client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#queueUrl,
        MaxNumberOfMessages: receiveBatch,
        VisibilityTimeout: options.visibilitySeconds,
        WaitTimeSeconds: options.waitSeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    return (out.Messages ?? []).map((m) => readParkedMessage(m, resolver));
  }

  /** Deletes one received message (after its event was handed back to its function). */
  async delete(receiptHandle: string): Promise<void> {
    await this.#client.send(
      new DeleteMessageCommand({ QueueUrl: this.#queueUrl, ReceiptHandle: receiptHandle }),
    );
  }

  /** Makes received messages visible again at once (batches of 10, the API's limit). */
  async release(receiptHandles: readonly string[]): Promise<void> {
    for (let i = 0; i < receiptHandles.length; i += receiveBatch) {
      const batch = receiptHandles.slice(i, i + receiveBatch);
      await this.#client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: batch.map((handle, n) => ({
            Id: String(i + n),
            ReceiptHandle: handle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads one dead-letter queue message into a `ParkedEvent`, whichever service parked it:
 *
 * - EventBridge (rule target DLQ): body = the event; attributes `RULE_ARN`, `TARGET_ARN`,
 *   `ERROR_CODE`, `ERROR_MESSAGE`, `RETRY_ATTEMPTS`, and `EXHAUSTED_RETRY_CONDITION` only when
 *   the retry policy ran out (without it the error was not retried: permissions, a missing
 *   target — a fix is needed first).
 * - EventBridge Scheduler: body = the target's input; attributes `SCHEDULE_ARN`, `TARGET_ARN`,
 *   `ERROR_CODE`, `ERROR_MESSAGE`, `EXECUTION_ID`, `SCHEDULED_TIME`, `RETRY_ATTEMPTS`,
 *   `EXHAUSTED_RETRY_CONDITION`, `IS_PAYLOAD_TRUNCATED` (a truncated body cannot be redriven).
 * - Lambda asynchronous invocation DLQ: body = the event; attributes `RequestID`, `ErrorCode`
 *   (Number), `ErrorMessage` — no ARN, so the route comes from the event.
 * - Lambda on-failure destination: body = an invocation record (`requestContext.functionArn`,
 *   `requestPayload`, `responsePayload`).
 * - lakeops' own functions: body = a `ParkedEvent`.
 */
export function readParkedMessage(message: Message, resolver: RouteResolver): ParkedMessage {
  const id = message.MessageId ?? '';
  const receiptHandle = message.ReceiptHandle ?? '';
  const attr = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  const sent = Number(message.Attributes?.SentTimestamp);
  const parkedAt = new Date(Number.isFinite(sent) ? sent : 0).toISOString();
  const fail = (problem: string): ParkedMessage => ({ id, receiptHandle, ok: false, problem });
  const done = (parked: ParkedEvent): ParkedMessage => ({ id, receiptHandle, ok: true, parked });

  if (attr('SCHEDULE_ARN') !== undefined && attr('IS_PAYLOAD_TRUNCATED') === 'true') {
    return fail('EventBridge Scheduler truncated the payload; it cannot be redriven as it is');
  }
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    return fail('the body is not JSON');
  }
  const route = (...arns: (string | undefined)[]) => {
    for (const arn of arns) {
      const routeId = arn ? resolver.routeOfArn(arn) : undefined;
      if (routeId) return routeId;
    }
    return resolver.routeOfEvent?.(body) ?? null;
  };
  const retriesOf = (value: string | undefined) => {
    const n = Number(value);
    return value !== undefined && Number.isInteger(n) && n >= 0 ? n + 1 : null;
  };
  const lambdaArn = (arn: string | undefined) =>
    arn && /^arn:aws[a-z-]*:lambda:/.test(arn) ? { functionArn: arn } : {};

  const scheduleArn = attr('SCHEDULE_ARN');
  const ruleArn = attr('RULE_ARN');
  if (scheduleArn !== undefined || ruleArn !== undefined) {
    const targetArn = attr('TARGET_ARN');
    const exhausted = attr('EXHAUSTED_RETRY_CONDITION');
    const details =
      scheduleArn !== undefined
        ? {
            scheduleArn,
            ...(targetArn ? { targetArn } : {}),
            ...(attr('EXECUTION_ID') ? { executionId: attr('EXECUTION_ID') } : {}),
            ...(attr('SCHEDULED_TIME') ? { scheduledTime: attr('SCHEDULED_TIME') } : {}),
            ...(exhausted ? { exhaustedRetryCondition: exhausted } : {}),
          }
        : {
            ruleArn,
            ...(targetArn ? { targetArn } : {}),
            ...(exhausted ? { exhaustedRetryCondition: exhausted } : {}),
          };
    return done({
      v: 1,
      routeId: route(targetArn, scheduleArn ?? ruleArn),
      event: body,
      reason: {
        code: attr('ERROR_CODE') ?? 'Unknown',
        message: attr('ERROR_MESSAGE') ?? '',
        retryable: exhausted !== undefined,
        details,
      },
      attempts: retriesOf(attr('RETRY_ATTEMPTS')),
      parkedAt,
      parkedBy: scheduleArn !== undefined ? 'scheduler' : 'eventbridge',
      ...lambdaArn(targetArn),
    });
  }

  const requestId = attr('RequestID');
  if (requestId !== undefined) {
    const errorCode = Number(attr('ErrorCode'));
    return done({
      v: 1,
      routeId: route(),
      event: body,
      reason: {
        code: 'AsyncInvokeFailed',
        message: attr('ErrorMessage') ?? '',
        retryable: true,
        details: { requestId, ...(Number.isFinite(errorCode) ? { errorCode } : {}) },
      },
      attempts: null,
      parkedAt,
      parkedBy: 'lambda-async',
    });
  }

  const own = readParkedEvent(body);
  if (own) return done(own);

  if (isObject(body) && isObject(body.requestContext) && 'requestPayload' in body) {
    const context = body.requestContext;
    const functionArn = typeof context.functionArn === 'string' ? context.functionArn : undefined;
    const response = isObject(body.responsePayload) ? body.responsePayload : {};
    const condition = typeof context.condition === 'string' ? context.condition : 'Failed';
    const count = context.approximateInvokeCount;
    const event = body.requestPayload;
    return done({
      v: 1,
      routeId: functionArn
        ? (resolver.routeOfArn(functionArn) ?? resolver.routeOfEvent?.(event) ?? null)
        : null,
      event,
      reason: {
        code: condition,
        message:
          typeof response.errorMessage === 'string'
            ? response.errorMessage
            : `asynchronous invocation ended: ${condition}`,
        retryable: true,
        details: {
          ...(typeof context.requestId === 'string' ? { requestId: context.requestId } : {}),
          ...(typeof response.errorType === 'string' ? { errorType: response.errorType } : {}),
        },
      },
      attempts: typeof count === 'number' ? count : null,
      parkedAt: typeof body.timestamp === 'string' ? body.timestamp : parkedAt,
      parkedBy: 'lambda-async',
      ...lambdaArn(functionArn),
    });
  }
  return fail('not a message any dead-letter path writes (no known attributes, not a parked event)');
}

/**
 * The route a deployed resource belongs to, from SST's naming: the resource name in the ARN
 * (`function:<name>`, `rule/<bus>/<name>`, `schedule/<group>/<name>`) holds the logical name,
 * which is the route id; the longest route id whose letters and digits appear in it wins
 * (`notify-deploy` over `notify`). `functionNames` (route id → deployed function name), when
 * given, is checked first and exactly.
 *
 * @example
 * ```ts
 * routeIdFromArn(`arn:${partition}:lambda:${region}:${account}:function:lakeops-prod-EventsSubscriberNotifyDeployFunction-ab12`, ['notify-deploy']);
 * // → 'notify-deploy'
 * ```
 */
export function routeIdFromArn(
  arn: string,
  routeIds: readonly string[],
  functionNames: Readonly<Record<string, string>> = {},
): string | undefined {
  const resource = arn.split(':').slice(5).join(':');
  const name = resource.startsWith('function:')
    ? (resource.split(':')[1] ?? '')
    : (resource.split('/').pop() ?? '');
  for (const [routeId, functionName] of Object.entries(functionNames)) {
    if (functionName === name && routeIds.includes(routeId)) return routeId;
  }
  const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const haystack = squash(name);
  let best: string | undefined;
  for (const routeId of routeIds) {
    const needle = squash(routeId);
    if (needle && haystack.includes(needle) && (!best || needle.length > squash(best).length)) best = routeId;
  }
  return best;
}
