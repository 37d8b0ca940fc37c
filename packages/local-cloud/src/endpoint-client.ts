import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { EndpointRequestFailedError } from './errors.ts';
import type { BusEvent } from './put-events-input.ts';
import { PUT_EVENTS_MAX_ENTRIES } from './put-events-request.ts';

/** What a running endpoint answered for one event sent by {@link putEventsToEndpoint}. */
export type SentEvent =
  | { readonly index: number; readonly eventId: string }
  | { readonly index: number; readonly errorCode: string; readonly errorMessage: string };

/**
 * The SDK client settings for the local endpoint (EventBridge and Lake Formation share its port):
 * its URL, a region, and placeholder credentials, since the endpoint accepts any.
 *
 * @example
 * ```ts
 * const client = new LakeFormationClient(localEndpointClientConfig('http://127.0.0.1:4010'));
 * ```
 */
export function localEndpointClientConfig(endpoint: string, region = 'us-east-1') {
  return {
    endpoint,
    region,
    credentials: { accessKeyId: 'lakeops-local', secretAccessKey: 'lakeops-local' },
  };
}

/** A PutEvents entry for an event (the endpoint assigns a new id, as EventBridge does). */
export function toPutEventsEntry(event: BusEvent): PutEventsRequestEntry {
  return {
    Source: event.source,
    DetailType: event['detail-type'],
    Detail: JSON.stringify(event.detail),
    Resources: event.resources,
    Time: new Date(event.time),
  };
}

/**
 * Sends events to a running endpoint (local or AWS) with the AWS SDK, in batches of 10, one batch
 * at a time; resolves with one answer per event, in order.
 * @throws EndpointRequestFailedError when a whole request fails (endpoint down, request refused).
 * @example
 * ```ts
 * const answers = await putEventsToEndpoint('http://127.0.0.1:4010', events);
 * ```
 */
export async function putEventsToEndpoint(
  endpoint: string,
  events: readonly BusEvent[],
  options: { region?: string; client?: EventBridgeClient } = {},
): Promise<SentEvent[]> {
  const client =
    options.client ??
    new EventBridgeClient({ ...localEndpointClientConfig(endpoint, options.region), maxAttempts: 3 });
  const out: SentEvent[] = [];
  try {
    for (let start = 0; start < events.length; start += PUT_EVENTS_MAX_ENTRIES) {
      const batch = events.slice(start, start + PUT_EVENTS_MAX_ENTRIES);
      let answer: PutEventsCommandOutput;
      try {
        answer = await client.send(new PutEventsCommand({ Entries: batch.map(toPutEventsEntry) }));
      } catch (error) {
        const name = error instanceof Error ? error.name : 'Error';
        const message = error instanceof Error ? error.message : String(error);
        const code = (error as { code?: string }).code;
        const retryable =
          code === 'ECONNREFUSED' || name === 'InternalException' || name === 'ServiceUnavailable';
        throw new EndpointRequestFailedError(
          code === 'ECONNREFUSED'
            ? `nothing answers at ${endpoint} (is 'lakeops start' running?)`
            : `${name}: ${message}`,
          { retryable, cause: error },
        );
      }
      (answer.Entries ?? []).forEach((e, i) => {
        const entry = e as { EventId?: string; ErrorCode?: string; ErrorMessage?: string };
        out.push(
          entry.EventId
            ? { index: start + i, eventId: entry.EventId }
            : {
                index: start + i,
                errorCode: entry.ErrorCode ?? 'Unknown',
                errorMessage: entry.ErrorMessage ?? '',
              },
        );
      });
    }
  } finally {
    if (!options.client) client.destroy();
  }
  return out;
}
