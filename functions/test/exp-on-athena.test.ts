import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AppConfigDataClient,
  GetLatestConfigurationCommand,
  StartConfigurationSessionCommand,
} from '@aws-sdk/client-appconfigdata';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import {
  BatchCreatePartitionCommand,
  type BatchCreatePartitionCommandInput,
  GetPartitionsCommand,
  GetTableCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { validateDetail } from '@lakeops/contracts';
import { athenaTableNames, loadExperimentQueries, queriesDir } from '@lakeops/lake';
import { mockClient } from 'aws-sdk-client-mock';
import { Parser } from 'node-sql-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../exp-analyze.ts';
import { lambdaContext } from '../lib/lambda-context.ts';
import { routeById } from '../routes.ts';
import { athenaResults, startQueryRecorder, stubLakeFunctionEnv } from './athena-fakes.ts';

// exp-analyze's AWS handler end to end: the composition root (functions/lib/aws-exp-deps.ts)
// builds the real AppConfig loader (Powertools), AthenaQueryEngine, GlueCatalog, S3ObjectStore and
// EventBridgeEventPublisher from the environment the stacks set; every SDK client is mocked.
const appConfig = mockClient(AppConfigDataClient);
const athena = mockClient(AthenaClient);
const glue = mockClient(GlueClient);
const s3 = mockClient(S3Client);
const bus = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);

const DAY = '2026-11-20';
let root: string;
let queries: Map<string, StartQueryExecutionCommandInput>;

/** What the SDK returns for a blob: the bytes, with `transformToString` (Uint8ArrayBlobAdapter). */
const blob = (text: string) =>
  Object.assign(new TextEncoder().encode(text), { transformToString: () => text });

/** One experiment as AppConfig's feature-flag document holds it (the profile's deployed version). */
const flags = (weights: [number, number] = [50, 50]) =>
  JSON.stringify({
    version: '1',
    flags: { 'checkout-cta': { name: 'Checkout call to action' } },
    values: {
      'checkout-cta': {
        enabled: true,
        salt: 'checkout-cta-2026-11',
        variants: ['control', 'treatment'],
        weights,
        allocation: 100,
        start: '2026-11-01T00:00:00Z',
        primaryMetrics: ['gmv_per_user'],
        guardrails: ['refund_rate'],
        analysis: 'sequential',
      },
    },
  });

beforeAll(async () => {
  // The bundle as the stacks build it: the route's `files` (the queries folder) under the task root.
  root = await mkdtemp(join(tmpdir(), 'lakeops-exp-bundle-'));
  await mkdir(join(root, 'packages/lake/queries'), { recursive: true });
  for (const f of ['exp_first_exposure.sql', 'exp_units.sql'])
    await copyFile(join(queriesDir, f), join(root, 'packages/lake/queries', f));
  stubLakeFunctionEnv({
    LAMBDA_TASK_ROOT: root,
    LAKEOPS_QUERIES_DIR: 'packages/lake/queries',
    LAKEOPS_APPCONFIG_APPLICATION: 'app0001',
    LAKEOPS_APPCONFIG_ENVIRONMENT: 'env0001',
    LAKEOPS_APPCONFIG_PROFILE: 'prof001',
    LAKEOPS_LAKE_BUCKET: 'lake',
  });
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(root, { recursive: true, force: true });
});

const unitColumns: [string, string][] = [
  ['variant', 'varchar'],
  ['gmv_per_user', 'double'],
  ['conversion_rate', 'integer'],
  ['refund_rate', 'integer'],
  ['complaint_rate', 'integer'],
  ['comms_bounce_rate', 'integer'],
  ['covariate', 'double'],
];
/** 150 control and 50 treatment units (a sample-ratio mismatch against 50/50), varied metrics. */
const units = Array.from({ length: 200 }, (_, i) => [
  i < 150 ? 'control' : 'treatment',
  String((i * 37) % 101),
  String(i % 3 === 0 ? 1 : 0),
  String(i % 17 === 0 ? 1 : 0),
  '0',
  '0',
  String((i * 13) % 29),
]);

beforeEach(() => {
  for (const m of [appConfig, athena, glue, s3, bus, sqs]) m.reset();
  appConfig.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'token-0' });
  appConfig.on(GetLatestConfigurationCommand).resolves({
    Configuration: blob(flags()),
    ContentType: 'application/json',
    NextPollConfigurationToken: 'token-1',
    NextPollIntervalInSeconds: 60,
  });
  queries = new Map();
  athena.on(StartQueryExecutionCommand).callsFake(startQueryRecorder(queries));
  athena.on(GetQueryExecutionCommand).callsFake(({ QueryExecutionId }: { QueryExecutionId: string }) => ({
    QueryExecution: {
      Status: { State: 'SUCCEEDED' },
      // Athena reports a SELECT (leading comments or a WITH included) as DML: its first row is the header.
      StatementType: /^\s*(--[^\n]*\n\s*)*(SELECT|WITH)\b/i.test(
        queries.get(QueryExecutionId)?.QueryString ?? '',
      )
        ? 'DML'
        : 'DDL',
    },
  }));
  athena.on(GetQueryResultsCommand).callsFake(({ QueryExecutionId }: { QueryExecutionId: string }) => {
    const sql = queries.get(QueryExecutionId)?.QueryString ?? '';
    if (sql.includes('"lakeops_ci_silver"."dim_exposure"') && sql.includes('covariate'))
      return athenaResults(unitColumns, units);
    // What the CTAS staged: the one partition of the day's results.
    if (sql.includes('count(*) AS n'))
      return athenaResults(
        [
          ['dt', 'varchar'],
          ['exp_key', 'varchar'],
          ['n', 'bigint'],
        ],
        [[DAY, 'checkout-cta', '4']],
      );
    return athenaResults([], []);
  });
  glue.on(GetTableCommand).resolves({
    Table: {
      Name: 'exp_results',
      DatabaseName: 'lakeops_ci_gold',
      StorageDescriptor: { Columns: [], Location: 's3://lake/gold/exp_results/' },
      PartitionKeys: [
        { Name: 'dt', Type: 'string' },
        { Name: 'exp_key', Type: 'string' },
      ],
    },
  });
  glue.on(GetPartitionsCommand).resolves({ Partitions: [] });
  glue.on(BatchCreatePartitionCommand).resolves({ Errors: [] });
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  bus.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `e${i}` })),
  }));
});

/** The daily schedule firing at 03:30 UTC on the day after the one analysed. */
const schedule = () => ({ id: `exp-${Math.random()}`, time: '2026-11-21T03:30:00Z', detail: {} });
const context = () => lambdaContext(routeById('exp-analyze'), 'req-exp');
const started = (match: (sql: string) => boolean) =>
  [...queries.values()].filter((q) => match(q.QueryString ?? ''));

describe('exp-analyze on AWS', () => {
  it('reads the definitions from AppConfig, the units from Athena, writes gold.exp_results by CTAS + Glue switch, and puts exp.srm.detected on the bus', async () => {
    // Act
    const outcomes = await handler(schedule(), context());
    // Assess: the definitions, from the stage's profile (a session, then the latest version).
    expect(appConfig.commandCalls(StartConfigurationSessionCommand).map((c) => c.args[0].input)).toEqual([
      {
        ApplicationIdentifier: 'app0001',
        EnvironmentIdentifier: 'env0001',
        ConfigurationProfileIdentifier: 'prof001',
      },
    ]);
    expect(appConfig).toHaveReceivedCommandWith(GetLatestConfigurationCommand, {
      ConfigurationToken: 'token-0',
    });
    // The units of the window (declared start, 28 pre-period days), in the reads workgroup.
    const sql = await loadExperimentQueries();
    expect(athena).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryString: athenaTableNames(
        sql.unitsSql({ expKey: 'checkout-cta', start: '2026-11-01', preFrom: '2026-10-04', to: DAY }),
        'lakeops_ci',
      ),
      WorkGroup: 'lakeops-ci-reads',
    });
    // The results: one CTAS into staging in the writes workgroup, Trino SQL, one partition.
    const ctas = started((s) => s.startsWith('CREATE TABLE'));
    expect(ctas).toHaveLength(1);
    const text = ctas[0]?.QueryString ?? '';
    const run = /_staging\/gold\/exp_results\/([^/]+)\//.exec(text)?.[1];
    expect(ctas[0]?.WorkGroup).toBe('lakeops-ci-writes');
    expect(text.split('\n').slice(0, 2)).toEqual([
      `CREATE TABLE "lakeops_ci_staging"."exp_results_${run}"`,
      `WITH (format = 'PARQUET', write_compression = 'ZSTD', external_location = 's3://lake/_staging/gold/exp_results/${run}/', partitioned_by = ARRAY['dt', 'exp_key'])`,
    ]);
    expect(() =>
      new Parser().astify(text.slice(text.indexOf('\nAS\n') + 4), { database: 'trino' }),
    ).not.toThrow();
    // Switched in Glue: the day's partition now reads the staged files.
    const created = glue.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input);
    expect(created).toHaveLength(1);
    const input = created[0] as BatchCreatePartitionCommandInput;
    expect(input).toMatchObject({ DatabaseName: 'lakeops_ci_gold', TableName: 'exp_results' });
    expect(input.PartitionInputList?.map((p) => [p.Values, p.StorageDescriptor?.Location])).toEqual([
      [[DAY, 'checkout-cta'], `s3://lake/_staging/gold/exp_results/${run}/dt=${DAY}/exp_key=checkout-cta/`],
    ]);
    // 150 vs 50 against 50/50: the SRM alert, on the stage's bus, valid against its contract.
    const entries = bus.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries.map((e) => [e.EventBusName, e.Source, e.DetailType])).toEqual([
      ['lakeops-ci', 'lakeops.experiments', 'exp.srm.detected'],
    ]);
    const detail = JSON.parse(entries[0]?.Detail ?? '{}') as Record<string, unknown>;
    expect(validateDetail('exp.srm.detected', detail)).toEqual({ ok: true, unknownFields: [] });
    expect(detail).toMatchObject({ exp_key: 'checkout-cta', dt: DAY });
    expect(outcomes).toEqual([
      {
        expKey: 'checkout-cta',
        status: 'analysed',
        rows: expect.any(Number),
        srmMismatch: true,
        events: ['exp.srm.detected'],
      },
    ]);
  });

  it('fails the run with the profile named when AppConfig holds a document that is not a valid experiment', async () => {
    // Prepare: weights that do not sum to 100.
    appConfig.on(GetLatestConfigurationCommand).resolves({
      Configuration: blob(flags([50, 40])),
      ContentType: 'application/json',
      NextPollConfigurationToken: 'token-1',
    });
    // The handler builds its deps once per cold start (the definitions cached 5 minutes): a new one.
    vi.resetModules();
    const cold = (await import('../exp-analyze.ts')).handler;
    // Act
    const run = cold(schedule(), context());
    // Assess: nothing queried, nothing written, nothing published.
    await expect(run).rejects.toThrow(/AppConfig app0001\/env0001\/prof001: /);
    expect(queries.size).toBe(0);
    expect(bus).toHaveReceivedCommandTimes(PutEventsCommand, 0);
  });
});
