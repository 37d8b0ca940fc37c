import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { FirehoseTransformationEvent, FirehoseTransformationResultRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { make } from '../archive-events.ts';
import { functionsDir } from '../bench/bundle.ts';
import { MAX_RESPONSE_BYTES } from '../lib/firehose-transform.ts';
import { lambdaContext } from '../lib/lambda-context.ts';

const ctx = () => lambdaContext({ id: 'archive-events', timeoutSeconds: 60, memoryMB: 512 }, 'req-1');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('utf8');

async function fixture(): Promise<FirehoseTransformationEvent> {
  const text = await readFile(join(functionsDir, 'test/fixtures/firehose-archive-events.json'), 'utf8');
  return JSON.parse(text) as FirehoseTransformationEvent;
}

function build() {
  const logger = new Logger({ serviceName: 'lakeops-test', logLevel: 'SILENT' });
  const metrics = new Metrics({ namespace: 'lakeops', serviceName: 'lakeops-test' });
  const logged: unknown[] = [];
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    vi.spyOn(logger, level).mockImplementation((...args: unknown[]) => {
      logged.push(args);
    });
  }
  const counted: Record<string, number> = {};
  vi.spyOn(metrics, 'addMetric').mockImplementation((name: string, _unit: unknown, value: number) => {
    counted[name] = (counted[name] ?? 0) + value;
    return metrics;
  });
  vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  const handler = make({
    observability: { logger, metrics },
    clock: { now: () => new Date('2026-12-01T09:00:00Z') },
  });
  return { handler, logged, counted };
}

describe('archive-events, the Firehose transform of the Bronze archive', () => {
  it('answers every record of a Firehose batch: events to events/, the rest to _quarantine/ with reasons, by hour', async () => {
    // Prepare
    const event = await fixture();
    const input = event.records.map((r) => unb64(r.data));
    const { handler } = build();
    // Act
    const out = await handler(event, ctx());
    // Assess: one record back per record in, same ids, same order, all Ok
    expect(out.records.map((r) => [r.recordId, r.result])).toEqual(
      event.records.map((r) => [r.recordId, 'Ok']),
    );
    const [valid, extra, invalid, notJson] = out.records as FirehoseTransformationResultRecord[];
    // a valid event: unchanged, one line, in the hour of its time
    expect(valid).toEqual({
      recordId: event.records[0]?.recordId,
      result: 'Ok',
      data: b64(`${input[0]}\n`),
      metadata: { partitionKeys: { area: 'events', dt: '2026-11-27', hour: '10' } },
    });
    // an unknown field: accepted and kept whole (rollout_wave is still there)
    expect(extra).toEqual({
      recordId: event.records[1]?.recordId,
      result: 'Ok',
      data: b64(`${input[1]}\n`),
      metadata: { partitionKeys: { area: 'events', dt: '2026-11-27', hour: '11' } },
    });
    expect(unb64(extra?.data)).toContain('"rollout_wave":3');
    // schema-invalid but well-formed: quarantined with every reason, the email masked, hour in UTC
    expect(invalid?.metadata).toEqual({
      partitionKeys: { area: '_quarantine', dt: '2026-11-27', hour: '23' },
    });
    expect(unb64(invalid?.data)).toBe(
      `${JSON.stringify({
        receivedAt: '2026-12-01T08:30:05.252Z',
        reasons: [
          { pointer: '/detail/service', message: 'is required' },
          {
            pointer: '/detail/error',
            message: 'looks like an email address; events must not carry raw emails',
          },
        ],
        event: {
          version: '0',
          id: 'a7c2e913-8b5d-4f60-b1e4-3d9f0c6a8e33',
          'detail-type': 'deploy.failed',
          source: 'marketplace.deploy',
          account: '123456789012',
          time: '2026-11-28T00:15:00+01:00',
          region: 'eu-west-1',
          resources: [],
          detail: {
            v: 1,
            environment: 'production',
            version: '1.4.2',
            started_at: '2026-11-27T10:00:00Z',
            finished_at: '2026-11-27T10:02:05Z',
            error: '[masked:email]',
          },
        },
      })}\n`,
    );
    // not JSON at all: quarantined as masked text, in the hour it arrived
    expect(notJson?.metadata).toEqual({
      partitionKeys: { area: '_quarantine', dt: '2026-12-01', hour: '08' },
    });
    expect(JSON.parse(unb64(notJson?.data))).toEqual({
      receivedAt: '2026-12-01T08:30:05.253Z',
      reasons: [{ pointer: '', message: expect.stringMatching(/^not JSON: /) }],
      event: 'deploy failed, ask [masked:email]',
    });
    expect(out.records.every((r) => unb64(r.data).endsWith('}\n'))).toBe(true);
    expect(out.records.map((r) => unb64(r.data)).join('')).not.toContain('jane.doe@example.com');
  });

  it('counts records per area and logs no payload', async () => {
    // Prepare
    const { handler, logged, counted } = build();
    const event = await fixture();
    // Act
    await handler(event, ctx());
    // Assess
    expect(counted).toEqual({ EventsArchived: 2, EventsQuarantined: 2, RecordsFailed: 0, UnknownFields: 1 });
    const logs = JSON.stringify(logged);
    expect(logs).toContain('archive batch transformed');
    for (const value of ['jane.doe', 'payments-api', 'migration 42', 'a7c2e913'])
      expect(logs).not.toContain(value);
    for (const r of event.records) expect(logs).not.toContain(r.data.slice(0, 24));
  });

  it('fails only a record it cannot read at all, and still answers it by id, in order', async () => {
    // Prepare
    const event = await fixture();
    const broken = { ...event.records[0], recordId: 'no-data' } as Record<string, unknown>;
    delete broken.data;
    event.records.splice(1, 0, broken as unknown as FirehoseTransformationEvent['records'][number]);
    const { handler, counted } = build();
    // Act
    const out = await handler(event, ctx());
    // Assess
    expect(out.records.map((r) => [r.recordId, r.result])).toEqual(
      event.records.map((r) => [r.recordId, r.recordId === 'no-data' ? 'ProcessingFailed' : 'Ok']),
    );
    expect(counted.RecordsFailed).toBe(1);
  });

  it('keeps the response under Lambda’s 6 MB: the biggest quarantine lines go back as ProcessingFailed', async () => {
    // Prepare: three 1 MB bodies of quotes, each a ~2 MB escaped quarantine line (~2.7 MB base64)
    const body = '"'.repeat(1024 * 1024);
    const records = ['a', 'b', 'c'].map((id, i) => ({
      recordId: id,
      approximateArrivalTimestamp: Date.parse('2026-12-01T08:00:00Z') + i,
      data: b64(body + '"'.repeat([0, 300, 150][i] ?? 0)), // b is the biggest, then c
    }));
    const event = { invocationId: 'i', deliveryStreamArn: 'arn', region: 'eu-west-1', records };
    const { handler } = build();
    // Act
    const out = await handler(event, ctx());
    // Assess
    expect(Buffer.byteLength(JSON.stringify(out))).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    expect(out.records.map((r) => [r.recordId, r.result])).toEqual([
      ['a', 'Ok'],
      ['b', 'ProcessingFailed'],
      ['c', 'ProcessingFailed'],
    ]);
    expect(out.records[1]?.data).toBe(records[1]?.data);
  });

  it('refuses an event that is not a Firehose batch (Lambda reports the error; Firehose retries)', async () => {
    // Prepare
    const { handler } = build();
    // Act / Assess
    await expect(handler({} as FirehoseTransformationEvent, ctx())).rejects.toMatchObject({
      code: 'EventInvalid',
    });
  });
});
