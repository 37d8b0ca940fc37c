import type { AlarmTriggeredV1 } from './types.generated.ts';

/** The EventBridge envelope. lakeops events carry their schema version in `detail.v`. */
export interface EventBridgeEvent<D = unknown> {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: D;
}

/** The detail-type and source of CloudWatch's own alarm events. */
export const CLOUDWATCH_ALARM = {
  detailType: 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
} as const;

type AlarmState = AlarmTriggeredV1['state'];
type Severity = AlarmTriggeredV1['severity'];
const STATES: readonly string[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'] satisfies AlarmState[];
const SEVERITY_TAG =
  /(?:^|[\s[(])severity[:=]\s*(critical|error|warning|info)\b|\[(critical|error|warning|info)\]/i;
const DEFAULT_SEVERITY: Record<AlarmState, Severity> = {
  ALARM: 'error',
  INSUFFICIENT_DATA: 'warning',
  OK: 'info',
};
/** The detail-type and source of Athena's own query events ("Monitor Athena query events with EventBridge"). */
export const ATHENA_QUERY_STATE_CHANGE = {
  detailType: 'Athena Query State Change',
  source: 'aws.athena',
} as const;

const SERVICE_DIMENSIONS = ['Service', 'ServiceName', 'service', 'FunctionName', 'ApiName'];

/**
 * Brings native events to a lakeops detail-type. Today: CloudWatch's "CloudWatch Alarm State
 * Change" (source `aws.cloudwatch`) becomes `alarm.triggered` v1 (source kept, so the origin is
 * visible). Severity comes from a `severity:<level>` or `[<level>]` tag in the alarm description,
 * else from the state (ALARM → error, INSUFFICIENT_DATA → warning, OK → info). The service is the
 * metric's `Service`/`ServiceName`/`FunctionName`/`ApiName` dimension when there is one.
 * Athena's "Athena Query State Change" (source `aws.athena`) becomes `athena.query.state_changed`
 * v1: `queryExecutionId`, `currentState`, `previousState`, `workgroupName`, `statementType`,
 * `sequenceNumber` (a string there, a number here) and `athenaError.errorMessage` as `reason`.
 * Any other event is returned unchanged (the same object).
 *
 * @example
 * ```ts
 * const event = normaliseEvent(raw); // CloudWatch alarm → { 'detail-type': 'alarm.triggered', detail: { v: 1, … } }
 * const check = validateDetail(event['detail-type'], event.detail);
 * ```
 */
export function normaliseEvent(event: EventBridgeEvent): EventBridgeEvent {
  if (
    event.source === ATHENA_QUERY_STATE_CHANGE.source &&
    event['detail-type'] === ATHENA_QUERY_STATE_CHANGE.detailType
  )
    return normaliseAthenaQueryEvent(event);
  if (event.source !== CLOUDWATCH_ALARM.source || event['detail-type'] !== CLOUDWATCH_ALARM.detailType)
    return event;
  const d = record(event.detail);
  const state = record(d.state);
  const previous = record(d.previousState);
  const configuration = record(d.configuration);
  const stateValue = str(state.value);
  const firstMetric = record(record(record(array(configuration.metrics)[0]).metricStat).metric);
  const singleMetric = { namespace: d.namespace, name: d.metricName, dimensions: d.dimensions };
  const metric = str(firstMetric.name) ? firstMetric : singleMetric;
  const dimensions = record(metric.dimensions);
  const service = SERVICE_DIMENSIONS.map((k) => str(dimensions[k])).find((s) => s !== undefined);
  const metricName = [str(metric.namespace), str(metric.name)].filter(Boolean).join('/');
  const tag = SEVERITY_TAG.exec(str(configuration.description) ?? '');
  const severityTag = (tag?.[1] ?? tag?.[2])?.toLowerCase() as Severity | undefined;
  const detail: Record<string, unknown> = {
    v: 1,
    alarm_name: str(d.alarmName) ?? event.resources[0] ?? '',
    state: stateValue,
    severity: severityTag ?? (isState(stateValue) ? DEFAULT_SEVERITY[stateValue] : 'warning'),
    reason: truncate(str(state.reason) ?? `alarm is ${stateValue ?? 'in an unknown state'}`, 4000),
  };
  const previousValue = str(previous.value);
  if (previousValue !== undefined) detail.previous_state = previousValue;
  if (service !== undefined) detail.service = service;
  if (metricName) detail.metric = metricName;
  // An unexpected shape still normalises; the contract check then says exactly what is wrong.
  return { ...event, 'detail-type': 'alarm.triggered', detail };
}

/**
 * Athena's query event (fields as in "Monitor Athena query events with EventBridge"; unknown ones
 * are dropped: Athena "may add other event types and details").
 */
function normaliseAthenaQueryEvent(event: EventBridgeEvent): EventBridgeEvent {
  const d = record(event.detail);
  const detail: Record<string, unknown> = {
    v: 1,
    query_execution_id: d.queryExecutionId,
    state: d.currentState,
    workgroup: d.workgroupName,
  };
  if (d.previousState !== undefined) detail.previous_state = d.previousState;
  if (d.statementType !== undefined) detail.statement_type = d.statementType;
  const sequence = str(d.sequenceNumber);
  if (sequence !== undefined) detail.sequence_number = /^\d+$/.test(sequence) ? Number(sequence) : sequence;
  const reason = str(record(d.athenaError).errorMessage);
  if (reason !== undefined) detail.reason = truncate(reason, 4000);
  // An unexpected shape still normalises; the contract check then says exactly what is wrong.
  return { ...event, 'detail-type': 'athena.query.state_changed', detail };
}

function isState(value: string | undefined): value is AlarmState {
  return value !== undefined && STATES.includes(value);
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
