import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type DeadLetter, DependencyUnavailableError, type ParkedEvent } from '@lakeops/core';

/**
 * The dead-letter place on AWS: one SQS message per parked event, the route id and error code
 * as message attributes so an operator can filter and redrive.
 *
 * @example
 * ```ts
 * const deadLetter = new SqsDeadLetter({ client: new SQSClient({}), queueUrl: Resource.DeadLetter.url });
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
            routeId: { DataType: 'String', StringValue: parked.routeId },
            code: { DataType: 'String', StringValue: parked.reason.code },
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
}
