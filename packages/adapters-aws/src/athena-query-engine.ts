import { randomUUID } from 'node:crypto';
import {
  type AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  type Catalog,
  DependencyUnavailableError,
  isUnderPrefix,
  type Partition,
  PartitionCorruptError,
  partitionPath,
  QueryCancelledError,
  type QueryEngine,
  QueryFailedError,
  type QueryOptions,
  qualifiedName,
  type Row,
  type SqlValue,
  TableUnknownError,
  type WritePartitionsInput,
  type WritePartitionsResult,
} from '@lakeops/core';
import { athenaCtas, ident } from '@lakeops/lake';

export interface AthenaQueryEngineOptions {
  readonly client: AthenaClient;
  readonly workgroup: string;
  /** Where rebuilt partitions are written before the catalog switches to them: `s3://bucket/_staging/`. */
  readonly stagingLocation: string;
  /** Glue database for the temporary CTAS tables (metadata only; dropped after each write). */
  readonly stagingDatabase: string;
  /** Switches partitions to the staged data. */
  readonly catalog: Catalog;
  /** First poll delay; doubles up to `maxPollDelayMs`. */
  readonly pollDelayMs?: number;
  readonly maxPollDelayMs?: number;
  /** Gives up (and stops the query) after this long. */
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const throttled = new Set(['TooManyRequestsException', 'ThrottlingException', 'InternalServerException']);

/**
 * Athena as the `QueryEngine`: StartQueryExecution in a workgroup, polling with exponential
 * backoff, paginated results, cancellation through StopQueryExecution, and errors mapped to
 * retryable (throttling, Athena's own failures) or permanent (SQL, missing tables, bad files).
 * Writes run the model as a CTAS into a fresh staging prefix, then point each Glue partition at
 * its staged files: a failed CTAS leaves every partition on its old data.
 *
 * @example
 * ```ts
 * const engine = new AthenaQueryEngine({ client: new AthenaClient({}), workgroup: 'lakeops',
 *   stagingLocation: 's3://lake/_staging/', stagingDatabase: 'lakeops_staging', catalog });
 * ```
 */
export class AthenaQueryEngine implements QueryEngine {
  readonly #o: Required<Omit<AthenaQueryEngineOptions, 'sleep'>> & { sleep: (ms: number) => Promise<void> };

  constructor(options: AthenaQueryEngineOptions) {
    this.#o = {
      pollDelayMs: 200,
      maxPollDelayMs: 5_000,
      timeoutMs: 15 * 60_000,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      ...options,
    };
  }

  async query(sql: string, options: QueryOptions = {}): Promise<Row[]> {
    const rows: Row[] = [];
    for await (const row of this.stream(sql, options)) rows.push(row);
    return rows;
  }

  async *stream(sql: string, options: QueryOptions = {}): AsyncIterable<Row> {
    const id = await this.#execute(sql, options);
    let token: string | undefined;
    let columns: ColumnInfo[] | undefined;
    let first = true;
    do {
      const page: GetQueryResultsCommandOutput = await this.#call(() =>
        this.#o.client.send(
          new GetQueryResultsCommand({ QueryExecutionId: id, ...(token ? { NextToken: token } : {}) }),
        ),
      );
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const data = page.ResultSet?.Rows ?? [];
      // The first row of the first page repeats the column names.
      for (const [i, r] of data.entries()) {
        if (first && i === 0) continue;
        yield toRow(
          columns,
          (r.Data ?? []).map((d) => d.VarCharValue),
        );
      }
      first = false;
      token = page.NextToken;
    } while (token);
  }

  async writePartitions(
    input: WritePartitionsInput,
    options: QueryOptions = {},
  ): Promise<WritePartitionsResult> {
    const { table } = input;
    const name = qualifiedName(table);
    const run = randomUUID().replaceAll('-', '');
    const location = `${this.#o.stagingLocation.replace(/\/?$/, '/')}${table.zone}/${table.name}/${run}/`;
    const stagingTable = `${ident(this.#o.stagingDatabase)}.${ident(`${table.name}_${run}`)}`;
    await this.#execute(athenaCtas({ table, sql: input.sql, stagingTable, location }), options);
    try {
      const keys = table.partitionKeys;
      const counts = await this.query(
        keys.length
          ? `SELECT ${keys.map(ident).join(', ')}, count(*) AS n FROM ${stagingTable} GROUP BY ${keys.map(ident).join(', ')}`
          : `SELECT count(*) AS n FROM ${stagingTable}`,
        options,
      );
      const staged = counts.map((r) => ({
        partition: Object.fromEntries(keys.map((k) => [k, String(r[k])])) as Partition,
        rows: Number(r.n),
      }));
      if (!keys.length) {
        await this.#o.catalog.setPartitionLocation(name, {}, location);
        return { rows: staged[0]?.rows ?? 0, written: [{}], removed: [] };
      }
      // Switch every staged partition the write owns; drop owned ones that came back empty.
      const owns = (p: Partition) =>
        input.partitions === undefined || input.partitions.some((prefix) => isUnderPrefix(table, p, prefix));
      const existing = await this.#o.catalog.partitions(name);
      const written: Partition[] = [];
      const removed: Partition[] = [];
      let rows = 0;
      for (const s of staged) {
        if (!owns(s.partition)) continue;
        await this.#o.catalog.setPartitionLocation(
          name,
          s.partition,
          `${location}${partitionPath(table, s.partition)}/`,
        );
        written.push(s.partition);
        rows += s.rows;
      }
      const stagedKeys = new Set(staged.map((s) => partitionPath(table, s.partition)));
      for (const p of existing) {
        if (!owns(p) || stagedKeys.has(partitionPath(table, p))) continue;
        await this.#o.catalog.dropPartition(name, p);
        removed.push(p);
      }
      return { rows, written, removed };
    } finally {
      // The CTAS table was only a way to write files; its data now belongs to the target.
      await this.#execute(`DROP TABLE IF EXISTS ${stagingTable}`, {}).catch(() => undefined);
    }
  }

  async close(): Promise<void> {}

  async #execute(sql: string, options: QueryOptions): Promise<string> {
    const { signal } = options;
    if (signal?.aborted) throw new QueryCancelledError();
    const started = await this.#call(() =>
      this.#o.client.send(new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: this.#o.workgroup })),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new DependencyUnavailableError('Athena returned no query execution id');
    let delay = this.#o.pollDelayMs;
    const deadline = Date.now() + this.#o.timeoutMs;
    for (;;) {
      if (signal?.aborted || Date.now() > deadline) {
        await this.#o.client
          .send(new StopQueryExecutionCommand({ QueryExecutionId: id }))
          .catch(() => undefined);
        if (signal?.aborted) throw new QueryCancelledError(`query ${id} cancelled`);
        throw new DependencyUnavailableError(`query ${id} did not finish within ${this.#o.timeoutMs} ms`);
      }
      const state = await this.#call(() =>
        this.#o.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
      );
      const execution = state.QueryExecution;
      switch (execution?.Status?.State) {
        case 'SUCCEEDED':
          return id;
        case 'FAILED':
          throw failure(execution);
        case 'CANCELLED':
          throw new QueryCancelledError(`query ${id} was cancelled`);
        default:
          await this.#o.sleep(delay);
          delay = Math.min(delay * 2, this.#o.maxPollDelayMs);
      }
    }
  }

  async #call<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (throttled.has(name)) throw new DependencyUnavailableError(`Athena: ${name}`, { cause: error });
      const message = error instanceof Error ? error.message : String(error);
      if (name === 'InvalidRequestException') throw new QueryFailedError(message, { cause: error });
      throw new DependencyUnavailableError(`Athena request failed: ${message}`, { cause: error });
    }
  }
}

/** Maps a FAILED execution to the lake error it means. */
function failure(execution: QueryExecution): Error {
  const reason = execution.Status?.StateChangeReason ?? 'query failed';
  const error = execution.Status?.AthenaError;
  const table = /Table (?:'|")?([\w.]+)(?:'|")? does not exist|TABLE_NOT_FOUND: .*?'([\w.]+)'/.exec(reason);
  if (table) return new TableUnknownError(table[1] ?? table[2] ?? 'unknown', { cause: reason });
  const file = /(s3:\/\/\S+?\.parquet)/.exec(reason);
  if (/HIVE_BAD_DATA|HIVE_CANNOT_OPEN_SPLIT|not a Parquet file|Corrupt|magic/i.test(reason)) {
    return new PartitionCorruptError(file?.[1] ?? 'unknown file', { detail: reason, cause: reason });
  }
  // ErrorCategory 1 = system (Athena's side), 2 = user, 3 = other; Retryable says so directly.
  if (error?.Retryable || error?.ErrorCategory === 1) {
    return new DependencyUnavailableError(`Athena: ${reason}`, { cause: reason });
  }
  return new QueryFailedError(reason, { cause: reason });
}

function toRow(columns: readonly ColumnInfo[], values: readonly (string | undefined)[]): Row {
  const row: Record<string, SqlValue> = {};
  columns.forEach((c, i) => {
    row[c.Name ?? `_${i}`] = convert(values[i], c.Type ?? 'varchar');
  });
  return row;
}

function convert(value: string | undefined, type: string): SqlValue {
  if (value === undefined) return null;
  switch (type.toLowerCase().replace(/\(.*$/, '')) {
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'bigint': {
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : value;
    }
    case 'double':
    case 'float':
    case 'real':
    case 'decimal':
      return Number(value);
    case 'boolean':
      return value === 'true';
    case 'timestamp':
      // Athena prints `2026-11-20 10:00:00.000` (UTC).
      return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(value)
        ? new Date(`${value.replace(' ', 'T')}Z`).toISOString()
        : value;
    default:
      return value;
  }
}
