import { Logger } from '@aws-lambda-powertools/logger';
import type { AlarmTriggeredV1, ContractEvent, DeployFailedV1, DeploySucceededV1 } from '@lakeops/contracts';
import { alarmTriggeredV1 } from '@lakeops/contracts/validators/alarm.triggered.v1';
import { deployFailedV1 } from '@lakeops/contracts/validators/deploy.failed.v1';
import { LakeopsError } from '@lakeops/core';
import { aDeployFailedEvent, InMemoryDeadLetter, RecordingNotifier } from '@lakeops/testing';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { eventFunction } from '../lib/event-function.ts';
import { lambdaContext } from '../lib/lambda-context.ts';
import { make } from '../notify.ts';
import { routeById } from '../routes.ts';
import { notifyDeploy } from '../routes.validators.generated.ts';

const route = routeById('notify-deploy');
const ctx = () => lambdaContext(route, 'req-1');

const clock = { now: () => new Date('2026-11-27T12:00:00Z') };
const noMetrics = { record: () => {} };

/** The deploy function with a recording Slack notifier; `failing.failWith` makes its use case throw. */
function build() {
  const notifier = new RecordingNotifier();
  const deadLetter = new InMemoryDeadLetter();
  const failing: { failWith: Error | undefined } = { failWith: undefined };
  const metrics = {
    record: () => {
      if (failing.failWith) throw failing.failWith;
    },
  };
  const handler = make({ notifiers: { slack: notifier, fallback: notifier }, deadLetter, metrics, clock });
  return { notifier, deadLetter, handler, failing };
}

describe('the Lambda chain (eventFunction) around notify', () => {
  afterEach(() => vi.restoreAllMocks());

  it('runs the use case on a valid event', async () => {
    // Prepare
    const { notifier, deadLetter, handler } = build();
    // Act
    const result = await handler(aDeployFailedEvent({}, 'evt-1'), ctx());
    // Assess
    expect(result).toMatchObject({ status: 'processed', result: { key: 'deploy:evt-1', severity: 'error' } });
    expect(notifier.sent).toHaveLength(1);
    expect(deadLetter.parked).toHaveLength(0);
  });

  it('parks an invalid event with every reason and does not retry it', async () => {
    // Prepare
    const { notifier, deadLetter, handler } = build();
    const event = aDeployFailedEvent({ version: undefined, environment: 42 }, 'evt-2');
    // Act
    const result = await handler(event, ctx());
    // Assess
    expect(result).toMatchObject({ status: 'parked', code: 'EventInvalid' });
    expect(notifier.sent).toHaveLength(0);
    expect(deadLetter.parked).toHaveLength(1);
    const parked = deadLetter.parked[0];
    expect(parked).toMatchObject({ routeId: 'notify-deploy', event, parkedAt: '2026-11-27T12:00:00.000Z' });
    const pointers = ((parked?.reason.details ?? []) as { pointer: string }[]).map((r) => r.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/environment']));
    expect(pointers.some((p) => p.includes('version') || p === '')).toBe(true);
  });

  it('parks an event carrying an email with the email masked, as the quarantine does', async () => {
    // Prepare
    const { deadLetter, handler } = build();
    const event = aDeployFailedEvent({ environment: 'jane.doe@example.com' }, 'evt-pii');
    // Act
    const result = await handler(event, ctx());
    // Assess
    expect(result).toMatchObject({ status: 'parked', code: 'EventInvalid' });
    expect(JSON.stringify(deadLetter.parked)).not.toContain('jane.doe@example.com');
    expect(deadLetter.parked[0]?.event).toMatchObject({ id: 'evt-pii', 'detail-type': 'deploy.failed' });
  });

  it('parks something that is not an EventBridge event at all', async () => {
    const { deadLetter, handler } = build();
    const result = await handler({ hello: 'world' }, ctx());
    expect(result).toMatchObject({ status: 'parked', code: 'EventInvalid' });
    expect(deadLetter.parked[0]?.event).toEqual({ hello: 'world' });
  });

  it('rethrows a transient failure so Lambda and EventBridge retry it', async () => {
    const { deadLetter, handler, failing } = build();
    failing.failWith = new LakeopsError('DependencyUnavailable', 'slack down', { retryable: true });
    await expect(handler(aDeployFailedEvent(), ctx())).rejects.toThrow('slack down');
    expect(deadLetter.parked).toHaveLength(0);
  });

  it('treats an unknown error as transient (retried, then dead-lettered by the platform)', async () => {
    const { deadLetter, handler, failing } = build();
    failing.failWith = new TypeError('bug');
    await expect(handler(aDeployFailedEvent(), ctx())).rejects.toThrow('bug');
    expect(deadLetter.parked).toHaveLength(0);
  });

  it('parks a permanent failure of the use case with its code', async () => {
    const { deadLetter, handler, failing } = build();
    failing.failWith = new LakeopsError('NotificationRejected', 'slack said 400', { retryable: false });
    await expect(handler(aDeployFailedEvent(), ctx())).resolves.toMatchObject({
      status: 'parked',
      code: 'NotificationRejected',
    });
    expect(deadLetter.parked).toEqual([
      {
        v: 1,
        routeId: 'notify-deploy',
        event: expect.objectContaining({ 'detail-type': 'deploy.failed' }),
        reason: { code: 'NotificationRejected', message: 'slack said 400', retryable: false },
        attempts: 1,
        parkedAt: '2026-11-27T12:00:00.000Z',
        parkedBy: 'function',
        functionArn: ctx().invokedFunctionArn,
      },
    ]);
  });

  it('rethrows when the dead-letter place itself fails, so the event is not lost', async () => {
    const { handler } = {
      handler: make({
        notifiers: { fallback: new RecordingNotifier() },
        metrics: noMetrics,
        clock,
        deadLetter: {
          park: () =>
            Promise.reject(new LakeopsError('DependencyUnavailable', 'sqs down', { retryable: true })),
        },
      }),
    };
    await expect(handler(aDeployFailedEvent({ service: 7 }), ctx())).rejects.toThrow('sqs down');
  });

  it('logs with the event id as correlation id and never logs the event detail', async () => {
    // Prepare
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    const { metrics } = await import('../lib/observability.ts');
    const logger = new Logger({ serviceName: 'lakeops-test', logLevel: 'DEBUG' });
    const handler = make({
      notifiers: { fallback: new RecordingNotifier() },
      metrics: noMetrics,
      clock,
      deadLetter: new InMemoryDeadLetter(),
      observability: { logger, metrics },
    });
    // Act
    await handler(aDeployFailedEvent({ extra_field: 'secret-value-123' }, 'evt-log'), ctx());
    // Assess
    const logs = lines.join('');
    expect(logs).toContain('"correlation_id":"evt-log"');
    expect(logs).toContain('/extra_field');
    expect(logs).not.toContain('secret-value-123');
    expect(logs).not.toContain('migration 42 timed out');
  });

  it('runs the tracing middleware when one is given', async () => {
    const calls: string[] = [];
    const handler = make({
      notifiers: { fallback: new RecordingNotifier() },
      metrics: noMetrics,
      clock,
      deadLetter: new InMemoryDeadLetter(),
      tracing: { before: () => void calls.push('before'), after: () => void calls.push('after') },
    });
    await handler(aDeployFailedEvent(), ctx());
    expect(calls).toEqual(['before', 'after']);
  });

  it("checks an event against its route's validators only: another contract is not known to it", async () => {
    // Prepare: a valid alarm.triggered event, sent to the deploy route's function.
    const { notifier, deadLetter, handler } = build();
    const alarm = {
      ...aDeployFailedEvent({}, 'evt-alarm'),
      source: 'marketplace.monitoring',
      'detail-type': 'alarm.triggered',
      detail: { v: 1, alarm_name: 'api-5xx', state: 'ALARM', severity: 'error', reason: 'too many 5xx' },
    };
    // Act
    const result = await handler(alarm, ctx());
    // Assess
    expect(result).toMatchObject({ status: 'parked', code: 'EventInvalid' });
    expect(notifier.sent).toHaveLength(0);
    expect(deadLetter.parked[0]?.reason.message).toContain("no schema for detail-type 'alarm.triggered'");
  });
});

describe('eventFunction types (checked by tsc, which runs over this file)', () => {
  it("infers the use case's event from the route's pinned contracts", () => {
    // Prepare
    const route = routeById('notify-deploy');
    // Act
    const built = eventFunction(route, notifyDeploy, async (_deps: object, event) => {
      // Assess
      expectTypeOf(event['detail-type']).toEqualTypeOf<'deploy.succeeded' | 'deploy.failed'>();
      expectTypeOf(event).toEqualTypeOf<
        ContractEvent<'deploy.succeeded', DeploySucceededV1> | ContractEvent<'deploy.failed', DeployFailedV1>
      >();
      if (event['detail-type'] === 'deploy.failed')
        expectTypeOf(event.detail).toEqualTypeOf<DeployFailedV1>();
      return event.id;
    });
    expectTypeOf(built).parameter(0).toHaveProperty('deadLetter');
  });

  it('refuses a use case for another detail type, and validators that do not match the route', () => {
    const route = routeById('notify-deploy');
    const alarmUseCase = async (_deps: object, event: ContractEvent<'alarm.triggered', AlarmTriggeredV1>) =>
      event.detail.alarm_name;
    // @ts-expect-error the route pins deploy.succeeded/deploy.failed, not alarm.triggered
    eventFunction(route, notifyDeploy, alarmUseCase);
    // @ts-expect-error deploy.succeeded v1's validator is missing
    eventFunction(route, { 'deploy.failed': { 1: deployFailedV1 } }, async () => 1);
    eventFunction(
      route,
      // @ts-expect-error alarm.triggered's validator does not check deploy.succeeded
      { 'deploy.succeeded': { 1: alarmTriggeredV1 }, 'deploy.failed': { 1: deployFailedV1 } },
      async () => 1,
    );
    // @ts-expect-error routeById takes a RouteId
    expect(() => routeById('notify-deploys')).toThrow();
  });
});
