import { anEvent } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { normaliseEvent, validateDetail } from '../src/index.ts';

/** A "CloudWatch Alarm State Change" as EventBridge delivers it (shape from the AWS docs). */
function cloudWatchAlarm(overrides: Record<string, unknown> = {}) {
  return {
    ...anEvent('CloudWatch Alarm State Change', 'aws.cloudwatch', {
      alarmName: 'payments-api-5xx',
      state: {
        value: 'ALARM',
        reason:
          'Threshold Crossed: 1 out of the last 1 datapoints [0.0666851903306472 (01/10/19 13:46:00)] was greater than the threshold (0.0).',
        reasonData: '{"version":"1.0"}',
        timestamp: '2019-10-02T17:04:40.989+0000',
      },
      previousState: { value: 'OK', reason: 'ok', timestamp: '2019-10-01T17:04:40.989+0000' },
      configuration: {
        description: 'payments 5xx rate [critical]',
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: {
                namespace: 'AWS/ApiGateway',
                name: '5XXError',
                dimensions: { ApiName: 'payments-api' },
              },
              period: 300,
              stat: 'Average',
            },
            returnData: true,
          },
        ],
      },
      ...overrides,
    }),
    resources: ['arn:aws:cloudwatch:eu-west-1:000000000000:alarm:payments-api-5xx'],
  };
}

describe('normaliseEvent', () => {
  it('turns a native CloudWatch alarm into a valid alarm.triggered v1', () => {
    // Act
    const event = normaliseEvent(cloudWatchAlarm());
    // Assess
    expect(event['detail-type']).toBe('alarm.triggered');
    expect(event.source).toBe('aws.cloudwatch');
    expect(event.detail).toEqual({
      v: 1,
      alarm_name: 'payments-api-5xx',
      state: 'ALARM',
      severity: 'critical',
      reason: expect.stringContaining('Threshold Crossed'),
      previous_state: 'OK',
      service: 'payments-api',
      metric: 'AWS/ApiGateway/5XXError',
    });
    expect(validateDetail(event['detail-type'], event.detail)).toEqual({ ok: true, unknownFields: [] });
  });

  it('derives severity from the state when the description has no tag', () => {
    const event = normaliseEvent(
      cloudWatchAlarm({ configuration: {}, state: { value: 'INSUFFICIENT_DATA', reason: 'no data' } }),
    );
    expect(event.detail).toMatchObject({
      state: 'INSUFFICIENT_DATA',
      severity: 'warning',
      reason: 'no data',
    });
    expect(validateDetail('alarm.triggered', event.detail).ok).toBe(true);
  });

  it('leaves every other event unchanged (same object)', () => {
    const event = anEvent('deploy.failed', 'marketplace.deploy', { v: 1 });
    expect(normaliseEvent(event)).toBe(event);
    const lookalike = anEvent('CloudWatch Alarm State Change', 'marketplace.monitoring', {});
    expect(normaliseEvent(lookalike)).toBe(lookalike);
  });

  it('a broken native event still normalises, and the contract check names what is wrong', () => {
    const event = normaliseEvent(cloudWatchAlarm({ state: { value: 'PANIC' } }));
    const check = validateDetail('alarm.triggered', event.detail);
    expect(check.ok ? [] : check.reasons.map((r) => r.pointer)).toEqual(['/state']);
  });
});

/** An "Athena Query State Change" as the Athena user guide shows it ("Monitor Athena query events with EventBridge"). */
function athenaQueryEvent(detail: Record<string, unknown> = {}) {
  return anEvent('Athena Query State Change', 'aws.athena', {
    versionId: '0',
    currentState: 'SUCCEEDED',
    previousState: 'RUNNING',
    statementType: 'DDL',
    queryExecutionId: '01234567-0123-0123-0123-012345678901',
    workgroupName: 'lakeops-prod-writes',
    sequenceNumber: '3',
    ...detail,
  });
}

describe('normaliseEvent of Athena query events', () => {
  it('turns a native Athena Query State Change into a valid athena.query.state_changed v1', () => {
    // Act
    const event = normaliseEvent(athenaQueryEvent());
    // Assess
    expect(event['detail-type']).toBe('athena.query.state_changed');
    expect(event.source).toBe('aws.athena');
    expect(event.detail).toEqual({
      v: 1,
      query_execution_id: '01234567-0123-0123-0123-012345678901',
      state: 'SUCCEEDED',
      previous_state: 'RUNNING',
      workgroup: 'lakeops-prod-writes',
      statement_type: 'DDL',
      sequence_number: 3,
    });
    expect(validateDetail(event['detail-type'], event.detail)).toEqual({ ok: true, unknownFields: [] });
  });

  it("keeps a failed query's error message as its reason and drops fields Athena may add", () => {
    // Act
    const event = normaliseEvent(
      athenaQueryEvent({
        currentState: 'FAILED',
        athenaError: { errorCategory: 2, errorType: 1301, errorMessage: 'TABLE_NOT_FOUND: no table' },
        someFutureField: 'x',
      }),
    );
    // Assess
    expect(event.detail).toMatchObject({ state: 'FAILED', reason: 'TABLE_NOT_FOUND: no table' });
    expect(event.detail).not.toHaveProperty('someFutureField');
    expect(validateDetail(event['detail-type'], event.detail)).toEqual({ ok: true, unknownFields: [] });
  });

  it('normalises a malformed Athena event into one its contract check refuses', () => {
    // Act
    const event = normaliseEvent(athenaQueryEvent({ queryExecutionId: undefined, currentState: 'DONE' }));
    // Assess
    expect(validateDetail(event['detail-type'], event.detail).ok).toBe(false);
  });
});
