// The QueryEngine behaviour suite against AthenaQueryEngine, with the Athena client mocked by a
// small emulator that runs the statements on DuckDB over a temp folder standing in for S3, and
// Glue partitions kept by the in-memory catalog.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandInput,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import {
  DeleteObjectsCommand,
  type DeleteObjectsCommandInput,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import type { TableDefinition } from '@lakeops/core';
import { InMemoryCatalog, queryEngineBehaviour } from '@lakeops/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaQueryEngine, S3ObjectStore } from '../src/index.ts';

const athena = mockClient(AthenaClient);
const s3 = mockClient(S3Client);

const counts: TableDefinition = {
  zone: 'gold',
  name: 'behaviour_counts',
  description: 'behaviour suite table',
  format: 'parquet',
  columns: [
    { name: 'city_id', type: 'string', sensitivity: 'public' },
    { name: 'n', type: 'bigint', sensitivity: 'internal' },
  ],
  partitionKeys: ['dt'],
  primaryKey: ['dt', 'city_id'],
  userColumns: [],
};

const athenaType = (duck: string) =>
  duck.startsWith('DECIMAL') ? 'decimal' : duck === 'TIMESTAMP' ? 'timestamp' : duck.toLowerCase();

async function emulateAthena(dir: string, catalog: InMemoryCatalog) {
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  await duck.run("SET TimeZone = 'UTC'");
  await duck.run('CREATE SCHEMA lakeops_ci_gold; CREATE SCHEMA lakeops_ci_staging');
  const local = (uri: string) => uri.replace(/^s3:\/\/lake\//, `${dir}/`);
  // The lake bucket is the temp folder: ListObjectsV2 and DeleteObjects act on its files.
  s3.on(ListObjectsV2Command).callsFake(async (input: ListObjectsV2CommandInput) => {
    const files = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    const keys = files
      .filter((f) => f.isFile())
      .map((f) => relative(dir, join(f.parentPath, f.name)))
      .filter((k) => k.startsWith(input.Prefix ?? ''));
    return { Contents: keys.map((Key) => ({ Key, Size: 1 })), IsTruncated: false };
  });
  s3.on(DeleteObjectsCommand).callsFake(async (input: DeleteObjectsCommandInput) => {
    for (const o of input.Delete?.Objects ?? []) await rm(join(dir, o.Key ?? ''), { force: true });
    return {};
  });
  const executions = new Map<
    string,
    {
      error?: string;
      statementType?: 'DDL' | 'DML';
      columns?: { Name: string; Type: string }[];
      rows?: (string | undefined)[][];
    }
  >();
  const refreshViews = async () => {
    const locations = [...(catalog.locations.get('gold.behaviour_counts')?.values() ?? [])];
    const body = locations.length
      ? `SELECT city_id, n, dt FROM read_parquet([${locations.map((l) => `'${local(l.location)}*.parquet'`).join(', ')}], hive_partitioning = true, hive_types = {'dt': 'VARCHAR'})`
      : 'SELECT CAST(NULL AS VARCHAR) AS city_id, CAST(NULL AS BIGINT) AS n, CAST(NULL AS VARCHAR) AS dt WHERE false';
    await duck.run(`CREATE OR REPLACE VIEW lakeops_ci_gold.behaviour_counts AS ${body}`);
  };
  athena.on(StartQueryExecutionCommand).callsFake(async (input: StartQueryExecutionCommandInput) => {
    const id = `q${executions.size + 1}`;
    const sql = input.QueryString ?? '';
    try {
      await refreshViews();
      const ctas =
        /^CREATE TABLE (\S+)\nWITH \(.*external_location = '([^']+)'.*partitioned_by = ARRAY\['dt'\]\)\nAS\n([\s\S]*)$/.exec(
          sql,
        );
      if (ctas?.[1] && ctas[2] && ctas[3]) {
        const select = ctas[3].replaceAll('TIMESTAMP(3)', 'TIMESTAMP');
        await mkdir(local(ctas[2]), { recursive: true });
        await duck.run(`COPY (${select}) TO '${local(ctas[2])}' (FORMAT parquet, PARTITION_BY (dt))`);
        await duck.run(
          `CREATE VIEW ${ctas[1]} AS SELECT * FROM read_parquet('${local(ctas[2])}*/*.parquet', hive_partitioning = true, hive_types = {'dt': 'VARCHAR'})`,
        );
        executions.set(id, { statementType: 'DDL' });
      } else if (sql.startsWith('DROP TABLE IF EXISTS ')) {
        // Hive DDL quotes with backticks; DuckDB with double quotes.
        await duck.run(sql.replace('DROP TABLE', 'DROP VIEW').replaceAll('`', '"'));
        executions.set(id, { statementType: 'DDL' });
      } else {
        const reader = await duck.runAndReadAll(sql);
        const types = reader.columnTypes().map((t) => t.toString());
        executions.set(id, {
          columns: reader.columnNames().map((Name, i) => ({ Name, Type: athenaType(types[i] ?? 'VARCHAR') })),
          rows: (reader.getRowsJson() as unknown[][]).map((r) =>
            r.map((v) => (v === null ? undefined : String(v))),
          ),
        });
      }
    } catch (error) {
      const message = (error as Error).message;
      const table = /Table with name (\w+) does not exist/.exec(message);
      executions.set(id, {
        error: table
          ? `TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.lakeops_ci_gold.${table[1]}' does not exist`
          : `SYNTAX_ERROR: ${message}`,
      });
    }
    return { QueryExecutionId: id };
  });
  athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId?: string }) => {
    const execution = executions.get(input.QueryExecutionId ?? '');
    return execution?.error
      ? {
          QueryExecution: {
            Status: {
              State: 'FAILED',
              StateChangeReason: execution.error,
              AthenaError: { ErrorCategory: 2 },
            },
          },
        }
      : {
          QueryExecution: {
            Status: { State: 'SUCCEEDED' },
            StatementType: execution?.statementType ?? 'DML',
          },
        };
  });
  athena.on(GetQueryResultsCommand).callsFake((input: GetQueryResultsCommandInput) => {
    const execution = executions.get(input.QueryExecutionId ?? '');
    const columns = execution?.columns ?? [];
    // SELECT results start with a header row; DDL results have none.
    const head = execution?.statementType === 'DDL' ? [] : [columns.map((c) => c.Name)];
    const rows = [...head, ...(execution?.rows ?? [])];
    return {
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: columns },
        Rows: rows.map((r) => ({ Data: r.map((v) => (v === undefined ? {} : { VarCharValue: v })) })),
      },
    };
  });
  return () => duck.closeSync();
}

queryEngineBehaviour('AthenaQueryEngine (Athena emulated on DuckDB)', async () => {
  athena.reset();
  s3.reset();
  const dir = await mkdtemp(join(tmpdir(), 'lakeops-athena-'));
  const catalog = new InMemoryCatalog([counts]);
  const close = await emulateAthena(dir, catalog);
  return {
    engine: new AthenaQueryEngine({
      client: new AthenaClient({}),
      readWorkgroup: 'lakeops-ci',
      writeWorkgroup: 'lakeops-ci-writes',
      databasePrefix: 'lakeops_ci',
      stagingLocation: 's3://lake/_staging/',
      catalog,
      objects: new S3ObjectStore({ client: new S3Client({}), bucket: 'lake' }),
      sleep: async () => undefined,
    }),
    table: counts,
    cleanup: async () => {
      close();
      await rm(join(dir), { recursive: true, force: true });
    },
  };
});
