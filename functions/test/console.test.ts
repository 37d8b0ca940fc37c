import { readFile } from 'node:fs/promises';
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
import { DynamoDbStateStore } from '@lakeops/adapters-aws/dynamodb-state-store';
import type { ConsoleDeps } from '@lakeops/console';
import { nrtRecordKey, type StateValue } from '@lakeops/core';
import { InMemoryStateStore, ManualClock, repoRoot } from '@lakeops/testing';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import nodeSqlParser from 'node-sql-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeDynamoDbTable } from '../../packages/adapters-aws/test/fake-dynamodb-table.ts';
import { handler, make } from '../console.ts';
import { consoleFunction } from '../url-functions.ts';

/** A function URL event (payload format 2.0) as Lambda hands it over. */
function urlEvent(
  method: string,
  path: string,
  body?: { text: string; base64?: boolean; type?: string },
  query = '',
) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: query,
    headers: body ? { 'content-type': body.type ?? 'application/json' } : {},
    requestContext: { http: { method, path } },
    ...(body
      ? {
          body: body.base64 ? Buffer.from(body.text).toString('base64') : body.text,
          isBase64Encoded: body.base64 === true,
        }
      : { isBase64Encoded: false }),
  } as unknown as LambdaFunctionURLEvent;
}

function deps(): ConsoleDeps & { state: InMemoryStateStore } {
  const clock = new ManualClock('2026-12-01T10:00:00Z');
  return {
    engine: {
      query: async () => {
        throw new Error('no NRT view was refreshed: nothing to query');
      },
      async *stream() {},
      writePartitions: async () => ({ rows: 0, written: [], removed: [] }),
      rewritePartitions: async () => [],
      restorePartitions: async () => {},
      close: async () => {},
    },
    state: new InMemoryStateStore({ clock }),
    clock,
    asset: async () => undefined,
  };
}

describe('the console behind a Lambda function URL', () => {
  it('answers the API from the event: JSON, the panels, a silence from a base64 body', async () => {
    // Prepare
    const d = deps();
    const handler = make(d);
    const silence = JSON.stringify({ matchers: ['alertname="nrt.stale"'], until: '2026-12-01T12:00:00Z' });
    // Act
    const ops = await handler(urlEvent('GET', '/console/api/ops'));
    const created = await handler(urlEvent('POST', '/console/api/silences', { text: silence, base64: true }));
    const listed = await handler(urlEvent('GET', '/console/api/silences'));
    // Assess
    expect(ops.statusCode).toBe(200);
    expect(ops.headers?.['content-type']).toContain('application/json');
    const panels = (
      JSON.parse(ops.body ?? '') as { panels: { view: string; freshness: { level: string } }[] }
    ).panels;
    expect(panels.map((p) => [p.view, p.freshness.level])).toEqual([
      ['nrt.recon_gates', 'red'],
      ['nrt.payout_backlog', 'red'],
      ['nrt.dispute_queue', 'red'],
    ]);
    expect(created.statusCode).toBe(201);
    expect(JSON.parse(listed.body ?? '').silences).toHaveLength(1);
  });

  it('refuses an oversized body, an unknown view and a malformed silence with a 4xx and a JSON reason', async () => {
    // Prepare
    const handler = make(deps());
    // Act
    const answers = await Promise.all([
      handler(urlEvent('POST', '/console/api/silences', { text: 'x'.repeat(20_000), base64: true })),
      handler(urlEvent('GET', '/console/api/ops/bronze')),
      handler(
        urlEvent('POST', '/console/api/silences', {
          text: '{"matchers": ["=~"], "until": "2026-12-01T12:00:00Z"}',
        }),
      ),
    ]);
    // Assess
    expect(answers.map((a) => [a.statusCode, JSON.parse(a.body ?? '').error.code])).toEqual([
      [413, 'BodyTooLarge'],
      [404, 'ViewUnknown'],
      [400, 'SilenceInvalid'],
    ]);
  });
});

// The deployed handler (functions/console.ts `handler`, its AWS composition root consoleDeps) with
// the real SDK clients under aws-sdk-client-mock: Athena answers from canned results, DynamoDB from
// an in-memory table that evaluates the state store's expressions like DynamoDB.
const athena = mockClient(AthenaClient);
const dynamo = mockClient(DynamoDBClient);
const table = new FakeDynamoDbTable();
const env = {
  LAKEOPS_DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/lakeops-test-dlq',
  LAKEOPS_STATE_TABLE: 'lakeops-test-State',
  LAKEOPS_ATHENA_READ_WORKGROUP: 'lakeops-test-reads',
  LAKEOPS_GLUE_DATABASE_PREFIX: 'lakeops_test',
  LAKEOPS_CONSOLE_CACHE_SECONDS: '300',
  // The stacks copy the console's `files` to the same relative paths under the bundle root.
  LAMBDA_TASK_ROOT: repoRoot,
  POWERTOOLS_TRACE_ENABLED: 'false',
};
const header = (...names: string[]) => ({ Data: names.map((VarCharValue) => ({ VarCharValue })) });
const row = (...values: string[]) => ({ Data: values.map((VarCharValue) => ({ VarCharValue })) });
const column = (Name: string, Type: string) => ({ Name, Type });
const reconColumns = [
  column('hour', 'varchar'),
  column('city_id', 'varchar'),
  column('payments', 'bigint'),
  column('payment_amount', 'decimal'),
  column('confirmed_amount', 'decimal'),
  column('mismatch_amount', 'decimal'),
  column('gate_passed', 'boolean'),
];

function startedQueries(): StartQueryExecutionCommandInput[] {
  return athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
}

describe('the console Lambda on AWS (handler: Athena, DynamoDB and the bundled files, under aws-sdk-client-mock)', () => {
  beforeAll(async () => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T10:07:00Z'));
    dynamo.on(GetItemCommand).callsFake((input) => table.getItem(input));
    dynamo.on(UpdateItemCommand).callsFake((input) => table.updateItem(input));
    dynamo.on(DeleteItemCommand).callsFake((input) => table.deleteItem(input));
    dynamo.on(QueryCommand).callsFake((input) => table.query(input));
    // The NRT refresh's record of nrt.recon_gates (written through the same store on the same table).
    const state = new DynamoDbStateStore({
      client: new DynamoDBClient({}),
      tableName: env.LAKEOPS_STATE_TABLE,
    });
    const record = {
      day: '2026-12-01',
      watermark: '2026-12-01T10:03:00.000Z',
      hours: ['09', '10'],
      rows: 2,
      lastHours: ['10'],
      durationMs: 900,
      refreshedAt: '2026-12-01T10:05:00.000Z',
      lastError: null,
      lastErrorAt: null,
      stale: false,
    };
    await state.put(nrtRecordKey('nrt.recon_gates'), record as StateValue);
  });
  afterAll(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
    athena.restore();
    dynamo.restore();
  });
  beforeEach(() => {
    athena.reset();
    dynamo.resetHistory();
    athena.on(StartQueryExecutionCommand).callsFake((input: StartQueryExecutionCommandInput) => ({
      QueryExecutionId: input.QueryString?.includes('"recon_gates"') ? 'q-recon' : 'q-other',
    }));
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DML' } });
    athena.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId?: string }) =>
      input.QueryExecutionId === 'q-recon'
        ? {
            ResultSet: {
              ResultSetMetadata: { ColumnInfo: reconColumns },
              Rows: [
                header(...reconColumns.map((c) => c.Name)),
                row('09', 'berlin', '41', '1230.50', '1230.50', '0.00', 'true'),
                row('10', 'berlin', '17', '510.00', '480.00', '30.00', 'false'),
              ],
            },
          }
        : { ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } },
    );
  });

  it('answers an Ops panel from one Athena query in the reads workgroup on the stage databases, then from the cache for the refresh period', async () => {
    // Prepare
    const sql =
      'SELECT hour, city_id, payments, payment_amount, confirmed_amount, mismatch_amount, gate_passed ' +
      `FROM "lakeops_test_nrt"."recon_gates" WHERE dt = '2026-12-01' AND hour <= '10' ORDER BY hour, city_id`;
    // Act
    const first = await handler(urlEvent('GET', '/console/api/ops/recon_gates'));
    vi.setSystemTime(new Date('2026-12-01T10:11:59Z'));
    const within = await handler(urlEvent('GET', '/console/api/ops/recon_gates'));
    const startsWithin = startedQueries().length;
    vi.setSystemTime(new Date('2026-12-01T10:12:01Z'));
    await handler(urlEvent('GET', '/console/api/ops/recon_gates'));
    // Assess
    expect(first.statusCode).toBe(200);
    const panel = JSON.parse(first.body ?? '');
    expect(panel).toMatchObject({
      view: 'nrt.recon_gates',
      day: '2026-12-01',
      hours: ['09', '10'],
      failed: 1,
      freshness: { level: 'fresh', lagSeconds: 120, refreshedAt: '2026-12-01T10:05:00.000Z' },
    });
    expect(panel.gates[1]).toEqual({
      hour: '10',
      city: 'berlin',
      payments: 17,
      paymentAmount: 510,
      confirmedAmount: 480,
      mismatch: 30,
      passed: false,
    });
    expect(athena).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryString: sql,
      WorkGroup: 'lakeops-test-reads',
    });
    expect(startedQueries()[0]).toEqual({ QueryString: sql, WorkGroup: 'lakeops-test-reads' });
    expect(() => new nodeSqlParser.Parser().astify(sql, { database: 'trino' })).not.toThrow();
    expect(athena).toHaveReceivedCommandWith(GetQueryResultsCommand, {
      QueryExecutionId: 'q-recon',
      MaxResults: 1000,
    });
    // Within 300 s of the first query (the NRT refresh period): the same rows, no new query.
    expect(JSON.parse(within.body ?? '').gates).toEqual(panel.gates);
    expect(JSON.parse(within.body ?? '').freshness.lagSeconds).toBe(419);
    expect(startsWithin).toBe(1);
    // Past it: Athena is asked again.
    expect(startedQueries()).toHaveLength(2);
  });

  it('sends only the DynamoDB and Athena calls its IAM statements allow, its writes only on silences', async () => {
    // Prepare
    const silence = JSON.stringify({ matchers: ['alertname="nrt.stale"'], until: '2026-12-01T12:00:00Z' });
    // Act: every page and API answer, a silence created and expired
    const answers = [];
    for (const path of [
      '/console/ops',
      '/console/kpis',
      '/console/quality',
      '/console/alerts',
      '/console/privacy',
    ])
      answers.push(await handler(urlEvent('GET', path)));
    for (const path of [
      '/console/api/ops',
      '/console/api/kpis',
      '/console/api/quality',
      '/console/api/privacy',
    ])
      answers.push(await handler(urlEvent('GET', path)));
    const created = await handler(urlEvent('POST', '/console/api/silences', { text: silence }));
    const id = JSON.parse(created.body ?? '').id as string;
    const expired = await handler(urlEvent('DELETE', `/console/api/silences/${id}`));
    const listed = await handler(urlEvent('GET', '/console/api/silences'));
    // Assess
    expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 200));
    expect([created.statusCode, expired.statusCode]).toEqual([201, 200]);
    expect(JSON.parse(listed.body ?? '').silences).toEqual([]);
    const granted = (resource: string, scoped?: boolean) =>
      consoleFunction.permissions
        .filter(
          (p) => p.resource === resource && (scoped === undefined || (p.stateKeys !== undefined) === scoped),
        )
        .flatMap((p) => p.actions)
        .sort();
    const sent = (mock: typeof dynamo | typeof athena, service: string) =>
      [
        ...new Set(
          mock.calls().map((c) => `${service}:${c.args[0].constructor.name.replace(/Command$/, '')}`),
        ),
      ].sort();
    expect(sent(dynamo, 'dynamodb')).toEqual(granted('state-table'));
    expect(sent(athena, 'athena').every((a) => granted('athena-read-workgroup').includes(a))).toBe(true);
    // Writes (UpdateItem, DeleteItem) only on the keys the scoped statement names.
    const written = [
      ...dynamo.commandCalls(UpdateItemCommand).map((c) => c.args[0].input),
      ...dynamo.commandCalls(DeleteItemCommand).map((c) => c.args[0].input),
    ];
    expect(written.length).toBe(2);
    const stateKeys = consoleFunction.permissions.flatMap((p) => p.stateKeys ?? []);
    for (const input of written) {
      expect(input.TableName).toBe(env.LAKEOPS_STATE_TABLE);
      expect(stateKeys).toContain(input.Key?.pk?.S);
    }
    // Every Athena query in the reads workgroup, on the stage's NRT and Gold databases only.
    for (const q of startedQueries()) {
      expect(q.WorkGroup).toBe('lakeops-test-reads');
      expect([...(q.QueryString ?? '').matchAll(/"(lakeops_test_\w+)"\./g)].map((m) => m[1])).not.toEqual([]);
      for (const m of (q.QueryString ?? '').matchAll(/"(lakeops_test_\w+)"\./g))
        expect(['lakeops_test_nrt', 'lakeops_test_gold']).toContain(m[1]);
    }
  });

  it('serves uPlot and its own files from the bundle, and nothing else', async () => {
    // Act
    const uplot = await handler(urlEvent('GET', '/console/assets/uPlot.iife.min.js'));
    const css = await handler(urlEvent('GET', '/console/assets/console.css'));
    const other = await handler(urlEvent('GET', '/console/assets/package.json'));
    // Assess
    expect(uplot.statusCode).toBe(200);
    expect(uplot.headers?.['content-type']).toBe('text/javascript; charset=utf-8');
    expect(uplot.body).toBe(
      await readFile(join(repoRoot, 'node_modules/uplot/dist/uPlot.iife.min.js'), 'utf8'),
    );
    expect(css.body).toBe(await readFile(join(repoRoot, 'packages/console/assets/console.css'), 'utf8'));
    expect(other.statusCode).toBe(404);
  });
});
