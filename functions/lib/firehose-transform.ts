import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { ArchiveDecision } from '@lakeops/contracts';
import { type Clock, EventInvalidError, systemClock } from '@lakeops/core';
import middy from '@middy/core';
import type {
  Context,
  FirehoseTransformationEvent,
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';
import { type Observability, observability } from './observability.ts';

/**
 * A Lambda's synchronous response is at most 6 MB; Firehose fails the whole batch past it
 * (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html).
 */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

/** The archive decision for one raw event: `archiveRecord` from `@lakeops/contracts`. */
export type Decide = (raw: Uint8Array, arrivedAt: Date) => ArchiveDecision;

export interface FirehoseTransformDeps {
  readonly clock?: Clock;
  /** Defaults to the shared Powertools logger and metrics. */
  readonly observability?: Observability;
}

export type FirehoseTransformHandler = (
  event: FirehoseTransformationEvent,
  context: Context,
) => Promise<FirehoseTransformationResult>;

/** How one batch went: records per outcome. */
export interface TransformCounts {
  events: number;
  quarantined: number;
  failed: number;
  unknownFields: number;
}

/**
 * Builds a Firehose data-transformation function around the archive decision: returns
 * `make(deps)`, which assembles the middy stack (Powertools logger with the Lambda context, EMF
 * metrics) once. Each record's `data` (one EventBridge event, as an EventBridge → Firehose target
 * delivers it) becomes one NDJSON line with the dynamic-partitioning keys `{ area, dt, hour }`
 * that the delivery stream's S3 prefix reads (`partitionKeyFromLambda`). Every record comes back
 * with its `recordId`, in order; none is `Dropped`. A record that cannot be read at all (no
 * `data`, or the decision throws) is `ProcessingFailed`, so Firehose writes it to the error prefix.
 * Logs carry counts and record ids, never a payload.
 *
 * @example
 * ```ts
 * export const make = firehoseTransform(archiveRecord);
 * export const handler = make({});
 * ```
 */
export function firehoseTransform(decide: Decide): (deps: FirehoseTransformDeps) => FirehoseTransformHandler {
  return (deps) => {
    const { logger, metrics } = deps.observability ?? observability;
    const clock = deps.clock ?? systemClock;
    const base = async (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> => {
      if (typeof event !== 'object' || event === null || !Array.isArray(event.records)) {
        throw new EventInvalidError('not a Firehose transformation event', [
          { pointer: '/records', message: 'must be an array' },
        ]);
      }
      const { result, counts, failedIds } = transformRecords(event.records, decide, clock.now());
      metrics.addMetric('EventsArchived', MetricUnit.Count, counts.events);
      metrics.addMetric('EventsQuarantined', MetricUnit.Count, counts.quarantined);
      metrics.addMetric('RecordsFailed', MetricUnit.Count, counts.failed);
      if (counts.unknownFields > 0)
        metrics.addMetric('UnknownFields', MetricUnit.Count, counts.unknownFields);
      logger.info('archive batch transformed', { records: event.records.length, ...counts });
      if (failedIds.length > 0)
        logger.error('records the archive could not process', { recordIds: failedIds });
      return result;
    };
    return middy(base, { timeoutEarlyInMillis: 0 })
      .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
      .use(logMetrics(metrics, { captureColdStartMetric: true })) as unknown as FirehoseTransformHandler;
  };
}

/**
 * The pure part: one output record per input record, same ids, same order. `now` stands in for a
 * record without a readable `approximateArrivalTimestamp`.
 */
export function transformRecords(
  records: readonly FirehoseTransformationEventRecord[],
  decide: Decide,
  now: Date,
): { result: FirehoseTransformationResult; counts: TransformCounts; failedIds: string[] } {
  const counts: TransformCounts = { events: 0, quarantined: 0, failed: 0, unknownFields: 0 };
  const failedIds: string[] = [];
  const out: FirehoseTransformationResultRecord[] = [];
  const growth: { index: number; bytes: number }[] = [];
  let size = 16;
  for (const record of records) {
    const recordId = String(record?.recordId ?? '');
    const data = typeof record?.data === 'string' ? record.data : undefined;
    const decision = data === undefined ? undefined : decideSafely(decide, data, arrivalOf(record, now));
    let item: FirehoseTransformationResultRecord;
    if (decision === undefined) {
      item = { recordId, result: 'ProcessingFailed', data: data ?? '' };
    } else {
      const { area, dt, hour } = decision;
      item = {
        recordId,
        result: 'Ok',
        data: Buffer.from(`${decision.line}\n`, 'utf8').toString('base64'),
        metadata: { partitionKeys: { area, dt, hour } },
      };
      if (decision.status === 'rejected') growth.push({ index: out.length, bytes: item.data?.length ?? 0 });
      else counts.unknownFields += decision.unknownFields.length;
    }
    out.push(item);
    size += jsonBytes(item) + 1;
  }
  // Past 6 MB Firehose would fail the whole batch: hand the biggest quarantine lines back as
  // ProcessingFailed (Firehose keeps their original bytes under the error prefix) until it fits.
  growth.sort((a, b) => b.bytes - a.bytes);
  for (const { index } of growth) {
    if (size <= MAX_RESPONSE_BYTES) break;
    const item = out[index] as FirehoseTransformationResultRecord;
    const failed: FirehoseTransformationResultRecord = {
      recordId: item.recordId,
      result: 'ProcessingFailed',
      data: records[index]?.data ?? '',
    };
    size += jsonBytes(failed) - jsonBytes(item);
    out[index] = failed;
  }
  for (const item of out) {
    if (item.result === 'ProcessingFailed') {
      counts.failed++;
      failedIds.push(item.recordId);
    } else if (item.metadata?.partitionKeys.area === '_quarantine') counts.quarantined++;
    else counts.events++;
  }
  return { result: { records: out }, counts, failedIds };
}

function decideSafely(decide: Decide, data: string, arrivedAt: Date): ArchiveDecision | undefined {
  try {
    return decide(Buffer.from(data, 'base64'), arrivedAt);
  } catch {
    return undefined; // reported as ProcessingFailed with its record id
  }
}

function arrivalOf(record: FirehoseTransformationEventRecord, now: Date): Date {
  const ms = record?.approximateArrivalTimestamp;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return now;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? now : date;
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
