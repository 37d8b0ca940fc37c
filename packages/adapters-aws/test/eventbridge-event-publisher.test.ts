import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { PublishedEvent } from '@lakeops/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AwsRequestRejectedError,
  EventBridgeEventPublisher,
  EventsPublishFailedError,
  EventTooLargeError,
} from '../src/index.ts';

const eventBridge = mockClient(EventBridgeClient);
const eventBusName = 'lakeops-prod-Bus';

const refreshed = (n: number, pad = ''): PublishedEvent => ({
  source: 'lakeops.nrt',
  detailType: 'nrt.refreshed',
  detail: { v: 1, view: `nrt.view_${n}`, pad },
});
const entryOf = (e: PublishedEvent) => ({
  Source: e.source,
  DetailType: e.detailType,
  Detail: JSON.stringify(e.detail),
  EventBusName: eventBusName,
});
const publisher = (sleeps: number[] = []) =>
  new EventBridgeEventPublisher({
    client: new EventBridgeClient({ region: 'eu-west-1' }),
    eventBusName,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  });
const ok = (n: number) => ({
  FailedEntryCount: 0,
  Entries: Array.from({ length: n }, (_, i) => ({ EventId: `id-${i}` })),
});

describe('EventBridgeEventPublisher', () => {
  beforeEach(() => eventBridge.reset());

  it('sends 25 events as requests of 10, 10 and 5 entries, in order, on the configured bus', async () => {
    // Prepare
    const events = Array.from({ length: 25 }, (_, i) => refreshed(i));
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ok(input.Entries.length));
    // Act
    await publisher().publish(events);
    // Assess
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
    expect(eventBridge).toHaveReceivedNthCommandWith(PutEventsCommand, 1, {
      Entries: events.slice(0, 10).map(entryOf),
    });
    expect(eventBridge).toHaveReceivedNthCommandWith(PutEventsCommand, 2, {
      Entries: events.slice(10, 20).map(entryOf),
    });
    expect(eventBridge).toHaveReceivedNthCommandWith(PutEventsCommand, 3, {
      Entries: events.slice(20).map(entryOf),
    });
  });

  it('starts a new request before 256 KB of entries: three 100 KB events go as 2 + 1', async () => {
    // Prepare
    const events = [0, 1, 2].map((i) => refreshed(i, 'x'.repeat(100 * 1024)));
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ok(input.Entries.length));
    // Act
    await publisher().publish(events);
    // Assess
    expect(eventBridge).toHaveReceivedNthCommandWith(PutEventsCommand, 1, {
      Entries: events.slice(0, 2).map(entryOf),
    });
    expect(eventBridge).toHaveReceivedNthCommandWith(PutEventsCommand, 2, {
      Entries: events.slice(2).map(entryOf),
    });
  });

  it('sends again only the entries that failed with a retryable code, after a jittered backoff', async () => {
    // Prepare
    const events = [refreshed(0), refreshed(1), refreshed(2)];
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { EventId: 'a' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' },
        ],
      })
      .resolvesOnce(ok(2));
    const sleeps: number[] = [];
    // Act
    await publisher(sleeps).publish(events);
    // Assess
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
    expect(eventBridge).toHaveReceivedNthCommandWith(PutEventsCommand, 2, {
      Entries: events.slice(1).map(entryOf),
    });
    expect(sleeps).toEqual([50]);
  });

  it('reports permanently failed entries at once (not retried), naming source, type and code only', async () => {
    // Prepare
    const events = [refreshed(0), { ...refreshed(1), detail: { v: 1, secret: 'never-in-the-message' } }];
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [
        { EventId: 'a' },
        { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized' },
      ],
    });
    // Act
    const error = await publisher()
      .publish(events)
      .catch((e: unknown) => e);
    // Assess
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(error).toBeInstanceOf(EventsPublishFailedError);
    expect(error).toMatchObject({ code: 'EventsPublishFailed', retryable: false });
    expect((error as Error).message).toBe(
      'EventBridge refused 1 event(s) (1 published): lakeops.nrt/nrt.refreshed (NotAuthorizedForSourceException: Not authorized)',
    );
    expect((error as Error).message).not.toContain('never-in-the-message');
  });

  it('gives up on a throttled entry after 4 rounds and says the failure is retryable', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });
    const sleeps: number[] = [];
    // Act
    const error = await publisher(sleeps)
      .publish([refreshed(0)])
      .catch((e: unknown) => e);
    // Assess
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 4);
    expect(sleeps).toEqual([50, 100, 200]);
    expect(error).toMatchObject({ code: 'EventsPublishFailed', retryable: true });
  });

  it('maps a refused request to a permanent error', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).rejects(
      Object.assign(new Error('not allowed'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    // Act
    const error = await publisher()
      .publish([refreshed(0)])
      .catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(AwsRequestRejectedError);
    expect(error).toMatchObject({ retryable: false, awsError: 'AccessDeniedException' });
  });

  it('refuses an event that no request can hold, before sending anything', async () => {
    // Prepare
    const huge = refreshed(0, 'x'.repeat(256 * 1024));
    // Act
    const error = await publisher()
      .publish([refreshed(1), huge])
      .catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(EventTooLargeError);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
  });
});
