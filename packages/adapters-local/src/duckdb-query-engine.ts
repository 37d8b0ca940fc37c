import { createHash, randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import {
  type DuckDBConnection,
  DuckDBInstance,
  DuckDBTypeId,
  type DuckDBValueConverter,
  type JS,
  JSDuckDBValueConverter,
  StatementType,
} from '@duckdb/node-api';
import {
  isUnderPrefix,
  LakeopsError,
  type Partition,
  PartitionCorruptError,
  type PartitionSubset,
  parsePartitionPath,
  partitionPath,
  partitionPrefixPath,
  QueryCancelledError,
  type QueryEngine,
  QueryFailedError,
  type QueryOptions,
  qualifiedName,
  type RewritePartitionsInput,
  type RewrittenPartition,
  type Row,
  type SqlValue,
  type TableDefinition,
  TableUnknownError,
  type WritePartitionsInput,
  type WritePartitionsResult,
  zones,
} from '@lakeops/core';
import {
  decimalValue,
  duckdbCopy,
  duckdbSession,
  ident,
  literal,
  profileSql,
  replaceTableReferences,
  sqlType,
} from '@lakeops/lake';
import { FolderListings } from './folder-listings.ts';
import { exists, moveDir, recoverInterruptedSwaps, swapDir, sweepStagingLeftovers } from './fs-swap.ts';
import { PartitionMembership } from './partition-membership.ts';

export interface DuckDbQueryEngineOptions {
  /** The lake root: `<LAKEOPS_HOME>/lake`, holding `<zone>/<table>/dt=…/`. */
  readonly root: string;
  /** The tables to expose as `<zone>.<table>` views. */
  readonly tables: readonly TableDefinition[];
  /** DuckDB worker threads (default: DuckDB's own choice). */
  readonly threads?: number;
  /**
   * Parse NDJSON (Bronze) tables once into memory and reuse them until their files change
   * (default true). Costs memory roughly the size of the NDJSON; saves re-parsing per query.
   */
  readonly cacheNdjson?: boolean;
  /**
   * `read-only` (for SQL a user types: `lakeops query`, later `query --as`): every statement goes
   * through the read-only guard (one statement, SELECT/WITH/DESCRIBE/SHOW/SUMMARIZE/EXPLAIN), DuckDB
   * may touch files only under `root` (`enable_external_access = false` + `allowed_directories`),
   * its configuration is locked, and `writePartitions` is refused. Default `read-write` (the models).
   */
  readonly access?: 'read-write' | 'read-only';
  /**
   * Bronze currency check: a folder's listing is reused while the folder is unchanged, once its
   * last change is older than this (default 2000 ms; see `FolderListings`). Tests set 0.
   */
  readonly listingGraceMs?: number;
  /**
   * A secret (≥ 16 bytes): when given, every partition this engine writes of a Parquet table whose
   * user columns are strings gets a membership sidecar (keyed hashes of those columns' values, see
   * `PartitionMembership`), and `partitionsMayHold` skips the partitions whose sidecar rules the
   * ids out. Without it, no sidecar is written and every partition is read.
   */
  readonly membershipKey?: string | Uint8Array;
}

/** A result as `queryTable` gives it: the columns with their DuckDB types, then the rows. */
export interface QueryTable {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: readonly Row[];
}

/** The statements a read-only engine runs (DuckDB parses DESCRIBE/SHOW/SUMMARIZE as SELECT). */
export const readingStatements = ['SELECT', 'WITH', 'DESCRIBE', 'SHOW', 'EXPLAIN', 'SUMMARIZE'] as const;

/** A read-only engine refused a statement before running it: nothing was read or changed. */
export class QueryRefusedError extends LakeopsError {
  /** What was refused: a DuckDB statement type or keyword (`COPY`, `ATTACH`, …), or `MULTI`. */
  readonly statement: string;
  constructor(statement: string, message: string) {
    super('QueryRefused', message, { retryable: false });
    this.statement = statement;
  }
}

/**
 * The local query engine: an in-memory DuckDB whose schemas are the lake zones and whose tables
 * are views over the Parquet (or Bronze NDJSON) files under `root`, with the same Hive layout as
 * S3. Connections run in UTC and never download extensions. Writes go to `<root>/_staging/` and
 * each partition folder is swapped in by rename only after the whole result was written and read
 * back, so a failing query or a corrupt input never replaces good data.
 *
 * @example
 * ```ts
 * const engine = await DuckDbQueryEngine.open({ root: '.lakeops/lake', tables });
 * const rows = await engine.query('SELECT count(*) AS n FROM silver.fact_payments');
 * ```
 */
export class DuckDbQueryEngine implements QueryEngine {
  readonly root: string;
  readonly #tables: Map<string, TableDefinition>;
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  /** Per table: what its view reads now (`empty`, `files`, or `cache:<file signature>`). */
  readonly #viewState = new Map<string, string>();
  /** Per table: the body of its view as last created. */
  readonly #viewBody = new Map<string, string>();
  readonly #cacheNdjson: boolean;
  /** Per cached NDJSON table: the signature of each partition folder its cache holds. */
  readonly #cachedParts = new Map<string, Map<string, string>>();
  /** The folders of the cached NDJSON tables as last listed (read again only when changed). */
  readonly #listings: FolderListings;
  /**
   * Per cached NDJSON table with partitions: one cache table per value of its first partition key
   * (a day of Bronze), by folder (`dt=…`). The view is their UNION ALL with that key as a constant,
   * so a filter on the day skips the other days' tables entirely: DuckDB's zone maps cannot (they
   * keep 8-byte string prefixes, and every `2026-11-…` looks alike).
   */
  readonly #cacheTables = new Map<string, Map<string, string>>();
  #cacheTableCount = 0;
  /**
   * Per cached NDJSON table, per partition folder read line by line into its cache table: each
   * file's inode and the bytes of it the cache holds (whole lines). The local bus only appends to
   * its file of the hour, so a folder that changed that way is read from there on, not again.
   */
  readonly #cachedFiles = new Map<string, Map<string, Map<string, CachedFile>>>();
  readonly #readOnly: boolean;
  /**
   * Tables whose view found every declared column in the files: a write of this engine (which
   * writes every column) cannot change what the view reads, so it need not be described again.
   */
  readonly #complete = new Set<string>();
  /** Tables whose Parquet files all have one shape: their views read without `union_by_name`. */
  readonly #uniform = new Set<string>();
  /** Tables whose files could not be read at the last refresh, with the reason. */
  readonly #unreadable = new Map<string, Error>();
  #queue: Promise<void> = Promise.resolve();
  /**
   * Per partition folder this engine wrote (swapped in): the key-value metadata it gave the COPY
   * and the signature of the folder's files right after the swap. A later write of the same
   * folder whose files still have that signature takes the metadata from here instead of reading
   * the footers back (DuckDB writes no key-value metadata of its own: what `KV_METADATA` names is
   * all the files carry). Any other change to the folder's files changes the signature.
   */
  readonly #writtenKv = new Map<
    string,
    { readonly kv: Record<string, string>; readonly signature: string }
  >();
  readonly #membership: PartitionMembership | undefined;

  private constructor(
    options: DuckDbQueryEngineOptions,
    instance: DuckDBInstance,
    connection: DuckDBConnection,
  ) {
    this.root = options.root;
    this.#tables = new Map(options.tables.map((t) => [qualifiedName(t), t]));
    this.#cacheNdjson = options.cacheNdjson ?? true;
    this.#readOnly = options.access === 'read-only';
    this.#listings = new FolderListings(
      options.listingGraceMs === undefined ? {} : { graceMs: options.listingGraceMs },
    );
    this.#membership =
      options.membershipKey === undefined ? undefined : new PartitionMembership(options.membershipKey);
    this.#instance = instance;
    this.#connection = connection;
  }

  static async open(options: DuckDbQueryEngineOptions): Promise<DuckDbQueryEngine> {
    const settings: Record<string, string> = {};
    if (options.threads !== undefined) settings.threads = String(options.threads);
    const instance = await DuckDBInstance.create(':memory:', settings);
    const connection = await instance.connect();
    for (const statement of duckdbSession) await connection.run(statement);
    // Parquet footers are cached across statements (DuckDB re-reads a file changed since): the
    // purge and the models read the same files' metadata several times (a 22,000-file table's
    // count went from 7.6 s to 1.4 s on the second statement).
    await connection.run('SET parquet_metadata_cache = true');
    for (const zone of zones) await connection.run(`CREATE SCHEMA IF NOT EXISTS ${ident(zone)}`);
    if (options.access === 'read-only') {
      // Files only under the lake root; no extension installs, no ATTACH elsewhere, and a locked
      // configuration so no statement can undo it (DuckDB "Securing DuckDB" settings).
      await connection.run(`SET allowed_directories = [${literal(`${resolve(options.root)}${sep}`)}]`);
      await connection.run('SET enable_external_access = false');
      await connection.run('SET lock_configuration = true');
    }
    if (options.access !== 'read-only') {
      recoverSwaps(options.root, options.tables);
      sweepStagingLeftovers(options.root, Date.now());
    }
    return new DuckDbQueryEngine(options, instance, connection);
  }

  /** The folder of a table. */
  tableDir(table: Pick<TableDefinition, 'zone' | 'name'>): string {
    return join(this.root, table.zone, table.name);
  }

  async query(sql: string, options: QueryOptions = {}): Promise<Row[]> {
    return this.#query(sql, options);
  }

  /**
   * Runs `work` with a view of this engine whose statements look at the cached Bronze NDJSON files
   * once, on the first statement that reads them, and not again on each statement: every
   * statement of `work` reads one version of Bronze (files arriving meanwhile are read by the next
   * call), and a refresh of several tables does not list and stat Bronze before each of them.
   * Other callers of this engine are not affected. Parquet tables are looked at as always.
   *
   * @example
   * ```ts
   * await engine.withPinnedSources((pinned) => refreshNrtViews({ ...deps, engine: pinned }, input));
   * ```
   */
  async withPinnedSources<T>(work: (engine: QueryEngine) => Promise<T>): Promise<T> {
    const pinned = new Set<string>();
    return work({
      query: (sql, options = {}) => this.#query(sql, options, pinned),
      stream: (sql, options) => this.stream(sql, options),
      writePartitions: (input, options = {}) => this.#writePartitions(input, options, pinned),
      rewritePartitions: (input, options) => this.rewritePartitions(input, options),
      restorePartitions: (table, rewritten) => this.restorePartitions(table, rewritten),
      partitionsMayHold: (table, ids) => this.partitionsMayHold(table, ids),
      close: async () => undefined,
    });
  }

  async #query(sql: string, options: QueryOptions, pinned?: Set<string>): Promise<Row[]> {
    return this.#serial(async () => {
      if (this.#readOnly) await this.#checkReading(sql);
      await this.#refreshViews(sql, pinned);
      const reader = await this.#run(sql, options);
      const types = reader.columnTypes().map((t) => t.toString());
      const names = reader.columnNames();
      const rows = reader.convertRows(exactDecimals);
      return rows.map((values) => toRow(names, types, values));
    });
  }

  /**
   * Rows for a person to read, with each column's DuckDB type: DECIMAL values are exact strings
   * with their scale (`'12.50'`, not `12.5`), other values as `query` returns them.
   */
  async queryTable(sql: string, options: QueryOptions = {}): Promise<QueryTable> {
    return this.#serial(async () => {
      if (this.#readOnly) await this.#checkReading(sql);
      await this.#refreshViews(sql);
      const reader = await this.#run(sql, options);
      const types = reader.columnTypes().map((t) => t.toString());
      const names = reader.columnNames();
      const decimal = types.map((t) => t.startsWith('DECIMAL'));
      const exact = decimal.some(Boolean) ? reader.getRows() : [];
      const rows = reader.getRowsJS().map((values, r) =>
        toRow(
          names,
          types,
          values.map((v, i) => (decimal[i] && v !== null ? String(exact[r]?.[i]) : v)),
        ),
      );
      return { columns: names.map((name, i) => ({ name, type: types[i] ?? '' })), rows };
    });
  }

  /**
   * Rows chunk by chunk as DuckDB produces them. The connection stays busy until the iteration
   * ends (or breaks): other statements on this engine wait for it, so do not await one inside the loop.
   */
  async *stream(sql: string, options: QueryOptions = {}): AsyncIterable<Row> {
    const release = await this.#acquire();
    try {
      if (this.#readOnly) await this.#checkReading(sql);
      await this.#refreshViews(sql);
      const result = await this.#guard(() => this.#connection.stream(sql), options, sql);
      const names = result.columnNames();
      const types = result.columnTypes().map((t) => t.toString());
      for await (const rows of result.yieldConvertedRows(exactDecimals)) {
        if (options.signal?.aborted) throw new QueryCancelledError();
        for (const values of rows) yield toRow(names, types, values);
      }
    } finally {
      release();
    }
  }

  async writePartitions(
    input: WritePartitionsInput,
    options: QueryOptions = {},
  ): Promise<WritePartitionsResult> {
    return this.#writePartitions(input, options);
  }

  async #writePartitions(
    input: WritePartitionsInput,
    options: QueryOptions,
    pinned?: Set<string>,
  ): Promise<WritePartitionsResult> {
    const { table } = input;
    if (this.#readOnly)
      throw new QueryRefusedError(
        'WRITE',
        `this engine is read-only: ${qualifiedName(table)} is not written`,
      );
    if (table.format !== 'parquet')
      throw new QueryFailedError(`${qualifiedName(table)} is not a Parquet table`);
    return this.#serial(async () => {
      const sql = await this.#narrowReads(input.sql, input.reads);
      await this.#refreshViews(sql, pinned);
      const staging = join(this.root, '_staging', `${qualifiedName(table)}-${randomUUID()}`);
      // Synchronous: an async recursive mkdir of a folder that exists costs a thread-pool round
      // trip (≈ 0.7 ms), on every write.
      mkdirSync(table.partitionKeys.length ? join(this.root, '_staging') : staging, { recursive: true });
      try {
        const kv = await this.#keyValueMetadata(table, input.partitions);
        const copy = await this.#run(duckdbCopy(table, sql, staging, kv, { returnFiles: true }), options);
        const [count, files] = copy.getRowsJS()[0] ?? [];
        const rows = Number(count ?? 0);
        // The partitions written, from the files the COPY names (no listing of the staging folder).
        const staged = partitionsOfFiles(table, staging, Array.isArray(files) ? files.map(String) : []);
        // Read back what was written before anything is replaced.
        if (staged.length) {
          const glob = table.partitionKeys.length
            ? `${staging}/${table.partitionKeys.map((k) => `${k}=*`).join('/')}/*.parquet`
            : `${staging}/*.parquet`;
          const check = await this.#run(`SELECT count(*) FROM read_parquet(${literal(glob)})`, {});
          const readBack = Number(check.getRowsJS()[0]?.[0] ?? -1);
          if (readBack !== rows) {
            throw new QueryFailedError(
              `staged ${qualifiedName(table)} has ${readBack} rows, expected ${rows}`,
            );
          }
          await this.#writeMembership(
            table,
            staging,
            staged,
            `(${this.#parquetRelation(table, literal(glob))}) AS w`,
            options,
          );
        }
        return await this.#swapIn(table, staging, staged, input.partitions, rows, kv);
      } finally {
        // After a swap, only the emptied `k=v` folders are left here; synchronous, as one call
        // (the promise version walks the tree in several round trips through the thread pool).
        rmSync(staging, { recursive: true, force: true });
      }
    });
  }

  async rewritePartitions(
    input: RewritePartitionsInput,
    options: QueryOptions = {},
  ): Promise<RewrittenPartition[]> {
    const { table } = input;
    if (this.#readOnly)
      throw new QueryRefusedError(
        'WRITE',
        `this engine is read-only: ${qualifiedName(table)} is not written`,
      );
    if (table.format !== 'parquet')
      throw new QueryFailedError(`${qualifiedName(table)} is not a Parquet table`);
    return this.#serial(async () => {
      // The ids (or whatever `drop` reads) must be current; the table itself is read by folder.
      await this.#refreshViews(input.drop);
      const dir = this.tableDir(table);
      const path = (p: Partition) => partitionPath(table, p);
      const folders = input.partitions.map((p) => (path(p) ? join(dir, path(p)) : dir));
      const present: string[] = [];
      for (const folder of folders) if (await hasParquet(folder)) present.push(folder);
      if (!present.length) return [];
      const id = randomUUID().replaceAll('-', '');
      const staging = join(this.root, '_staging', `${qualifiedName(table)}-${id}`);
      await mkdir(table.partitionKeys.length ? join(this.root, '_staging') : staging, { recursive: true });
      try {
        // The old files are read twice, by DuckDB's Parquet reader straight from their folders:
        // once for the "before" figures and the kept values' sidecar hashes (one statement), once
        // by the COPY of the kept rows. A temporary table read once cost more than the second read
        // (10 M rows, one thread: 12.1 s of CPU against 10.4 s, see the core README) and held
        // every affected row in memory. The new files are profiled after the swap: a write that
        // differs from what was read fails the verification.
        const source = await this.#folderRelation(table, present);
        const dropped = `coalesce((${input.drop}), false)`;
        const marked = `(SELECT *, ${dropped} AS __drop FROM (${source}) AS s) AS r`;
        const membership = this.#membership && indexable(table) ? this.#membership : undefined;
        const keptValues = (c: string) =>
          `coalesce(list(DISTINCT CAST(${ident(c)} AS VARCHAR)) FILTER (WHERE NOT __drop AND ${ident(c)} IS NOT NULL), [])`;
        const values =
          table.userColumns.length === 1
            ? keptValues(table.userColumns[0] ?? '')
            : `list_distinct(flatten([${table.userColumns.map(keptValues).join(', ')}]))`;
        const profiled = await this.#guard(
          () =>
            this.#connection.runAndReadAll(
              profileSql(
                table,
                'duckdb',
                marked,
                '__drop',
                membership ? [`list_transform(${values}, __v -> ${membership.hashSql('__v')}) AS __hs`] : [],
              ),
              membership ? { ...membership.parameters } : {},
            ),
          options,
        );
        const beforeRows = profiled.getRowObjectsJS();
        const before = profiles(table, beforeRows);
        const kv = await this.#keyValueMetadata(
          table,
          table.partitionKeys.length ? input.partitions : undefined,
        );
        await this.#run(
          duckdbCopy(table, `SELECT * FROM (${source}) AS s WHERE NOT ${dropped}`, staging, kv),
          options,
        );
        const stagedList = await stagedPartitions(table, staging);
        // The new sidecars hold the kept rows' values only: a purged id is in none of them.
        if (membership) {
          const hashes = new Map<string, number[]>();
          for (const row of beforeRows) {
            const held = ((row.__hs ?? []) as unknown as readonly bigint[]).map(Number);
            if (held.length) hashes.set(partitionPath(table, partitionOfRow(table, row)), held);
          }
          try {
            await this.#writeSidecars(table, staging, stagedList, hashes);
          } catch {
            // As in `#writeMembership`: those folders stay without a sidecar (read by the purge).
          }
        }
        // Swap each partition in; its old folder moves (rename) under keepReplacedUnder.
        this.#forgetKv(table);
        const staged = new Set(stagedList.map(path));
        const kept = new Map<string, string>();
        for (const p of input.partitions) {
          const key = path(p);
          const backupKey = `${input.keepReplacedUnder.replace(/\/?$/, '/')}${table.zone}/${table.name}/${key ? `${key}/` : ''}`;
          const target = key ? join(dir, key) : dir;
          const backup = join(this.root, backupKey);
          const had = await exists(target);
          if (staged.has(key)) await swapDir(target, key ? join(staging, key) : staging, backup);
          else await moveDir(target, backup);
          if (had) kept.set(key, backupKey);
        }
        this.#wrote(table);
        const live = input.partitions
          .filter((p) => staged.has(path(p)))
          .map((p) => (path(p) ? join(dir, path(p)) : dir));
        const after = live.length
          ? profiles(
              table,
              await this.#rows(
                profileSql(table, 'duckdb', `(${this.#writtenRelation(table, live)}) AS a`, input.drop),
                options,
              ),
            )
          : new Map<string, PartitionProfileRow>();
        const none = { rows: 0, dropped: 0, checksum: '0' };
        return input.partitions
          .filter((p) => before.has(path(p)) || kept.has(path(p)))
          .map((p) => {
            const replacedKey = kept.get(path(p));
            return {
              partition: p,
              before: before.get(path(p)) ?? none,
              after: after.get(path(p)) ?? none,
              ...(replacedKey ? { replacedKey } : {}),
            };
          });
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    });
  }

  async restorePartitions(table: TableDefinition, rewritten: readonly RewrittenPartition[]): Promise<void> {
    await this.#serial(async () => {
      const dir = this.tableDir(table);
      for (const r of rewritten) {
        if (!r.replacedKey) continue;
        const key = partitionPath(table, r.partition);
        const backup = join(this.root, r.replacedKey);
        if (await exists(backup)) await swapDir(key ? join(dir, key) : dir, backup);
      }
      this.#forgetKv(table);
      this.#wrote(table);
    });
  }

  /** A relation over the Parquet files of these folders only: the table's columns (typed NULL when no file has one) and keys. */
  async #folderRelation(table: TableDefinition, folders: readonly string[]): Promise<string> {
    const below = table.partitionKeys.length ? '*.parquet' : '**/*.parquet';
    const files = `[${folders.map((f) => literal(`${f}/${below}`)).join(', ')}]`;
    const hive = table.partitionKeys.length
      ? `, hive_partitioning = true, hive_types = {${table.partitionKeys.map((k) => `${literal(k)}: 'VARCHAR'`).join(', ')}}`
      : ', hive_partitioning = false';
    const source = `read_parquet(${files}, union_by_name = true${hive})`;
    const described = await this.#connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    const present = new Set(described.getRowObjectsJS().map((r) => String(r.column_name)));
    const select = [
      ...table.columns.map((c) =>
        present.has(c.name)
          ? ident(c.name)
          : `CAST(NULL AS ${sqlType(c.type, 'duckdb')}) AS ${ident(c.name)}`,
      ),
      ...table.partitionKeys.map(ident),
    ];
    return `SELECT ${select.join(', ')} FROM ${source}`;
  }

  /**
   * `sql` with each reference `<zone>.<table>` of a table in `reads` replaced by a relation over
   * just the partition folders listed (`WritePartitionsInput.reads`): DuckDB lists every folder a
   * view's glob matches on each statement before its filter prunes any (1,464 partitions: 35 ms per
   * statement; one folder: under 1 ms), so a table's history would slow every statement reading a
   * partition of it. Only unquoted references in code are replaced (the models' spelling; not in
   * literals or comments: `replaceTableReferences`); another spelling reads the whole view, with the
   * same result. A listed folder that does not exist reads as empty.
   */
  async #narrowReads(sql: string, reads: WritePartitionsInput['reads']): Promise<string> {
    let out = sql;
    for (const { table, partitions } of reads ?? []) {
      const keys = table.partitionKeys;
      if (table.format !== 'parquet' || !keys.length) continue;
      if (!partitions.every((p) => keys.every((k) => p[k] !== undefined))) continue;
      const dir = this.tableDir(table);
      const folders = [...new Set(partitions.map((p) => join(dir, partitionPath(table, p))))].filter(
        hasParquetSync,
      );
      const name = qualifiedName(table);
      // Files of this engine's writes have every column in one shape (known once its view was
      // built); otherwise the folders' columns are looked up.
      const relation = !folders.length
        ? emptyRelation(table)
        : this.#uniform.has(name) && this.#complete.has(name)
          ? this.#writtenRelation(table, folders)
          : await this.#folderRelation(table, folders);
      out = replaceTableReferences(out, table, `(${relation.replaceAll('\n', ' ')})`);
    }
    return out;
  }

  /** The files this engine just wrote in these folders: every column, one shape (no schema look-up). */
  #writtenRelation(table: TableDefinition, folders: readonly string[]): string {
    const below = table.partitionKeys.length ? '*.parquet' : '**/*.parquet';
    return this.#parquetRelation(table, `[${folders.map((f) => literal(`${f}/${below}`)).join(', ')}]`);
  }

  /**
   * Optional capability of the port (`QueryEngine.partitionsMayHold`): the partitions of `table`
   * that may hold one of `ids` in a user column, from the membership sidecars this engine writes
   * (a partition without a valid sidecar is always one of them). Undefined when there is no
   * membership key, the table has none, or no partition could be ruled out: read them all.
   */
  async partitionsMayHold(
    table: TableDefinition,
    ids: readonly string[],
  ): Promise<PartitionSubset | undefined> {
    const membership = this.#membership;
    if (!membership || !indexable(table)) return undefined;
    return this.#serial(async () => {
      const dir = this.tableDir(table);
      const found = await membership.candidates(table, dir, ids);
      if (!found?.partitions.length) return found;
      // Their folders' files only: through the table's view, DuckDB would list every file of the
      // table and test the partition filter on each path first (≈ 0.5 s at 22,000 files).
      const folders = found.partitions.map((p) => join(dir, partitionPath(table, p)));
      return { partitions: found.partitions, from: `(${await this.#folderRelation(table, folders)})` };
    });
  }

  /**
   * Writes the membership sidecar of each staged partition folder (before it is swapped in, so the
   * swap moves both at once) from `relation` (the rows written, with the partition keys). Skipped
   * without a key, for a table it does not cover, or when the rows' partitions and the staged
   * folders disagree (a partition without a sidecar is read by the purge: never a miss). A failure
   * here leaves folders without sidecars and does not fail the write (only a cancellation does).
   */
  async #writeMembership(
    table: TableDefinition,
    staging: string,
    staged: readonly Partition[],
    relation: string,
    options: QueryOptions,
  ): Promise<void> {
    try {
      await this.#writeMembershipOf(table, staging, staged, relation, options);
    } catch (error) {
      if (error instanceof QueryCancelledError) throw error;
    }
  }

  async #writeMembershipOf(
    table: TableDefinition,
    staging: string,
    staged: readonly Partition[],
    relation: string,
    options: QueryOptions,
  ): Promise<void> {
    const membership = this.#membership;
    if (!membership || !indexable(table) || !staged.length) return;
    const keys = table.partitionKeys.map(ident);
    // As text, cast as the COPY casts a column to the declared string type; hashed by DuckDB.
    const values = table.userColumns.map(
      (c) => `SELECT ${[...keys, `CAST(${ident(c)} AS VARCHAR) AS __v`].join(', ')} FROM ${relation}`,
    );
    // Distinct values first (a user has many rows), then one hash per value and partition.
    const sql = `SELECT ${[...keys, `list(${membership.hashSql('__v')}) AS __hs`].join(', ')} FROM (SELECT DISTINCT ${[...keys, '__v'].join(', ')} FROM (${values.join(' UNION ALL ')}) AS u WHERE __v IS NOT NULL) AS d${keys.length ? ` GROUP BY ${keys.join(', ')}` : ''}`;
    const reader = await this.#guard(
      () => this.#connection.runAndReadAll(sql, { ...membership.parameters }),
      options,
      sql,
    );
    const hashes = new Map<string, number[]>();
    for (const row of reader.getRowObjectsJS()) {
      hashes.set(
        partitionPath(table, partitionOfRow(table, row)),
        ((row.__hs ?? []) as unknown as readonly bigint[]).map(Number),
      );
    }
    await this.#writeSidecars(table, staging, staged, hashes);
  }

  /**
   * Writes the sidecar of each staged folder from the hashes of its rows' values, by partition
   * path (a folder without an entry: no value). Writes none when a partition with values has no
   * staged folder (rows and folders disagree: the folders stay without sidecars, and are read).
   */
  async #writeSidecars(
    table: TableDefinition,
    staging: string,
    staged: readonly Partition[],
    hashes: ReadonlyMap<string, readonly number[]>,
  ): Promise<void> {
    const membership = this.#membership;
    if (!membership || !indexable(table) || !staged.length) return;
    const folders = new Set(staged.map((p) => partitionPath(table, p)));
    for (const key of hashes.keys()) if (!folders.has(key)) return;
    for (const key of folders) {
      if (key && !key.split('/').every((segment) => /^[^=]+=[A-Za-z0-9_.:-]+$/.test(segment))) continue;
      await membership.write(key ? join(staging, key) : staging, table.userColumns, hashes.get(key) ?? []);
    }
  }

  /** A relation over these Parquet files (a glob literal or a list of them), read by name without a schema look-up. */
  #parquetRelation(table: TableDefinition, files: string): string {
    const hive = table.partitionKeys.length
      ? `, hive_partitioning = true, hive_types = {${table.partitionKeys.map((k) => `${literal(k)}: 'VARCHAR'`).join(', ')}}`
      : ', hive_partitioning = false';
    const select = [...table.columns.map((c) => ident(c.name)), ...table.partitionKeys.map(ident)];
    return `SELECT ${select.join(', ')} FROM read_parquet(${files}${hive})`;
  }

  async #rows(sql: string, options: QueryOptions): Promise<Row[]> {
    const reader = await this.#run(sql, options);
    const types = reader.columnTypes().map((t) => t.toString());
    const names = reader.columnNames();
    return reader.convertRows(exactDecimals).map((values) => toRow(names, types, values));
  }

  /** After this engine wrote a table: its view is described again only if it lacked a column. */
  #wrote(table: TableDefinition): void {
    if (!this.#complete.has(qualifiedName(table))) this.#viewState.delete(qualifiedName(table));
  }

  /**
   * The Parquet key-value metadata of the files a write replaces (first value per key), so a
   * rewrite (a DSAR purge, a rebuild) keeps it. Unreadable files give none: the write decides.
   */
  async #keyValueMetadata(
    table: TableDefinition,
    owned: readonly Partition[] | undefined,
  ): Promise<Record<string, string>> {
    const dir = this.tableDir(table);
    const folders = owned?.length ? owned.map((p) => join(dir, partitionPrefixPath(table, p))) : [dir];
    const globs: string[] = [];
    const existing: string[] = [];
    for (const folder of folders) {
      if (await exists(folder)) {
        globs.push(literal(`${folder}/**/*.parquet`));
        existing.push(folder);
      }
    }
    if (!globs.length) return {};
    const known = await this.#knownKv(existing);
    if (known) return known;
    try {
      const r = await this.#connection.runAndReadAll(
        `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata([${globs.join(', ')}]) ORDER BY file_name`,
      );
      const out: Record<string, string> = {};
      for (const row of r.getRowObjectsJS()) {
        const k = String(row.k);
        if (!(k in out)) out[k] = String(row.v);
      }
      return out;
    } catch {
      return {};
    }
  }

  /**
   * The key-value metadata of these folders from what this engine wrote there, when every one of
   * them still holds exactly the files it swapped in; else undefined (the footers are read). First
   * value per key in file-name order, as the footer query gives it.
   */
  async #knownKv(folders: readonly string[]): Promise<Record<string, string> | undefined> {
    const parts: Record<string, string>[] = [];
    for (const folder of [...folders].sort()) {
      const entry = this.#writtenKv.get(folder);
      if (!entry || entry.signature !== folderSignature(folder)) return undefined;
      parts.push(entry.kv);
    }
    const out: Record<string, string> = {};
    for (const kv of parts) for (const [k, v] of Object.entries(kv)) if (!(k in out)) out[k] = v;
    return out;
  }

  /** Forgets the key-value metadata of a table's folders (written otherwise than by `#swapIn`). */
  #forgetKv(table: TableDefinition): void {
    const dir = this.tableDir(table);
    for (const folder of this.#writtenKv.keys()) {
      if (folder === dir || folder.startsWith(`${dir}${sep}`)) this.#writtenKv.delete(folder);
    }
  }

  async close(): Promise<void> {
    await this.#queue;
    this.#connection.closeSync();
    this.#instance.closeSync();
  }

  async #swapIn(
    table: TableDefinition,
    staging: string,
    staged: readonly Partition[],
    owned: readonly Partition[] | undefined,
    rows: number,
    kv: Record<string, string>,
  ): Promise<WritePartitionsResult> {
    const dir = this.tableDir(table);
    mkdirSync(dir, { recursive: true });
    if (!table.partitionKeys.length || owned === undefined) {
      this.#forgetKv(table);
      // The whole table: swap the folder.
      const previous = table.partitionKeys.length ? await stagedPartitions(table, dir) : [];
      await swapDir(dir, staging);
      await this.#afterWrite(table, staged.length > 0);
      const keep = new Set(staged.map((p) => partitionPath(table, p)));
      return { rows, written: staged, removed: previous.filter((p) => !keep.has(partitionPath(table, p))) };
    }
    const written: Partition[] = [];
    const removed: Partition[] = [];
    let writtenRows = rows;
    for (const prefix of owned) {
      // A prefix (e.g. `{ dt }` of a table by dt and city) is one folder: swapped as a whole.
      const key = partitionPrefixPath(table, prefix);
      const target = join(dir, key);
      const below = staged.filter((p) => isUnderPrefix(table, p, prefix));
      // The partitions the folder held before: only a prefix shorter than the partition keys has
      // several to list; a whole partition is the folder itself, if it existed.
      const whole = table.partitionKeys.every((k) => prefix[k] !== undefined);
      const before = whole
        ? existsSync(target)
          ? [prefix]
          : []
        : (await stagedPartitions(table, dir, key)).filter((p) => isUnderPrefix(table, p, prefix));
      this.#writtenKv.delete(target);
      if (below.length) {
        await swapDir(target, join(staging, key));
        this.#writtenKv.set(target, { kv, signature: folderSignature(target) });
        written.push(...below);
      } else if (whole ? before.length > 0 : await exists(target)) {
        await rm(target, { recursive: true, force: true });
      }
      const kept = new Set(below.map((p) => partitionPath(table, p)));
      removed.push(...before.filter((p) => !kept.has(partitionPath(table, p))));
    }
    const ignored = staged.filter((p) => !owned.some((prefix) => isUnderPrefix(table, p, prefix)));
    if (ignored.length) {
      const glob = ignored.map((p) => literal(`${staging}/${partitionPath(table, p)}/*.parquet`)).join(', ');
      const r = await this.#run(`SELECT count(*) FROM read_parquet([${glob}])`, {});
      writtenRows -= Number(r.getRowsJS()[0]?.[0] ?? 0);
    }
    await this.#afterWrite(table, written.length > 0);
    return { rows: writtenRows, written, removed };
  }

  /**
   * Points a table's view at its files after a write. The files just written carry every column of
   * the table, so the columns present in some file are all of them: no DESCRIBE over the table's
   * files, and no new view when it already reads them all. When nothing was written, or the table
   * was unreadable, the next statement that names it looks again.
   */
  async #afterWrite(table: TableDefinition, wrote: boolean): Promise<void> {
    const name = qualifiedName(table);
    if (!wrote || this.#unreadable.has(name)) {
      this.#viewState.delete(name);
      return;
    }
    const body = await this.#readFiles(table, undefined, new Set(table.columns.map((c) => c.name)));
    await this.#setView(table, body);
    this.#viewState.set(name, 'files');
  }

  /** `CREATE OR REPLACE VIEW <zone>.<table>`, skipped when the view already has this body. */
  async #setView(table: TableDefinition, body: string): Promise<void> {
    const name = qualifiedName(table);
    if (this.#viewBody.get(name) === body) return;
    this.#viewBody.delete(name);
    await this.#connection.run(`CREATE OR REPLACE VIEW ${ident(table.zone)}.${ident(table.name)} AS ${body}`);
    this.#viewBody.set(name, body);
  }

  /**
   * The read-only guard, decided by DuckDB's parser without binding or running anything: exactly
   * one statement, and it is a SELECT statement (`json_serialize_sql` serializes only those; DuckDB
   * parses WITH, DESCRIBE, SHOW, SUMMARIZE, FROM-first and VALUES as SELECT), or `EXPLAIN [ANALYZE]`
   * of one. Anything else is refused with its statement type.
   */
  async #checkReading(sql: string): Promise<void> {
    let count: number;
    try {
      count = sql.trim() === '' ? 0 : (await this.#connection.extractStatements(sql)).count;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new QueryFailedError(firstLine(message.replace(/^Failed to extract statements: /, '')), {
        cause: error,
      });
    }
    if (count === 0) throw new QueryRefusedError('EMPTY', 'no SQL statement to run');
    if (count > 1) {
      throw new QueryRefusedError(
        'MULTI',
        `one statement at a time (got ${count}): run each query on its own`,
      );
    }
    if (await this.#isSelect(sql)) return;
    const explain = /^\s*explain(?:\s+analyze)?\s+/i.exec(sql);
    if (explain && (await this.#isSelect(sql.slice(explain[0].length)))) return;
    const type = await statementTypeOf(sql);
    const allowed = `query is read-only (${readingStatements.join(', ')})`;
    throw new QueryRefusedError(
      type,
      (readingStatements as readonly string[]).includes(type)
        ? `${type} around a statement that is not a query is refused: ${allowed}`
        : `${type} statements are refused: ${allowed}`,
    );
  }

  /** True when DuckDB parses `sql` as exactly one SELECT statement (parsing only: nothing runs). */
  async #isSelect(sql: string): Promise<boolean> {
    const reader = await this.#connection.runAndReadAll(`SELECT json_serialize_sql(${literal(sql)})`);
    const parsed = JSON.parse(String(reader.getRowsJS()[0]?.[0] ?? '{}')) as {
      error?: boolean;
      statements?: unknown[];
    };
    return parsed.error !== true && parsed.statements?.length === 1;
  }

  /** Keeps one statement at a time on the connection (DuckDB connections are not concurrent). */
  async #serial<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.#acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  async #acquire(): Promise<() => void> {
    const previous = this.#queue;
    let release: () => void = () => undefined;
    this.#queue = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    return release;
  }

  async #run(sql: string, options: QueryOptions) {
    try {
      return await this.#guard(() => this.#connection.runAndReadAll(sql), options, sql);
    } catch (error) {
      // A view built for files of one shape met a file of another: rebuild the views, once.
      if (!/schema mismatch in glob/.test(String((error as { cause?: unknown }).cause ?? error))) throw error;
      this.#viewState.clear();
      await this.#refreshViews(sql);
      return this.#guard(() => this.#connection.runAndReadAll(sql), options, sql);
    }
  }

  async #guard<T>(work: () => Promise<T>, options: QueryOptions, sql = ''): Promise<T> {
    const { signal } = options;
    if (signal?.aborted) throw new QueryCancelledError();
    const onAbort = () => this.#connection.interrupt();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await work();
    } catch (error) {
      if (signal?.aborted) throw new QueryCancelledError('query cancelled', { cause: error });
      throw this.#mapError(error, sql);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #mapError(error: unknown, sql = ''): Error {
    const message = error instanceof Error ? error.message : String(error);
    const file = /["']([^"']+\.(?:parquet|json))["']/.exec(message)?.[1];
    if (
      file &&
      !/No such file|No files found/i.test(message) &&
      /magic bytes|corrupt|Invalid|Parquet|JSON|malformed/i.test(message)
    ) {
      const shown = file.startsWith(this.root) ? relative(this.root, file).split(sep).join('/') : file;
      return new PartitionCorruptError(shown, { cause: error, detail: firstLine(message) });
    }
    const missing = /Table with name ([\w"]+) does not exist/.exec(message);
    if (missing?.[1]) {
      const bare = missing[1].replaceAll('"', '');
      const zone = new RegExp(`\\b(\\w+)\\.${bare}\\b`).exec(sql)?.[1];
      return new TableUnknownError(zone ? `${zone}.${bare}` : bare, {
        known: [...this.#tables.keys()],
        cause: error,
      });
    }
    return new QueryFailedError(firstLine(message), { cause: error });
  }

  /**
   * Points each `<zone>.<table>` view at its files (or at an empty typed relation while it has
   * none). A table whose files cannot be read gets an empty view and its error is raised for any
   * statement that names it, so one corrupt file does not break queries on other tables.
   */
  async #refreshViews(sql: string, pinned?: Set<string>): Promise<void> {
    // The folder of every table the statement may read is looked at (a view must never lag its
    // files), the look-ups together: a table without a view yet, or whose name appears in the SQL
    // at all (any spelling of a reference to it holds its bare name; its view reads no other).
    // Synchronous look-ups (a few µs each; through the thread pool each costs a round trip, on
    // every statement).
    const looked = [...this.#tables].filter(
      ([name, table]) => !this.#viewState.has(name) || namesTable(sql, table.name),
    );
    const present = looked.map(([, t]) => hasDataSync(this.tableDir(t)));
    let index = 0;
    for (const [name, table] of looked) {
      const dir = this.tableDir(table);
      const hasFiles = present[index++] === true;
      const named = mentions(sql, name);
      let wanted: string;
      let parts: Map<string, string> | undefined;
      const cached = this.#viewState.get(name)?.startsWith('cache:') === true;
      if (!hasFiles) wanted = 'empty';
      else if (table.format === 'ndjson' && cached && named && pinned?.has(name)) continue;
      else if (table.format === 'ndjson' && this.#cacheNdjson && named) {
        parts = await this.#listings.signatures(dir, table.partitionKeys, '.json');
        pinned?.add(name);
        wanted = `cache:${combined(parts)}`;
      } else if (table.format === 'ndjson' && cached) continue;
      else wanted = 'files';
      if (this.#viewState.get(name) === wanted) continue;
      let body: string;
      try {
        if (wanted === 'empty') body = emptyRelation(table);
        else if (wanted === 'files') body = await this.#readFiles(table);
        else {
          // Bronze NDJSON is parsed once into memory and reused until its files change: the Silver
          // models each read it, and parsing JSON dominates their cost. When some partition
          // folders changed (new events in today's hour), only those are parsed again, as Athena
          // reads only the partitions a query's filter names.
          const held = this.#viewState.get(name)?.startsWith('cache:')
            ? this.#cachedParts.get(name)
            : undefined;
          const next = parts ?? new Map<string, string>();
          this.#cachedParts.delete(name);
          if (table.partitionKeys.length) body = await this.#syncCacheTables(name, table, held, next);
          else {
            const cache = ident(`__cache_${table.zone}_${table.name}`);
            await this.#connection.run(`CREATE OR REPLACE TABLE ${cache} AS ${await this.#readFiles(table)}`);
            body = `SELECT * FROM ${cache}`;
          }
          this.#cachedParts.set(name, next);
        }
        this.#unreadable.delete(name);
        this.#viewState.set(name, wanted);
      } catch (error) {
        this.#unreadable.set(name, this.#mapError(error));
        this.#viewState.delete(name);
        body = emptyRelation(table);
      }
      await this.#setView(table, body);
    }
    for (const [name, error] of this.#unreadable) {
      if (mentions(sql, name)) throw error;
    }
  }

  /**
   * Brings the per-day cache tables of a partitioned NDJSON table in step with its folders (`next`,
   * signature per partition folder) from what they hold (`held`; undefined: nothing trusted, every
   * day read again): a day with a changed folder has that folder's rows deleted and read again, a
   * new day is read into a new table, a day without folders is dropped. Returns the view body.
   */
  async #syncCacheTables(
    name: string,
    table: TableDefinition,
    held: ReadonlyMap<string, string> | undefined,
    next: ReadonlyMap<string, string>,
  ): Promise<string> {
    const dayOf = (folder: string) => folder.split('/')[0] ?? folder;
    let days = held ? this.#cacheTables.get(name) : undefined;
    if (!held || !days) {
      for (const old of this.#cacheTables.get(name)?.values() ?? []) {
        await this.#connection.run(`DROP TABLE IF EXISTS ${ident(old)}`);
      }
      days = new Map();
      this.#cachedFiles.delete(name);
    }
    this.#cacheTables.set(name, days);
    let files = this.#cachedFiles.get(name);
    if (!files) {
      files = new Map();
      this.#cachedFiles.set(name, files);
    }
    const forgetDay = (day: string) => {
      for (const f of files.keys()) if (dayOf(f) === day) files.delete(f);
    };
    const before = held ?? new Map<string, string>();
    const changed = new Set<string>();
    for (const [folder, sig] of next) if (before.get(folder) !== sig) changed.add(dayOf(folder));
    for (const [folder, sig] of before) if (next.get(folder) !== sig) changed.add(dayOf(folder));
    for (const day of [...changed].sort()) {
      const cache = days.get(day);
      const folders = [...next.keys()].filter((f) => dayOf(f) === day);
      if (!folders.length) {
        if (cache !== undefined) await this.#connection.run(`DROP TABLE IF EXISTS ${ident(cache)}`);
        days.delete(day);
        forgetDay(day);
      } else if (cache === undefined) {
        const created = `__cache_${table.zone}_${table.name}_${++this.#cacheTableCount}`;
        forgetDay(day);
        try {
          await this.#connection.run(
            `CREATE TABLE ${ident(created)} AS ${await this.#readFiles(table, day)}`,
          );
        } catch (error) {
          // A line still being written (the local bus appends whole lines, but a read can meet one
          // half there, as at a new day's first event): the day is read line by line instead, up
          // to each file's last newline, and the rest once it is complete. Any other error, or one
          // the whole lines still give (a malformed line), is this error, naming the lake's file.
          if (this.#readOnly || !/Malformed JSON/i.test(String(error))) throw error;
          const read = new Map(
            folders.map((f) => [f, readNewLines(join(this.tableDir(table), f), undefined)] as const),
          );
          await this.#readLines(`CREATE TABLE ${ident(created)} AS`, table, day, read).catch(() => {
            throw error;
          });
          for (const [folder, lines] of read) files.set(folder, lines.files);
        }
        days.set(day, created);
      } else {
        const where = (folder: string) =>
          table.partitionKeys
            .map((k) => `${ident(k)} = ${literal(parsePartitionPath(folder)[k] ?? '')}`)
            .join(' AND ');
        for (const folder of before.keys()) {
          if (dayOf(folder) !== day || next.has(folder)) continue;
          await this.#connection.run(`DELETE FROM ${ident(cache)} WHERE ${where(folder)}`);
          files.delete(folder);
        }
        for (const folder of folders) {
          if (before.has(folder) && before.get(folder) === next.get(folder)) continue;
          // Appended to since it was read line by line: only the new lines. Otherwise (first
          // change after the day was loaded whole, a file replaced, truncated or removed) the
          // folder's rows go and all its lines are read again. A read-only engine writes no
          // scratch file: it reads the folder's files again whole.
          const read = this.#readOnly
            ? undefined
            : readNewLines(join(this.tableDir(table), folder), files.get(folder));
          if (!read?.appended && before.has(folder)) {
            await this.#connection.run(`DELETE FROM ${ident(cache)} WHERE ${where(folder)}`);
          }
          if (!read) {
            await this.#connection.run(`INSERT INTO ${ident(cache)} ${await this.#readFiles(table, folder)}`);
            continue;
          }
          files.set(folder, read.files);
          if (read.bytes.length) {
            await this.#readLines(`INSERT INTO ${ident(cache)}`, table, folder, new Map([[folder, read]]));
          }
        }
      }
    }
    if (!days.size) return emptyRelation(table);
    const [first, ...rest] = table.partitionKeys;
    const columns = table.columns.map((c) => ident(c.name));
    return [...days]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([day, cache]) => {
        const value = literal(parsePartitionPath(day)[first ?? ''] ?? '');
        const keys = [`${value} AS ${ident(first ?? '')}`, ...rest.map(ident)];
        return `SELECT ${[...columns, ...keys].join(', ')} FROM ${ident(cache)}`;
      })
      .join('\nUNION ALL\n');
  }

  /**
   * Runs `statement` (`INSERT INTO <cache>`, `CREATE TABLE <cache> AS`) over NDJSON lines read from
   * partition folders (by folder `k=v/…`, under `under`: one folder, or a day): written to files of
   * their own under `_staging`, in the folders' paths (which give the partition values), and read
   * as the table's files are.
   */
  async #readLines(
    statement: string,
    table: TableDefinition,
    under: string,
    lines: ReadonlyMap<string, { readonly bytes: Buffer }>,
  ): Promise<void> {
    const scratch = join(this.root, '_staging', `ndjson-${randomUUID()}`);
    try {
      mkdirSync(join(scratch, under), { recursive: true });
      for (const [folder, { bytes }] of lines) {
        mkdirSync(join(scratch, folder), { recursive: true });
        writeFileSync(join(scratch, folder, 'lines.json'), bytes);
      }
      await this.#connection.run(`${statement} ${await this.#readFiles(table, under, undefined, scratch)}`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  /**
   * A SELECT over the table's files, or over those under one partition folder (`dt=…/hour=…`, or
   * a leading part of it such as `dt=…`); `dir` is the table's folder unless given.
   */
  async #readFiles(
    table: TableDefinition,
    folder?: string,
    columnsPresent?: ReadonlySet<string>,
    dir = this.tableDir(table),
  ): Promise<string> {
    const levels =
      folder === undefined
        ? table.partitionKeys.map((k) => `${k}=*`)
        : [folder, ...table.partitionKeys.slice(folder.split('/').length).map((k) => `${k}=*`)];
    const ext = table.format === 'ndjson' ? 'json' : 'parquet';
    const glob = literal([dir, ...levels, `*.${ext}`].join('/'));
    const hive = table.partitionKeys.length
      ? `, hive_partitioning = true, hive_types = {${table.partitionKeys.map((k) => `${literal(k)}: 'VARCHAR'`).join(', ')}}`
      : ', hive_partitioning = false';
    if (table.format === 'ndjson') {
      const select = [
        ...table.columns.map((c) => `${ident(c.sourceName ?? c.name)} AS ${ident(c.name)}`),
        ...table.partitionKeys.map(ident),
      ].join(', ');
      // Explicit columns: unknown fields are ignored, missing ones read as NULL, and a nested JSON
      // value read as VARCHAR keeps its JSON text.
      const columns = table.columns
        .map((c) => `${literal(c.sourceName ?? c.name)}: ${literal(sqlType(c.type, 'duckdb'))}`)
        .join(', ');
      return `SELECT ${select} FROM read_json(${glob}, format = 'newline_delimited', columns = {${columns}}${hive})`;
    }
    // One look at every file's schema. When all files have the same columns and types (this
    // engine's writes always do), the view reads them by name without `union_by_name`, whose bind
    // reads every file's footer again on each statement (about 4 s per statement at 22,000 files).
    // A file of another shape written later makes that view fail with a schema mismatch, on which
    // the views are rebuilt (`#run`). Otherwise, columns some files lack read as typed NULLs.
    // Right after this engine's own write (`columnsPresent` given), the table keeps the shape it had:
    // the files written carry every column with the catalog's types.
    const name = qualifiedName(table);
    let uniform = columnsPresent !== undefined && this.#uniform.has(name);
    if (!uniform) {
      const shapes = await this.#connection.runAndReadAll(
        `SELECT count(DISTINCT shape) AS n FROM (SELECT file_name, string_agg(concat_ws(':', name, type, converted_type, logical_type, repetition_type), ',' ORDER BY name) AS shape FROM parquet_schema(${glob}) GROUP BY file_name)`,
      );
      uniform = Number(shapes.getRowsJS()[0]?.[0] ?? 0) === 1;
      if (uniform) this.#uniform.add(name);
      else this.#uniform.delete(name);
    }
    const source = `read_parquet(${glob}${uniform ? '' : ', union_by_name = true'}${hive})`;
    const present =
      columnsPresent ??
      new Set(
        (await this.#connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`))
          .getRowObjectsJS()
          .map((r) => String(r.column_name)),
      );
    if (table.columns.every((c) => present.has(c.name))) this.#complete.add(name);
    else this.#complete.delete(name);
    const select = [
      ...table.columns.map((c) =>
        present.has(c.name)
          ? ident(c.name)
          : `CAST(NULL AS ${sqlType(c.type, 'duckdb')}) AS ${ident(c.name)}`,
      ),
      ...table.partitionKeys.map(ident),
    ].join(', ');
    return `SELECT ${select} FROM ${source}`;
  }
}

/**
 * A refused statement's type, as DuckDB names it: prepared (bound, never run) in a throwaway
 * in-memory database that may touch no file. When it does not bind there (it names a lake table, or
 * a file), its first keyword. Only for the message: the decision to refuse is already made.
 */
async function statementTypeOf(sql: string): Promise<string> {
  const keyword = /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? 'UNKNOWN';
  const sandbox = await DuckDBInstance.create(':memory:', {
    enable_external_access: 'false',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await sandbox.connect();
  try {
    const prepared = await (await connection.extractStatements(sql)).prepare(0);
    const type = StatementType[prepared.statementType] ?? keyword;
    return type === keyword || type === 'SELECT' ? keyword : `${keyword} (${type})`;
  } catch {
    return keyword;
  } finally {
    connection.closeSync();
    sandbox.closeSync();
  }
}

/** Whether a table's bare name appears in the SQL as a word, in any case (quoted or not). */
function namesTable(sql: string, bare: string): boolean {
  return new RegExp(`\\b${bare.replace(/[^\w]/g, '\\$&')}\\b`, 'i').test(sql);
}

function mentions(sql: string, name: string): boolean {
  return new RegExp(`\\b${name.replace('.', '\\.')}\\b`).test(sql);
}

/**
 * The Parquet files below a folder (not in hidden or `_` folders), each with its inode, size and
 * modification time: changes when any file is added, removed, replaced or rewritten. Synchronous
 * (a partition folder holds a few files; through the thread pool each call costs a round trip).
 */
function folderSignature(folder: string): string {
  let entries: string[];
  try {
    entries = readdirSync(folder, { recursive: true }) as string[];
  } catch {
    entries = [];
  }
  const files = entries
    .filter((e) => e.endsWith('.parquet') && !e.split(sep).some((part) => /^[._]/.test(part)))
    .sort();
  return files
    .map((f) => {
      const info = statSync(join(folder, f), { throwIfNoEntry: false });
      return `${f}:${info?.ino}:${info?.size}:${info?.mtimeMs}`;
    })
    .join('\n');
}

/** One signature for a whole table from its partition signatures. */
function combined(parts: ReadonlyMap<string, string>): string {
  const text = [...parts].map(([folder, sig]) => `${folder}:${sig}`).join('\n');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function emptyRelation(table: TableDefinition): string {
  const columns = [
    ...table.columns.map((c) => `CAST(NULL AS ${sqlType(c.type, 'duckdb')}) AS ${ident(c.name)}`),
    ...table.partitionKeys.map((k) => `CAST(NULL AS VARCHAR) AS ${ident(k)}`),
  ];
  return `SELECT ${columns.join(', ')} WHERE false`;
}

/** DuckDB's JS values, except DECIMAL: its exact text through `decimalValue`, as Athena's adapter returns it. */
const exactDecimals: DuckDBValueConverter<JS> = (value, type, converter) =>
  type.typeId === DuckDBTypeId.DECIMAL && value !== null
    ? decimalValue(String(value))
    : JSDuckDBValueConverter(value, type, converter);

function toRow(names: readonly string[], types: readonly string[], values: readonly unknown[]): Row {
  const row: Record<string, SqlValue> = {};
  names.forEach((name, i) => {
    row[name] = toSqlValue(values[i], types[i] ?? '');
  });
  return row;
}

function toSqlValue(value: unknown, type: string): SqlValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) return type === 'DATE' ? value.toISOString().slice(0, 10) : value.toISOString();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}

interface PartitionProfileRow {
  readonly rows: number;
  readonly dropped: number;
  readonly checksum: string;
}

/** The partition a result row belongs to, from its partition key columns. */
function partitionOfRow(table: TableDefinition, row: Readonly<Record<string, unknown>>): Partition {
  return Object.fromEntries(table.partitionKeys.map((k) => [k, String(row[k])]));
}

/** `profileSql` rows by partition path. */
function profiles(
  table: TableDefinition,
  rows: readonly Readonly<Record<string, unknown>>[],
): Map<string, PartitionProfileRow> {
  const out = new Map<string, PartitionProfileRow>();
  for (const r of rows) {
    out.set(partitionPath(table, partitionOfRow(table, r)), {
      rows: Number(r.rows_total ?? 0),
      dropped: Number(r.rows_dropped ?? 0),
      checksum: String(r.kept_checksum ?? '0'),
    });
  }
  return out;
}

/** Tables with membership sidecars: Parquet, with user columns, all of them strings (compared as text). */
function indexable(table: TableDefinition): boolean {
  return (
    table.format === 'parquet' &&
    table.userColumns.length > 0 &&
    table.userColumns.every((c) => table.columns.find((d) => d.name === c)?.type === 'string')
  );
}

/** True when a folder holds a Parquet file (below it, for an unpartitioned table's folder). */
async function hasParquet(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.some((e) => e.endsWith('.parquet') && !e.split(sep).some((part) => /^[._]/.test(part)));
}

/**
 * The partitions of the files a COPY wrote under `staging` (its `RETURN_FILES` list), sorted,
 * each once; an unpartitioned table has the one partition `{}` when a file was written.
 */
function partitionsOfFiles(table: TableDefinition, staging: string, files: readonly string[]): Partition[] {
  if (!table.partitionKeys.length) return files.length ? [{}] : [];
  const folders = new Set<string>();
  for (const file of files) {
    const parts = relative(staging, file).split(sep).slice(0, -1);
    if (parts.length === table.partitionKeys.length) folders.add(parts.join('/'));
  }
  return [...folders].sort().map(parsePartitionPath);
}

/**
 * Puts back the folders a write killed in the middle of its swap left missing (their old version
 * is beside them, `.replaced-<name>`), and removes the old versions a killed write left behind
 * after its swap, for every Parquet table: one listing of each zone, table and (tables with two
 * partition keys) first-level partition folder.
 */
function recoverSwaps(root: string, tables: readonly TableDefinition[]): void {
  const parquet = tables.filter((t) => t.format === 'parquet');
  for (const zone of new Set(parquet.map((t) => t.zone))) recoverInterruptedSwaps(join(root, zone), 0);
  for (const t of parquet) {
    recoverInterruptedSwaps(join(root, t.zone, t.name), Math.max(0, t.partitionKeys.length - 1));
  }
}

/** True when a partition folder holds a Parquet file directly, synchronously (a few µs). */
function hasParquetSync(dir: string): boolean {
  try {
    return readdirSync(dir).some((e) => e.endsWith('.parquet') && !/^[._]/.test(e));
  } catch {
    return false;
  }
}

/** True when the table folder holds at least one data entry (not staging or hidden files). */
async function hasData(dir: string): Promise<boolean> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.some((e) => !e.startsWith('.') && !e.startsWith('_'));
}

/** `hasData`, synchronously. */
function hasDataSync(dir: string): boolean {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return false;
  }
  return entries.some((e) => !e.startsWith('.') && !e.startsWith('_'));
}

/**
 * The partitions present under a folder, from its `k=v/…` sub-folders; with `under` (a partition
 * prefix path such as `dt=…`), only those below that prefix.
 */
async function stagedPartitions(table: TableDefinition, dir: string, under = ''): Promise<Partition[]> {
  if (!table.partitionKeys.length) return (await hasData(dir)) ? [{}] : [];
  const depth = under ? under.split('/').length : 0;
  let paths = [under];
  for (const key of table.partitionKeys.slice(depth)) {
    const next: string[] = [];
    for (const path of paths) {
      const entries = await readdir(join(dir, path)).catch(() => [] as string[]);
      for (const e of entries.sort()) if (e.startsWith(`${key}=`)) next.push(path ? `${path}/${e}` : e);
    }
    paths = next;
  }
  return paths.map(parsePartitionPath);
}

/**
 * What a cache table holds of one NDJSON file: its inode, its bytes up to the end of a line
 * (`consumed`), and the last bytes before that (`tail`, up to 64), which a file only appended to
 * still has there.
 */
interface CachedFile {
  readonly ino: number;
  readonly consumed: number;
  readonly tail: Buffer;
}

const tailBytes = 64;

/** `length` bytes of an open file from `position` (fewer at its end). */
function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(Math.max(0, length));
  let done = 0;
  while (done < buffer.length) {
    const n = readSync(fd, buffer, done, buffer.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return buffer.subarray(0, done);
}

/**
 * The NDJSON lines of a partition folder not yet read, given what was read of each file before
 * (`known`). `appended` when every file read before is still there, the same file (inode), at
 * least as long, with the same bytes just before where the read stopped: then `bytes` are the
 * lines after that, and those of new files. Otherwise (a file replaced, truncated, rewritten in
 * place or removed) `bytes` are all the folder's lines. A line still being written (no newline
 * yet) is left for the next read. Files ending in `.json`, hidden and `_` names skipped, in name
 * order.
 */
function readNewLines(
  folder: string,
  known: ReadonlyMap<string, CachedFile> | undefined,
): { appended: boolean; bytes: Buffer; files: Map<string, CachedFile> } {
  let names: string[];
  try {
    names = readdirSync(folder)
      .filter((n) => n.endsWith('.json') && !/^[._]/.test(n))
      .sort();
  } catch {
    names = [];
  }
  const open = (name: string): number | undefined => {
    try {
      return openSync(join(folder, name), 'r');
    } catch {
      return undefined;
    }
  };
  const unchangedBefore = (name: string, file: CachedFile): boolean => {
    const fd = open(name);
    if (fd === undefined) return false;
    try {
      const info = fstatSync(fd);
      if (!info.isFile() || info.ino !== file.ino || info.size < file.consumed) return false;
      const from = file.consumed - file.tail.length;
      return readAt(fd, from, file.tail.length).equals(file.tail);
    } finally {
      closeSync(fd);
    }
  };
  const appended =
    known !== undefined &&
    [...known].every(([name, file]) => names.includes(name) && unchangedBefore(name, file));
  const chunks: Buffer[] = [];
  const files = new Map<string, CachedFile>();
  for (const name of names) {
    const fd = open(name);
    if (fd === undefined) continue;
    try {
      const info = fstatSync(fd);
      const start = appended ? (known?.get(name)?.consumed ?? 0) : 0;
      const bytes = readAt(fd, start, info.size - start);
      const end = bytes.lastIndexOf(0x0a) + 1;
      if (end > 0) chunks.push(bytes.subarray(0, end));
      const consumed = start + end;
      const from = Math.max(0, consumed - tailBytes);
      const tail =
        from >= start ? Buffer.from(bytes.subarray(from - start, end)) : readAt(fd, from, consumed - from);
      files.set(name, { ino: info.ino, consumed, tail });
    } finally {
      closeSync(fd);
    }
  }
  return { appended, bytes: Buffer.concat(chunks), files };
}
