import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { DynamoDBClient, GetItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { validateDetail } from '@lakeops/contracts';
import { athenaTableNames, expectationsDir, kpiLakeSql } from '@lakeops/lake';
import { mockClient } from 'aws-sdk-client-mock';
import { Parser } from 'node-sql-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeDynamoDbTable } from '../../packages/adapters-aws/test/fake-dynamodb-table.ts';
import { handler as kpiCheck } from '../kpi-check.ts';
import { lambdaContext } from '../lib/lambda-context.ts';
import { handler as qualityCheck } from '../quality-check.ts';
import { routeById } from '../routes.ts';
import { athenaResults, startQueryRecorder, stubLakeFunctionEnv } from './athena-fakes.ts';

// The quality and KPI checks' AWS handlers end to end: the composition root
// (functions/lib/aws-lake-checks-deps.ts) builds the read-only Athena engine, the DynamoDB state
// store and the EventBridge publisher from the environment; every SDK client is mocked.
const athena = mockClient(AthenaClient);
const dynamo = mockClient(DynamoDBClient);
const bus = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);

const DAY = '2026-11-20';
let root: string;
let table: FakeDynamoDbTable;
let queries: Map<string, StartQueryExecutionCommandInput>;
let answer: (sql: string) => GetQueryResultsCommandOutput;

beforeAll(async () => {
  // The bundle as the stacks build it: the quality route's `files` (the suites) under the task root.
  root = await mkdtemp(join(tmpdir(), 'lakeops-checks-bundle-'));
  await mkdir(join(root, 'packages/lake/expectations'), { recursive: true });
  for (const f of await readdir(expectationsDir))
    await copyFile(join(expectationsDir, f), join(root, 'packages/lake/expectations', f));
  stubLakeFunctionEnv({
    LAMBDA_TASK_ROOT: root,
    LAKEOPS_EXPECTATIONS_DIR: 'packages/lake/expectations',
    LAKEOPS_STATE_TABLE: 'State',
  });
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(root, { recursive: true, force: true });
});

/** 70 days to DAY of GMV in two cities (Lisbon triples on DAY) and a flat CTR. */
const days = Array.from({ length: 70 }, (_, i) =>
  new Date(Date.parse(`${DAY}T00:00:00Z`) - (69 - i) * 86_400_000).toISOString().slice(0, 10),
);
const gmvRows = days.flatMap((d) => [
  [d, 'ber', '20000.00'],
  [d, 'lis', d === DAY ? '30000.00' : '10000.00'],
]);
const ctrRows = days.map((d) => [d, 'all', '800', '20000']);

beforeEach(() => {
  for (const m of [athena, dynamo, bus, sqs]) m.reset();
  table = new FakeDynamoDbTable();
  dynamo.on(GetItemCommand).callsFake((input) => table.getItem(input));
  dynamo.on(UpdateItemCommand).callsFake((input) => table.updateItem(input));
  dynamo.on(QueryCommand).callsFake((input) => table.query(input));
  queries = new Map();
  athena.on(StartQueryExecutionCommand).callsFake(startQueryRecorder(queries));
  athena.on(GetQueryExecutionCommand).callsFake(() => ({
    QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DML' },
  }));
  athena
    .on(GetQueryResultsCommand)
    .callsFake(({ QueryExecutionId }: { QueryExecutionId: string }) =>
      answer(queries.get(QueryExecutionId)?.QueryString ?? ''),
    );
  answer = (sql) => {
    if (sql === athenaTableNames(kpiLakeSql.gmv, 'lakeops_ci'))
      return athenaResults(
        [
          ['date', 'varchar'],
          ['scope', 'varchar'],
          ['value', 'decimal(38,2)'],
        ],
        gmvRows,
      );
    if (sql === athenaTableNames(kpiLakeSql.ctr, 'lakeops_ci'))
      return athenaResults(
        [
          ['date', 'varchar'],
          ['scope', 'varchar'],
          ['clicks', 'bigint'],
          ['impressions', 'bigint'],
        ],
        ctrRows,
      );
    return athenaResults([], []);
  };
  bus.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `e${i}` })),
  }));
});

const schedule = (time: string) => ({ id: `s-${Math.random()}`, time, detail: {} });
const entries = () => bus.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);

describe('kpi-check on AWS', () => {
  it('runs the two KPI queries in the reads workgroup, opens the Lisbon anomaly once (state in DynamoDB), and puts it on the bus', async () => {
    // Act: twice on the same data (the second run finds the anomaly already open).
    const first = await kpiCheck(schedule(`${DAY}T05:30:00Z`), lambdaContext(routeById('kpi-check'), 'r1'));
    const second = await kpiCheck(schedule(`${DAY}T06:30:00Z`), lambdaContext(routeById('kpi-check'), 'r2'));
    // Assess
    expect([...queries.values()]).toEqual(
      [kpiLakeSql.gmv, kpiLakeSql.ctr, kpiLakeSql.gmv, kpiLakeSql.ctr].map((sql) => ({
        QueryString: athenaTableNames(sql, 'lakeops_ci'),
        WorkGroup: 'lakeops-ci-reads',
      })),
    );
    const sent = entries();
    const lisbon = sent.filter((e) => JSON.parse(e.Detail ?? '{}').segment === 'city=lis');
    expect(lisbon.map((e) => [e.EventBusName, e.Source, e.DetailType])).toEqual([
      ['lakeops-ci', 'lakeops.kpi', 'kpi.anomaly.detected'],
    ]);
    for (const e of sent)
      expect(validateDetail(e.DetailType ?? '', JSON.parse(e.Detail ?? '{}')).ok).toBe(true);
    expect(first.open).toBeGreaterThanOrEqual(1);
    expect(second).toMatchObject({ detected: 0, resolved: 0, open: first.open });
    // The open anomalies: one item, written with a version condition.
    const updates = dynamo.commandCalls(UpdateItemCommand).map((c) => c.args[0].input);
    expect(updates.map((u) => u.Key)).toEqual([
      { pk: { S: 'kpi#open' }, sk: { S: 'anomalies' } },
      { pk: { S: 'kpi#open' }, sk: { S: 'anomalies' } },
    ]);
    expect(updates.every((u) => typeof u.ConditionExpression === 'string')).toBe(true);
  });
});

describe('quality-check on AWS', () => {
  it("runs every suite (the bundled files) on yesterday's partition as Trino SELECTs in the reads workgroup, records each run, and sends one completion", async () => {
    // Act
    const outcome = await qualityCheck(
      schedule('2026-11-21T05:00:00Z'),
      lambdaContext(routeById('quality-check'), 'r3'),
    );
    // Assess: reads only, all parse as Trino; the partition filter names the day.
    const sql = [...queries.values()];
    expect(sql.length).toBeGreaterThan(10);
    expect(sql.every((q) => q.WorkGroup === 'lakeops-ci-reads')).toBe(true);
    for (const q of sql)
      expect(
        () => new Parser().astify(q.QueryString ?? '', { database: 'trino' }),
        q.QueryString,
      ).not.toThrow();
    expect(sql.some((q) => q.QueryString?.includes(`'${DAY}'`))).toBe(true);
    // The suite file of gold.kpi_gmv_daily was read from the bundle: its table is checked.
    expect(sql.some((q) => q.QueryString?.includes('"lakeops_ci_gold"."kpi_gmv_daily"'))).toBe(true);
    // One run record per table checked (quality#run items), one completion on the bus.
    const keys = dynamo.commandCalls(UpdateItemCommand).map((c) => c.args[0].input.Key?.pk?.S);
    expect(keys.length).toBe(outcome.tables);
    expect(new Set(keys)).toEqual(new Set(['quality#run']));
    const completed = entries().filter((e) => e.DetailType === 'quality.run.completed');
    expect(completed.map((e) => [e.EventBusName, e.Source])).toEqual([['lakeops-ci', 'lakeops.quality']]);
    expect(JSON.parse(completed[0]?.Detail ?? '{}')).toMatchObject({
      partition: `dt=${DAY}`,
      suite: 'daily',
    });
  });
});
