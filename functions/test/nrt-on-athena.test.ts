import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import {
  BatchCreatePartitionCommand,
  BatchUpdatePartitionCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { validateDetail } from '@lakeops/contracts';
import { athenaTableNames, loadNrtViews, modelsDir } from '@lakeops/lake';
import { anEvent, InMemoryDeadLetter, InMemoryStateStore, ManualClock } from '@lakeops/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { Parser } from 'node-sql-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeDynamoDbTable } from '../../packages/adapters-aws/test/fake-dynamodb-table.ts';
import { lambdaContext } from '../lib/lambda-context.ts';
import { handler as complete, make as makeComplete } from '../nrt-complete.ts';
import { handler as tick } from '../nrt-refresh.ts';
import { routeById } from '../routes.ts';
import { athenaResults, startQueryRecorder, stubLakeFunctionEnv } from './athena-fakes.ts';

// The AWS handlers end to end: the composition root (functions/lib/aws-deps.ts) builds the real
// AthenaQueryEngine, GlueCatalog, S3ObjectStore, DynamoDbStateStore and EventBridgeEventPublisher
// from the environment; every SDK client is mocked, DynamoDB answers from an in-memory table.
const athena = mockClient(AthenaClient);
const glue = mockClient(GlueClient);
const s3 = mockClient(S3Client);
const dynamo = mockClient(DynamoDBClient);
const bus = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);

const VIEW = 'nrt.recon_gates';
let root: string;
let table: FakeDynamoDbTable;
/** Glue partitions of nrt.recon_gates: `dt/hour` → location. */
let partitions: Map<string, string>;
/** Athena queries started: id → input; the state each reports. */
let queries: Map<string, StartQueryExecutionCommandInput>;
let states: Map<string, string>;

beforeAll(async () => {
  // The bundle as the stacks build it: the route's `files` copied under the task root (one view here).
  root = await mkdtemp(join(tmpdir(), 'lakeops-nrt-bundle-'));
  await mkdir(join(root, 'packages/lake/models/nrt'), { recursive: true });
  await copyFile(
    join(modelsDir, 'nrt/recon_gates.sql'),
    join(root, 'packages/lake/models/nrt/recon_gates.sql'),
  );
  stubLakeFunctionEnv({
    LAMBDA_TASK_ROOT: root,
    LAKEOPS_MODELS_DIR: 'packages/lake/models',
    LAKEOPS_STATE_TABLE: 'State',
    LAKEOPS_LAKE_BUCKET: 'lake',
  });
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(root, { recursive: true, force: true });
});

const today = () => new Date().toISOString().slice(0, 10);
const rows = (names: string[], values: string[][]) =>
  athenaResults(
    names.map((n) => [n, 'varchar'] as const),
    values,
  );

beforeEach(() => {
  for (const m of [athena, glue, s3, dynamo, bus, sqs]) m.reset();
  table = new FakeDynamoDbTable();
  dynamo.on(GetItemCommand).callsFake((input) => table.getItem(input));
  dynamo.on(UpdateItemCommand).callsFake((input) => table.updateItem(input));
  dynamo.on(DeleteItemCommand).callsFake((input) => table.deleteItem(input));
  dynamo.on(QueryCommand).callsFake((input) => table.query(input));
  queries = new Map();
  states = new Map();
  athena.on(StartQueryExecutionCommand).callsFake(startQueryRecorder(queries));
  athena.on(GetQueryExecutionCommand).callsFake(({ QueryExecutionId }: { QueryExecutionId: string }) => ({
    QueryExecution: {
      Status: { State: states.get(QueryExecutionId) ?? 'SUCCEEDED' },
      StatementType: queries.get(QueryExecutionId)?.QueryString?.startsWith('SELECT') ? 'DML' : 'DDL',
    },
  }));
  athena.on(GetQueryResultsCommand).callsFake(({ QueryExecutionId }: { QueryExecutionId: string }) => {
    const sql = queries.get(QueryExecutionId)?.QueryString ?? '';
    // The source events per hour counted from the first hour of the day: 5 in hour 00.
    if (sql.includes('"lakeops_ci_bronze"."events"'))
      return rows(['hour', 'n', 'newest'], [['00', '5', `${today()}T00:04:00.000Z`]]);
    // The staged rows per partition: 3 in each hour the CTAS wrote.
    if (sql.includes('count(*) AS n')) {
      const ctas = [...queries.values()].find((q) => q.QueryString?.startsWith('CREATE TABLE'));
      const hours = [...(ctas?.QueryString ?? '').matchAll(/"hour" = '(\d\d)'/g)].map((m) => m[1] ?? '');
      return rows(
        ['dt', 'hour', 'n'],
        hours.map((h) => [today(), h, '3']),
      );
    }
    return rows([], []);
  });
  partitions = new Map();
  glue.on(GetTableCommand).resolves({
    Table: {
      Name: 'recon_gates',
      DatabaseName: 'lakeops_ci_nrt',
      StorageDescriptor: { Columns: [], Location: 's3://lake/nrt/recon_gates/' },
      PartitionKeys: [
        { Name: 'dt', Type: 'string' },
        { Name: 'hour', Type: 'string' },
      ],
    },
  });
  glue.on(GetPartitionsCommand).callsFake(() => ({
    Partitions: [...partitions].map(([key, Location]) => ({
      Values: key.split('/'),
      StorageDescriptor: { Location },
    })),
  }));
  glue.on(BatchCreatePartitionCommand).callsFake(({ PartitionInputList = [] }) => {
    for (const p of PartitionInputList) partitions.set(p.Values.join('/'), p.StorageDescriptor.Location);
    return { Errors: [] };
  });
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  bus.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `e${i}` })),
  }));
});

const schedule = () => ({ id: `tick-${Math.random()}`, time: new Date().toISOString(), detail: {} });
const context = (id: 'nrt-refresh' | 'nrt-complete') => lambdaContext(routeById(id), `req-${id}`);

/** "Athena Query State Change" as the Athena user guide shows it. */
function athenaEvent(queryExecutionId: string, currentState: string, workgroupName = 'lakeops-ci-writes') {
  return anEvent('Athena Query State Change', 'aws.athena', {
    versionId: '0',
    currentState,
    previousState: 'RUNNING',
    statementType: 'DDL',
    queryExecutionId,
    workgroupName,
    sequenceNumber: '3',
  });
}

const ctasOf = () => [...queries].filter(([, q]) => q.QueryString?.startsWith('CREATE TABLE'));
const written = () =>
  Array.from({ length: Number(new Date().toISOString().slice(11, 13)) + 1 }, (_, h) =>
    String(h).padStart(2, '0'),
  );

describe('nrt-refresh on AWS (the tick)', () => {
  it('finds the touched hours in the reads workgroup and STARTS one CTAS in the writes workgroup, waiting for nothing', async () => {
    // Act
    const result = await tick(schedule(), context('nrt-refresh'));
    // Assess
    const [view] = await loadNrtViews([VIEW]);
    expect(athena).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryString: athenaTableNames(view?.changesSql(today(), '00') ?? '', 'lakeops_ci'),
      WorkGroup: 'lakeops-ci-reads',
    });
    const ctas = ctasOf();
    expect(ctas).toHaveLength(1);
    const [id, input] = ctas[0] ?? [];
    expect(input?.WorkGroup).toBe('lakeops-ci-writes');
    const sql = input?.QueryString ?? '';
    const run = /_staging\/nrt\/recon_gates\/([^/]+)\//.exec(sql)?.[1];
    expect(sql.split('\n').slice(0, 2)).toEqual([
      `CREATE TABLE "lakeops_ci_staging"."recon_gates_${run}"`,
      `WITH (format = 'PARQUET', write_compression = 'ZSTD', external_location = 's3://lake/_staging/nrt/recon_gates/${run}/', partitioned_by = ARRAY['dt', 'hour'])`,
    ]);
    expect(() =>
      new Parser().astify(sql.slice(sql.indexOf('\nAS\n') + 4), { database: 'trino' }),
    ).not.toThrow();
    // Not waited for: no state asked of the CTAS, nothing published, the job is recorded.
    expect(athena).not.toHaveReceivedCommandWith(GetQueryExecutionCommand, { QueryExecutionId: id });
    expect(bus).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    expect(result).toEqual({
      runId: expect.stringMatching(/^nrt-tick-/),
      views: [{ view: VIEW, status: 'started', queryId: id, hours: written() }],
    });
  });
});

describe('nrt-complete on AWS', () => {
  it('switches a succeeded CTAS in, publishes nrt.refreshed once; a duplicate completion changes nothing', async () => {
    // Prepare
    await tick(schedule(), context('nrt-refresh'));
    const [[id, input] = []] = ctasOf();
    const run = /_staging\/nrt\/recon_gates\/([^/]+)\//.exec(input?.QueryString ?? '')?.[1];
    // Act
    const first = await complete(athenaEvent(id ?? '', 'SUCCEEDED'), context('nrt-complete'));
    const calls = () => ({
      start: athena.commandCalls(StartQueryExecutionCommand).length,
      create: glue.commandCalls(BatchCreatePartitionCommand).length,
      update: glue.commandCalls(BatchUpdatePartitionCommand).length,
      deletes: s3.commandCalls(DeleteObjectsCommand).length,
      puts: bus.commandCalls(PutEventsCommand).length,
    });
    const before = calls();
    const second = await complete(athenaEvent(id ?? '', 'SUCCEEDED'), context('nrt-complete'));
    // Assess
    const hours = written();
    expect(first).toEqual({
      status: 'processed',
      result: { status: 'refreshed', view: VIEW, rows: 3 * hours.length },
    });
    expect(glue).toHaveReceivedCommandWith(BatchCreatePartitionCommand, {
      DatabaseName: 'lakeops_ci_nrt',
      TableName: 'recon_gates',
      PartitionInputList: hours.map((h) => ({
        Values: [today(), h],
        StorageDescriptor: {
          Columns: [],
          Location: `s3://lake/_staging/nrt/recon_gates/${run}/dt=${today()}/hour=${h}/`,
        },
      })),
    });
    expect(athena).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryString: `DROP TABLE IF EXISTS \`lakeops_ci_staging\`.\`recon_gates_${run}\``,
      WorkGroup: 'lakeops-ci-writes',
    });
    const refreshed = bus
      .commandCalls(PutEventsCommand)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .filter((e) => e.DetailType === 'nrt.refreshed');
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).toMatchObject({ Source: 'lakeops.nrt', EventBusName: 'lakeops-ci' });
    const detail = JSON.parse(refreshed[0]?.Detail ?? '{}');
    expect(detail).toMatchObject({ v: 1, view: VIEW, dt: today(), rows: 3 * hours.length });
    expect(validateDetail('nrt.refreshed', detail).ok).toBe(true);
    expect(second).toEqual({ status: 'processed', result: { status: 'stale' } });
    expect(calls()).toEqual(before);
  });

  it('completes a write whose Athena event was lost at the next tick (GetQueryExecution)', async () => {
    // Prepare
    await tick(schedule(), context('nrt-refresh'));
    const [[id] = []] = ctasOf();
    // Act
    const next = await tick(schedule(), context('nrt-refresh'));
    // Assess
    expect(athena).toHaveReceivedCommandWith(GetQueryExecutionCommand, { QueryExecutionId: id });
    expect(next.views).toEqual([{ view: VIEW, status: 'skipped', heldBy: 'another refresh' }]);
    const types = bus
      .commandCalls(PutEventsCommand)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .map((e) => e.DetailType);
    expect(types).toContain('nrt.refreshed');
    expect(glue).toHaveReceivedCommandTimes(BatchCreatePartitionCommand, 1);
  });

  it("ignores another stage's write workgroup without touching the state table", async () => {
    // Act
    const result = await complete(
      athenaEvent('q-other', 'SUCCEEDED', 'lakeops-staging-writes'),
      context('nrt-complete'),
    );
    // Assess
    expect(result).toEqual({ status: 'processed', result: { status: 'ignored', why: 'another workgroup' } });
    expect(dynamo).toHaveReceivedCommandTimes(UpdateItemCommand, 0);
  });
});

describe('nrt-complete locally', () => {
  it('completes nothing where the engine waits for its writes (no writer): the state is not touched', async () => {
    // Prepare: the local platform's deps carry no started-write engine
    const state = new InMemoryStateStore();
    const published: unknown[] = [];
    const run = makeComplete({
      state,
      events: { publish: async (events) => void published.push(...events) },
      clock: new ManualClock(),
      nrtViews: () => loadNrtViews(),
      deadLetter: new InMemoryDeadLetter(),
    });
    const put = anEvent('athena.query.state_changed', 'lakeops.nrt', {
      v: 1,
      query_execution_id: 'q1',
      state: 'SUCCEEDED',
      workgroup: 'lakeops-dev-writes',
    });
    // Act
    const result = await run(put, context('nrt-complete'));
    // Assess
    expect(result).toEqual({
      status: 'processed',
      result: { status: 'ignored', why: 'no started writes on this platform' },
    });
    expect(await state.get({ pk: 'nrt#query', sk: 'q1' })).toBeUndefined();
    expect(published).toEqual([]);
  });
});
