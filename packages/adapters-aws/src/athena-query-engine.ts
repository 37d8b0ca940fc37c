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
  isRetryable,
  isUnderPrefix,
  type Partition,
  PartitionCorruptError,
  type PartitionProfile,
  parsePartitionPath,
  partitionPath,
  QueryCancelledError,
  type QueryEngine,
  QueryFailedError,
  type QueryOptions,
  qualifiedName,
  type RewritePartitionsInput,
  type RewrittenPartition,
  type Row,
  type SqlValue,
  type StagedPartitionWriter,
  type StartedWrite,
  type TableDefinition,
  TableUnknownError,
  type WritePartitionsInput,
  type WritePartitionsResult,
  type WriteQueryState,
  zones,
} from '@lakeops/core';
import {
  athenaCtas,
  athenaDropTable,
  athenaInsert,
  athenaPartitionFilter,
  athenaTableNames,
  decimalValue,
  ident,
  typedSelect,
} from '@lakeops/lake/dialect';
import { glueDatabaseName } from '@lakeops/lake/glue-databases';
import { profileSql } from '@lakeops/lake/purge-sql';
import { awsErrorName, awsFailure, StagingTableDropFailedError } from './aws-errors.ts';
import type { GlueCatalog, PartitionBatches } from './glue-catalog.ts';
import type { S3ObjectStore } from './s3-object-store.ts';

export interface AthenaQueryEngineOptions {
  readonly client: AthenaClient;
  /**
   * Reads (SELECT) run here. This workgroup may enforce its configuration ("override
   * client-side settings": result location, encryption, bytes-scanned limit).
   */
  readonly readWorkgroup: string;
  /**
   * CTAS, INSERT INTO and DROP TABLE run here. It must NOT override client-side settings: in a
   * workgroup that does, Athena ignores the CTAS `external_location` and writes the table under
   * the workgroup's result location (`…/tables/<query-id>/`), so the staged files would not be
   * where the partition switch points.
   */
  readonly writeWorkgroup: string;
  /** The stage's Glue database prefix (`glueDatabasePrefix(stage)`): `silver.x` → `"<prefix>_silver"."x"`. */
  readonly databasePrefix: string;
  /** Where rebuilt partitions are written before the catalog switches to them: `s3://bucket/_staging/`. */
  readonly stagingLocation: string;
  /** Switches partitions to the staged data; many at a time when it offers `PartitionBatches` (Glue does). */
  readonly catalog: Catalog | (Catalog & PartitionBatches);
  /** The lake bucket: superseded partition data is deleted from it after the switch. */
  readonly objects: Pick<S3ObjectStore, 'keyOf' | 'locationOf' | 'deletePrefix'>;
  /** First poll delay; doubles up to `maxPollDelayMs`. */
  readonly pollDelayMs?: number;
  readonly maxPollDelayMs?: number;
  /** Gives up (and stops the query) after this long. */
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** A fresh id per write (the staging folder and table suffix); random by default. */
  readonly newRunId?: () => string;
}

/** Athena writes at most this many partitions per CTAS or INSERT INTO (HIVE_TOO_MANY_OPEN_PARTITIONS). */
export const athenaMaxPartitionsPerWrite = 100;

/** A write's table, run id, owned partitions and staging names. */
interface Write {
  readonly table: TableDefinition;
  readonly run: string;
  readonly partitions: readonly Partition[] | undefined;
  readonly location: string;
  readonly stagingName: string;
  readonly stagingTable: string;
}

/** GetQueryResults returns at most this many rows per page. */
const resultPageSize = 1000;

/**
 * Athena as the `QueryEngine`: StartQueryExecution (reads in the read workgroup, writes in the
 * write workgroup), polling with exponential backoff, paginated results, cancellation through
 * StopQueryExecution, and errors mapped to retryable (throttling, Athena's own failures) or
 * permanent (SQL, access, missing tables, bad files). Model SQL's `<zone>.<table>` names are
 * rewritten to the stage's Glue databases. Writes run the model as a CTAS (and INSERT INTO per
 * further 100 partitions) into a fresh staging prefix, then point each Glue partition at its
 * staged files: a failed write leaves every partition on its old data. After the switch the
 * superseded partition data is deleted and the temporary table dropped.
 *
 * @example
 * ```ts
 * const engine = new AthenaQueryEngine({ client: new AthenaClient({}), readWorkgroup: 'lakeops-prod',
 *   writeWorkgroup: 'lakeops-prod-writes', databasePrefix: glueDatabasePrefix('prod'),
 *   stagingLocation: 's3://lake/_staging/', catalog, objects });
 * ```
 */
export class AthenaQueryEngine implements QueryEngine, StagedPartitionWriter {
  readonly #o: Required<Omit<AthenaQueryEngineOptions, 'sleep' | 'newRunId'>> & {
    sleep: (ms: number) => Promise<void>;
    newRunId: () => string;
  };
  readonly #stagingDatabase: string;

  constructor(options: AthenaQueryEngineOptions) {
    this.#o = {
      pollDelayMs: 200,
      maxPollDelayMs: 5_000,
      timeoutMs: 15 * 60_000,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      newRunId: () => randomUUID().replaceAll('-', ''),
      ...options,
      stagingLocation: options.stagingLocation.replace(/\/?$/, '/'),
    };
    this.#stagingDatabase = glueDatabaseName(options.databasePrefix, 'staging');
  }

  async query(sql: string, options: QueryOptions = {}): Promise<Row[]> {
    const rows: Row[] = [];
    for await (const row of this.stream(sql, options)) rows.push(row);
    return rows;
  }

  stream(sql: string, options: QueryOptions = {}): AsyncIterable<Row> {
    return this.#rows(athenaTableNames(sql, this.#o.databasePrefix), options);
  }

  async *#rows(sql: string, options: QueryOptions): AsyncIterable<Row> {
    const execution = await this.#execute(sql, this.#o.readWorkgroup, options);
    const id = execution.QueryExecutionId ?? '';
    // SELECT (DML) results repeat the column names in the first row; DDL and utility results do not.
    let skipHeader = (execution.StatementType ?? 'DML') === 'DML';
    let token: string | undefined;
    let columns: ColumnInfo[] | undefined;
    do {
      const page: GetQueryResultsCommandOutput = await this.#call('GetQueryResults', () =>
        this.#o.client.send(
          new GetQueryResultsCommand({
            QueryExecutionId: id,
            MaxResults: resultPageSize,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      for (const r of page.ResultSet?.Rows ?? []) {
        if (skipHeader) {
          skipHeader = false;
          continue;
        }
        yield toRow(
          columns,
          (r.Data ?? []).map((d) => d.VarCharValue),
        );
      }
      skipHeader = false;
      token = page.NextToken;
    } while (token);
  }

  async writePartitions(
    input: WritePartitionsInput,
    options: QueryOptions = {},
  ): Promise<WritePartitionsResult> {
    return (await this.#writeAll(input, options, false)).result;
  }

  /**
   * The purge's rewrite on Athena: a profile query of the partitions (rows, dropped, checksum of
   * the kept rows), the CTAS of the kept rows and the Glue switch of `writePartitions`, then the
   * same profile of what the table now reads. Athena has no rename: the old files stay where
   * they are (their partition folder, or an earlier staging run) and `replacedKey` names that
   * prefix; `restorePartitions` points Glue back at it, and the caller deletes it once verified.
   * `keepReplacedUnder` is not used here (nothing is moved).
   */
  async rewritePartitions(
    input: RewritePartitionsInput,
    options: QueryOptions = {},
  ): Promise<RewrittenPartition[]> {
    const { table } = input;
    const where = table.partitionKeys.length
      ? ` WHERE ${athenaPartitionFilter(table, input.partitions)}`
      : '';
    const from = `(SELECT * FROM ${qualifiedName(table)}${where}) AS s`;
    const profile = async () => {
      const out = new Map<string, PartitionProfile>();
      for (const r of await this.query(profileSql(table, 'athena', from, input.drop), options)) {
        const p = Object.fromEntries(table.partitionKeys.map((k) => [k, String(r[k])]));
        out.set(partitionPath(table, p), {
          rows: Number(r.rows_total ?? 0),
          dropped: Number(r.rows_dropped ?? 0),
          checksum: String(r.kept_checksum ?? '0'),
        });
      }
      return out;
    };
    const before = await profile();
    const { superseded } = await this.#writeAll(
      {
        table,
        sql: `SELECT * FROM ${qualifiedName(table)}${where ? `${where} AND` : ' WHERE'} NOT coalesce((${input.drop}), false)`,
        ...(table.partitionKeys.length ? { partitions: input.partitions } : {}),
      },
      options,
      true,
    );
    const after = await profile();
    const none = { rows: 0, dropped: 0, checksum: '0' };
    return input.partitions
      .filter((p) => before.has(partitionPath(table, p)))
      .map((p) => {
        const old = superseded.find((s) => partitionPath(table, s.partition) === partitionPath(table, p));
        const replacedKey = old?.folder;
        return {
          partition: p,
          before: before.get(partitionPath(table, p)) ?? none,
          after: after.get(partitionPath(table, p)) ?? none,
          ...(replacedKey !== undefined ? { replacedKey } : {}),
        };
      });
  }

  /**
   * Where these partitions' files are now: each one's Glue location as a key of the lake bucket
   * (all of the table's partitions in one paginated `GetPartitions` when the catalog can, else one
   * `GetPartition` each). A partition Glue does not know, or one located outside the lake bucket,
   * is left out: the caller reads its folder.
   */
  async partitionPrefixes(
    table: TableDefinition,
    partitions: readonly Partition[],
  ): Promise<ReadonlyMap<string, string>> {
    const name = qualifiedName(table);
    const { catalog, objects } = this.#o;
    // The asked partitions only (BatchGetPartition) when the catalog can, not every partition.
    const known = !table.partitionKeys.length
      ? undefined
      : hasPartitionLookups(catalog)
        ? await catalog.partitionLocationsOf(name, partitions)
        : hasPartitionBatches(catalog)
          ? await catalog.partitionLocations(name)
          : undefined;
    const out = new Map<string, string>();
    for (const p of partitions) {
      const path = partitionPath(table, p);
      const location = known ? known.get(path) : await catalog.partitionLocation(name, p);
      const key = location === undefined ? undefined : objects.keyOf(location.replace(/\/?$/, '/'));
      if (key !== undefined) out.set(path, key);
    }
    return out;
  }

  /** Points each rewritten partition's Glue location back at its old files; deletes the new ones. */
  async restorePartitions(table: TableDefinition, rewritten: readonly RewrittenPartition[]): Promise<void> {
    const name = qualifiedName(table);
    for (const r of rewritten) {
      if (r.replacedKey === undefined) continue;
      const current = await this.#o.catalog.partitionLocation(name, r.partition);
      await this.#o.catalog.setPartitionLocation(
        name,
        r.partition,
        this.#o.objects.locationOf(r.replacedKey),
      );
      // The rewrite's new files (always under the staging location) go; nothing else is deleted.
      const fresh = current ? this.#o.objects.keyOf(current.replace(/\/?$/, '/')) : undefined;
      const staging = this.#o.objects.keyOf(this.#o.stagingLocation);
      if (fresh !== undefined && staging !== undefined && fresh.startsWith(staging))
        await this.#o.objects.deletePrefix(fresh);
    }
  }

  /** CTAS (+ INSERT INTO per further 100 partitions) into staging, then the switch; see `#switchIn`. */
  async #writeAll(
    input: WritePartitionsInput,
    options: QueryOptions,
    keepSuperseded: boolean,
  ): Promise<{ result: WritePartitionsResult; superseded: { partition: Partition; folder: string }[] }> {
    const write = this.#write(input.table, this.#o.newRunId(), input.partitions);
    const sql = athenaTableNames(input.sql, this.#o.databasePrefix);
    let created = false;
    try {
      // Athena writes at most 100 partitions per statement: one CTAS for the first 100, then one
      // INSERT INTO the same staging table per further 100 (AWS's documented workaround).
      const chunks = write.table.partitionKeys.length
        ? chunk(await this.#partitionsToWrite(input, sql, options), athenaMaxPartitionsPerWrite)
        : [undefined];
      for (const [i, partitions] of chunks.entries()) {
        const statement =
          i === 0
            ? athenaCtas({
                table: write.table,
                sql,
                stagingTable: write.stagingTable,
                location: write.location,
                ...(partitions ? { partitions } : {}),
              })
            : athenaInsert({
                table: write.table,
                sql,
                stagingTable: write.stagingTable,
                partitions: partitions ?? [],
              });
        created = true;
        await this.#execute(statement, this.#o.writeWorkgroup, options);
      }
    } catch (error) {
      await this.#cleanUp(write, created, error);
      throw error;
    }
    return this.#switchIn(write, created, options, keepSuperseded);
  }

  /**
   * Submits the write's CTAS into a fresh staging location and returns at once (no polling): the
   * caller keeps the returned `StartedWrite` and calls `finishWrite` once Athena reports the query
   * SUCCEEDED ("Athena Query State Change" on EventBridge), or `abandonWrite` once it FAILED or was
   * CANCELLED. Every partition must be named with all its keys, at most 100 (one CTAS).
   */
  async startWrite(input: WritePartitionsInput): Promise<StartedWrite> {
    const { table } = input;
    const partitions = input.partitions ?? [];
    const complete = partitions.every((p) => table.partitionKeys.every((k) => p[k] !== undefined));
    if (!table.partitionKeys.length || !partitions.length || !complete) {
      throw new QueryFailedError(
        `startWrite of ${qualifiedName(table)} needs its partitions named with every key (${table.partitionKeys.join(', ')})`,
      );
    }
    if (partitions.length > athenaMaxPartitionsPerWrite) {
      throw new QueryFailedError(
        `startWrite of ${qualifiedName(table)} writes ${partitions.length} partitions; one CTAS writes at most ${athenaMaxPartitionsPerWrite}`,
      );
    }
    const write = this.#write(table, this.#o.newRunId(), partitions);
    const statement = athenaCtas({
      table,
      sql: athenaTableNames(input.sql, this.#o.databasePrefix),
      stagingTable: write.stagingTable,
      location: write.location,
      partitions,
    });
    const started = await this.#call('StartQueryExecution', () =>
      this.#o.client.send(
        new StartQueryExecutionCommand({ QueryString: statement, WorkGroup: this.#o.writeWorkgroup }),
      ),
    );
    if (!started.QueryExecutionId)
      throw new DependencyUnavailableError('Athena returned no query execution id');
    return {
      queryId: started.QueryExecutionId,
      table: qualifiedName(table),
      run: write.run,
      partitions: [...partitions],
    };
  }

  /**
   * Switches the partitions of a started write whose CTAS succeeded; see `startWrite`. When the
   * catalog already points a partition at this write's location (the same completion handled
   * again), it changes nothing and reports those partitions with `rows: 0`: the staged data is
   * live, so it is neither counted nor removed again.
   */
  async finishWrite(started: StartedWrite, options: QueryOptions = {}): Promise<WritePartitionsResult> {
    const write = this.#write(await this.#o.catalog.table(started.table), started.run, started.partitions);
    const live = await this.#livePartitions(write);
    if (live.length) return { rows: 0, written: live, removed: [] };
    return (await this.#switchIn(write, true, options, false)).result;
  }

  /**
   * Removes what a failed or cancelled started write staged (files and staging table); nothing
   * when the catalog already points at its data.
   */
  async abandonWrite(started: StartedWrite): Promise<void> {
    const write = this.#write(await this.#o.catalog.table(started.table), started.run, started.partitions);
    if ((await this.#livePartitions(write)).length) return;
    await this.#cleanUp(write, true, undefined);
  }

  /** The write's partitions the catalog already points at its staging location. */
  async #livePartitions(write: Write): Promise<Partition[]> {
    const name = qualifiedName(write.table);
    const catalog = this.#o.catalog;
    const known = hasPartitionBatches(catalog) ? await catalog.partitionLocations(name) : undefined;
    const live: Partition[] = [];
    for (const p of write.partitions ?? []) {
      const at = known ? known.get(partitionPath(write.table, p)) : await catalog.partitionLocation(name, p);
      if (at?.startsWith(write.location)) live.push(p);
    }
    return live;
  }

  /** The state of a started write's query: one GetQueryExecution, no polling. */
  async queryState(started: StartedWrite): Promise<WriteQueryState> {
    const out = await this.#call('GetQueryExecution', () =>
      this.#o.client.send(new GetQueryExecutionCommand({ QueryExecutionId: started.queryId })),
    );
    const state = out.QueryExecution?.Status?.State;
    if (!state) throw new DependencyUnavailableError(`Athena returned no state for query ${started.queryId}`);
    return state;
  }

  /** Where a write with this run id stages its data, and the staging table Athena creates for it. */
  #write(table: TableDefinition, run: string, partitions: readonly Partition[] | undefined): Write {
    const stagingName = `${table.name}_${run}`;
    return {
      table,
      run,
      partitions,
      location: `${this.#o.stagingLocation}${table.zone}/${table.name}/${run}/`,
      stagingName,
      stagingTable: `${ident(this.#stagingDatabase)}.${ident(stagingName)}`,
    };
  }

  /** After the staging statements succeeded: count what was staged, switch, delete superseded data, drop. */
  async #switchIn(
    write: Write,
    created: boolean,
    options: QueryOptions,
    keepSuperseded: boolean,
  ): Promise<{ result: WritePartitionsResult; superseded: { partition: Partition; folder: string }[] }> {
    const { table, location, stagingTable } = write;
    const name = qualifiedName(table);
    const keys = table.partitionKeys;
    const owns = (p: Partition) =>
      write.partitions === undefined || write.partitions.some((prefix) => isUnderPrefix(table, p, prefix));
    let switched = false;
    try {
      const counts: Row[] = [];
      if (created) {
        const list = keys.map(ident).join(', ');
        for await (const r of this.#rows(
          keys.length
            ? `SELECT ${list}, count(*) AS n FROM ${stagingTable} GROUP BY ${list}`
            : `SELECT count(*) AS n FROM ${stagingTable}`,
          options,
        ))
          counts.push(r);
      }
      const staged = counts.map((r) => ({
        partition: Object.fromEntries(keys.map((k): [string, string] => [k, String(r[k])])),
        rows: Number(r.n),
      }));

      const superseded: { location: string; partition: Partition }[] = [];
      const result: { rows: number; written: Partition[]; removed: Partition[] } = {
        rows: 0,
        written: [],
        removed: [],
      };
      if (!keys.length) {
        const previous = await this.#o.catalog.partitionLocation(name, {});
        switched = true;
        await this.#o.catalog.setPartitionLocation(name, {}, location);
        if (previous) superseded.push({ location: previous, partition: {} });
        result.rows = staged[0]?.rows ?? 0;
        result.written.push({});
      } else {
        // Switch every staged partition the write owns; drop owned ones that came back empty.
        const catalog = this.#o.catalog;
        const batches = hasPartitionBatches(catalog) ? catalog : undefined;
        const known = batches ? await batches.partitionLocations(name) : undefined;
        const existing = known ? [...known.keys()].map(parsePartitionPath) : await catalog.partitions(name);
        const before = async (p: Partition) =>
          known ? known.get(partitionPath(table, p)) : await catalog.partitionLocation(name, p);
        const writing = staged.filter((s) => owns(s.partition));
        const stagedKeys = new Set(staged.map((s) => partitionPath(table, s.partition)));
        const dropping = existing.filter((p) => owns(p) && !stagedKeys.has(partitionPath(table, p)));
        for (const p of [...writing.map((s) => s.partition), ...dropping]) {
          const previous = await before(p);
          if (previous) superseded.push({ location: previous, partition: p });
        }
        const entries = writing.map((s) => ({
          partition: s.partition,
          location: `${location}${partitionPath(table, s.partition)}/`,
        }));
        switched = entries.length > 0 || dropping.length > 0;
        if (batches) {
          await batches.setPartitionLocations(name, entries);
          if (dropping.length) await batches.dropPartitions(name, dropping);
        } else {
          for (const e of entries) await catalog.setPartitionLocation(name, e.partition, e.location);
          for (const p of dropping) await catalog.dropPartition(name, p);
        }
        result.written.push(...writing.map((s) => s.partition));
        result.removed.push(...dropping);
        result.rows = writing.reduce((sum, s) => sum + s.rows, 0);
      }
      // The old files of every switched or dropped partition: nothing reads them any more, and
      // keeping them would keep rows a purge removed. Only a single partition's folder (or a
      // staging run) is deleted, never the live location. A rewrite keeps them for its caller.
      const folders: { partition: Partition; folder: string }[] = [];
      for (const old of superseded) {
        const folder = this.#supersededFolder(table, old.location, old.partition, location);
        if (folder === undefined) continue;
        folders.push({ partition: old.partition, folder });
        if (!keepSuperseded) await this.#o.objects.deletePrefix(folder);
      }
      await this.#dropStagingTable(write.stagingName, created);
      return { result, superseded: folders };
    } catch (error) {
      if (!switched) await this.#cleanUp(write, created, error);
      else if (!(error instanceof StagingTableDropFailedError))
        await this.#dropStagingTable(write.stagingName, created).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Nothing points at the staged files (no partition was switched): remove them and the staging
   * table. The write's own failure is the one to report; a failed clean-up here only leaves a
   * stray staging table (metadata) behind.
   */
  async #cleanUp(write: Write, created: boolean, error: unknown): Promise<void> {
    const key = this.#o.objects.keyOf(write.location);
    if (key !== undefined) await this.#o.objects.deletePrefix(key).catch(() => undefined);
    if (!(error instanceof StagingTableDropFailedError))
      await this.#dropStagingTable(write.stagingName, created).catch(() => undefined);
  }

  /** The partitions the write will produce: the ones it names, or (for prefixes or a full rebuild) the model's. */
  async #partitionsToWrite(
    input: WritePartitionsInput,
    sql: string,
    options: QueryOptions,
  ): Promise<Partition[]> {
    const { table } = input;
    const keys = table.partitionKeys;
    const named = input.partitions;
    if (named?.every((p) => keys.every((k) => p[k] !== undefined))) return [...named];
    const list = keys.map(ident).join(', ');
    const found: Partition[] = [];
    for await (const r of this.#rows(
      `SELECT DISTINCT ${list} FROM (\n${typedSelect(table, sql, 'athena')}\n) AS typed ORDER BY ${list}`,
      options,
    )) {
      const p: Partition = Object.fromEntries(keys.map((k) => [k, String(r[k])]));
      if (named === undefined || named.some((prefix) => isUnderPrefix(table, p, prefix))) found.push(p);
    }
    return found;
  }

  /**
   * The object-store prefix of a superseded location, when it is safe to delete: in the lake
   * bucket, exactly one partition's folder (`…/dt=2026-11-20/`) or, for an unpartitioned table,
   * an earlier staging run; never the new location nor a folder around it.
   */
  #supersededFolder(
    table: WritePartitionsInput['table'],
    previous: string,
    partition: Partition,
    live: string,
  ): string | undefined {
    const old = previous.replace(/\/?$/, '/');
    if (live.startsWith(old) || old.startsWith(live)) return undefined;
    const own = table.partitionKeys.length
      ? old.endsWith(`/${partitionPath(table, partition)}/`)
      : old.startsWith(this.#o.stagingLocation);
    return own ? this.#o.objects.keyOf(old) : undefined;
  }

  async #dropStagingTable(stagingName: string, created: boolean): Promise<void> {
    if (!created) return;
    try {
      await this.#execute(athenaDropTable(this.#stagingDatabase, stagingName), this.#o.writeWorkgroup, {});
    } catch (error) {
      throw new StagingTableDropFailedError(`${this.#stagingDatabase}.${stagingName}`, {
        cause: error,
        retryable: isRetryable(error),
      });
    }
  }

  async close(): Promise<void> {}

  async #execute(sql: string, workgroup: string, options: QueryOptions): Promise<QueryExecution> {
    const { signal } = options;
    if (signal?.aborted) throw new QueryCancelledError();
    const started = await this.#call('StartQueryExecution', () =>
      this.#o.client.send(new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: workgroup })),
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
      const state = await this.#call('GetQueryExecution', () =>
        this.#o.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
      );
      const execution = state.QueryExecution;
      switch (execution?.Status?.State) {
        case 'SUCCEEDED':
          return { ...execution, QueryExecutionId: id };
        case 'FAILED':
          throw failure(execution, this.#o.databasePrefix);
        case 'CANCELLED':
          throw new QueryCancelledError(`query ${id} was cancelled`);
        default:
          await this.#o.sleep(delay);
          delay = Math.min(delay * 2, this.#o.maxPollDelayMs);
      }
    }
  }

  async #call<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      // Athena answers InvalidRequestException for SQL it cannot even start (syntax, unknown
      // workgroup): the query is wrong, not the service.
      if (awsErrorName(error) === 'InvalidRequestException') {
        const message = error instanceof Error ? error.message : String(error);
        throw new QueryFailedError(message, { cause: error });
      }
      throw awsFailure(`Athena ${operation}`, error);
    }
  }
}

/** Maps a FAILED execution to the lake error it means. */
function failure(execution: QueryExecution, prefix: string): Error {
  const reason = execution.Status?.StateChangeReason ?? 'query failed';
  const error = execution.Status?.AthenaError;
  const table = /Table (?:'|")?([\w.]+)(?:'|")? does not exist|TABLE_NOT_FOUND: .*?'([\w.]+)'/.exec(reason);
  if (table)
    return new TableUnknownError(lakeName(table[1] ?? table[2] ?? 'unknown', prefix), { cause: reason });
  const file = /(s3:\/\/\S+?\.parquet)/.exec(reason);
  if (/HIVE_BAD_DATA|HIVE_CANNOT_OPEN_SPLIT|not a Parquet file|Corrupt|magic/i.test(reason)) {
    return new PartitionCorruptError(file?.[1] ?? 'unknown file', { detail: reason, cause: reason });
  }
  // AthenaError.Retryable says whether resubmitting may succeed; without it, ErrorCategory
  // 1 (system) is Athena's side and retryable, 2 (user) and 3 (other) are not.
  const retryable = error?.Retryable ?? error?.ErrorCategory === 1;
  if (retryable) return new DependencyUnavailableError(`Athena: ${reason}`, { cause: reason });
  return new QueryFailedError(reason, { cause: reason });
}

/** `awsdatacatalog.lakeops_prod_gold.x` → `gold.x`: errors name tables as the models do. */
function lakeName(athenaName: string, prefix: string): string {
  const parts = athenaName.split('.');
  const name = parts.at(-1) ?? athenaName;
  const database = parts.at(-2);
  const zone = zones.find((z) => database === glueDatabaseName(prefix, z));
  return zone ? `${zone}.${name}` : athenaName;
}

function hasPartitionLookups(
  catalog: Catalog,
): catalog is Catalog & Pick<GlueCatalog, 'partitionLocationsOf'> {
  return 'partitionLocationsOf' in catalog;
}

function hasPartitionBatches(catalog: Catalog): catalog is Catalog & PartitionBatches {
  return 'setPartitionLocations' in catalog && 'dropPartitions' in catalog && 'partitionLocations' in catalog;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
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
      return Number(value);
    case 'decimal':
      // Athena returns DECIMAL as text; keep it exact as DuckDB's adapter does.
      return decimalValue(value);
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
