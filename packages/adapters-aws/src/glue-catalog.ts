import {
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  BatchGetPartitionCommand,
  BatchUpdatePartitionCommand,
  CreatePartitionCommand,
  DeletePartitionCommand,
  GetPartitionCommand,
  GetPartitionsCommand,
  GetTableCommand,
  type GlueClient,
  type StorageDescriptor,
  type Table,
  type TableInput,
  UpdatePartitionCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import {
  type Catalog,
  type Partition,
  partitionPath,
  qualifiedName,
  type TableDefinition,
  TableUnknownError,
  type Zone,
} from '@lakeops/core';
import { glueDatabaseName } from '@lakeops/lake/glue-databases';
import { awsFailure, PartitionBatchFailedError } from './aws-errors.ts';

const isNotFound = (e: unknown) => (e as { name?: string }).name === 'EntityNotFoundException';
const isAlreadyThere = (e: unknown) => (e as { name?: string }).name === 'AlreadyExistsException';

/**
 * The Glue Data Catalog as the lake's `Catalog`: table definitions come from the repository (the
 * same data as locally), partitions and their locations from Glue. Switching a rebuilt partition
 * is one `UpdatePartition` of its location: readers see the old files or the new, never a mix.
 *
 * @example
 * ```ts
 * const catalog = new GlueCatalog({ client: new GlueClient({}), tables, database: (zone) => `lakeops_${zone}` });
 * ```
 */
export class GlueCatalog implements Catalog, PartitionBatches {
  readonly #client: GlueClient;
  readonly #tables: Map<string, TableDefinition>;
  readonly #database: (zone: Zone) => string;

  constructor(options: {
    client: GlueClient;
    tables: readonly TableDefinition[];
    /** The stage's Glue database prefix (`glueDatabasePrefix(stage)`): zone `silver` → `<prefix>_silver`. */
    databasePrefix?: string;
    /** Or any zone → database mapping; the zone name itself by default. */
    database?: (zone: Zone) => string;
  }) {
    this.#client = options.client;
    this.#tables = new Map(options.tables.map((t) => [qualifiedName(t), t]));
    const prefix = options.databasePrefix;
    this.#database =
      options.database ?? (prefix === undefined ? (zone) => zone : (zone) => glueDatabaseName(prefix, zone));
  }

  async tables(): Promise<TableDefinition[]> {
    return [...this.#tables.values()];
  }

  async table(name: string): Promise<TableDefinition> {
    const table = this.#tables.get(name);
    if (!table) throw new TableUnknownError(name, { known: [...this.#tables.keys()] });
    return table;
  }

  async partitions(name: string): Promise<Partition[]> {
    const table = await this.table(name);
    if (!table.partitionKeys.length) return [];
    const out: Partition[] = [];
    let token: string | undefined;
    do {
      const page = await this.#send('GetPartitions', () =>
        this.#client.send(
          new GetPartitionsCommand({ ...this.#ids(table), ...(token ? { NextToken: token } : {}) }),
        ),
      );
      for (const p of page.Partitions ?? []) out.push(this.#partitionOf(table, p.Values ?? []));
      token = page.NextToken;
    } while (token);
    const key = (p: Partition) => table.partitionKeys.map((k) => p[k]).join('/');
    return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  async partitionLocation(name: string, partition: Partition): Promise<string | undefined> {
    const table = await this.table(name);
    if (!table.partitionKeys.length) {
      // The partition `{}` of an unpartitioned table is the table: Glue has no partition to get.
      try {
        const found = await this.#client.send(
          new GetTableCommand({ DatabaseName: this.#db(table), Name: table.name }),
        );
        return found.Table?.StorageDescriptor?.Location;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw awsFailure(`Glue GetTable on ${name}`, error);
      }
    }
    try {
      const found = await this.#client.send(
        new GetPartitionCommand({ ...this.#ids(table), PartitionValues: this.#values(table, partition) }),
      );
      return found.Partition?.StorageDescriptor?.Location;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw awsFailure(`Glue GetPartition on ${name}`, error);
    }
  }

  async setPartitionLocation(name: string, partition: Partition, location: string): Promise<void> {
    const table = await this.table(name);
    const current = await this.#send('GetTable', () =>
      this.#client.send(new GetTableCommand({ DatabaseName: this.#db(table), Name: table.name })),
    );
    const glueTable = current.Table;
    if (!glueTable) throw new TableUnknownError(name);
    const storage: StorageDescriptor = { ...glueTable.StorageDescriptor, Location: location };
    if (!table.partitionKeys.length) {
      await this.#send('UpdateTable', () =>
        this.#client.send(
          new UpdateTableCommand({
            DatabaseName: this.#db(table),
            // UpdateTable replaces the whole definition: every writable field goes back as read.
            TableInput: { ...tableInputOf(glueTable), Name: table.name, StorageDescriptor: storage },
          }),
        ),
      );
      return;
    }
    const values = this.#values(table, partition);
    const input = { Values: values, StorageDescriptor: storage };
    try {
      await this.#client.send(new CreatePartitionCommand({ ...this.#ids(table), PartitionInput: input }));
    } catch (error) {
      if (!isAlreadyThere(error)) throw awsFailure(`Glue CreatePartition on ${name}`, error);
      await this.#send('UpdatePartition', () =>
        this.#client.send(
          new UpdatePartitionCommand({
            ...this.#ids(table),
            PartitionValueList: values,
            PartitionInput: input,
          }),
        ),
      );
    }
  }

  async dropPartition(name: string, partition: Partition): Promise<void> {
    const table = await this.table(name);
    try {
      await this.#client.send(
        new DeletePartitionCommand({ ...this.#ids(table), PartitionValues: this.#values(table, partition) }),
      );
    } catch (error) {
      if (isNotFound(error)) return;
      throw awsFailure(`Glue DeletePartition on ${name}`, error);
    }
  }

  async partitionLocations(name: string): Promise<ReadonlyMap<string, string>> {
    const table = await this.table(name);
    const out = new Map<string, string>();
    if (!table.partitionKeys.length) return out;
    let token: string | undefined;
    do {
      const page = await this.#send('GetPartitions', () =>
        this.#client.send(
          new GetPartitionsCommand({ ...this.#ids(table), ...(token ? { NextToken: token } : {}) }),
        ),
      );
      for (const p of page.Partitions ?? []) {
        const location = p.StorageDescriptor?.Location;
        if (location) out.set(partitionPath(table, this.#partitionOf(table, p.Values ?? [])), location);
      }
      token = page.NextToken;
    } while (token);
    return out;
  }

  /**
   * The locations of these partitions, by partition path: `BatchGetPartition`, at most 1,000 per
   * call, its `UnprocessedKeys` asked again (up to 5 rounds, then `PartitionBatchFailed`). A
   * partition Glue does not have is left out. For a few partitions of a big table: `GetPartitions`
   * pages through all of them.
   */
  async partitionLocationsOf(
    name: string,
    partitions: readonly Partition[],
  ): Promise<ReadonlyMap<string, string>> {
    const table = await this.table(name);
    const out = new Map<string, string>();
    if (!table.partitionKeys.length) return out;
    for (const group of chunk(partitions, maxPartitionsPerBatchGet)) {
      let ask = group.map((p) => ({ Values: this.#values(table, p) }));
      for (let round = 0; ask.length; round++) {
        if (round === 5)
          throw new PartitionBatchFailedError(
            `${this.#db(table)}.${table.name}`,
            ask.map((k) => ({
              values: k.Values,
              code: 'ThrottlingException',
              message: 'unprocessed after 5 rounds',
            })),
          );
        const page = await this.#send('BatchGetPartition', () =>
          this.#client.send(new BatchGetPartitionCommand({ ...this.#ids(table), PartitionsToGet: ask })),
        );
        for (const p of page.Partitions ?? []) {
          const location = p.StorageDescriptor?.Location;
          if (location) out.set(partitionPath(table, this.#partitionOf(table, p.Values ?? [])), location);
        }
        ask = (page.UnprocessedKeys ?? []).map((k) => ({ Values: k.Values ?? [] }));
      }
    }
    return out;
  }

  async setPartitionLocations(
    name: string,
    entries: readonly { partition: Partition; location: string }[],
  ): Promise<void> {
    const table = await this.table(name);
    if (!entries.length) return;
    const current = await this.#send('GetTable', () =>
      this.#client.send(new GetTableCommand({ DatabaseName: this.#db(table), Name: table.name })),
    );
    const input = (e: { partition: Partition; location: string }) => ({
      Values: this.#values(table, e.partition),
      StorageDescriptor: { ...current.Table?.StorageDescriptor, Location: e.location },
    });
    // BatchCreatePartition: at most 100 partitions; per-entry errors in `Errors`.
    const existing: { partition: Partition; location: string }[] = [];
    const failed: { values: readonly string[]; code: string; message: string }[] = [];
    for (const batch of chunk(entries, maxPartitionsPerBatchCreate)) {
      const answer = await this.#send('BatchCreatePartition', () =>
        this.#client.send(
          new BatchCreatePartitionCommand({ ...this.#ids(table), PartitionInputList: batch.map(input) }),
        ),
      );
      for (const e of answer.Errors ?? []) {
        const values = e.PartitionValues ?? [];
        const entry = batch.find((b) => this.#values(table, b.partition).join('/') === values.join('/'));
        if (e.ErrorDetail?.ErrorCode === 'AlreadyExistsException' && entry) existing.push(entry);
        else
          failed.push({
            values,
            code: e.ErrorDetail?.ErrorCode ?? 'Unknown',
            message: e.ErrorDetail?.ErrorMessage ?? '',
          });
      }
    }
    // Those that existed switch with BatchUpdatePartition: at most 100 entries.
    for (const batch of chunk(existing, maxPartitionsPerBatchUpdate)) {
      const answer = await this.#send('BatchUpdatePartition', () =>
        this.#client.send(
          new BatchUpdatePartitionCommand({
            ...this.#ids(table),
            Entries: batch.map((e) => ({
              PartitionValueList: this.#values(table, e.partition),
              PartitionInput: input(e),
            })),
          }),
        ),
      );
      for (const e of answer.Errors ?? []) {
        failed.push({
          values: e.PartitionValueList ?? [],
          code: e.ErrorDetail?.ErrorCode ?? 'Unknown',
          message: e.ErrorDetail?.ErrorMessage ?? '',
        });
      }
    }
    if (failed.length) throw new PartitionBatchFailedError(`${this.#db(table)}.${table.name}`, failed);
  }

  async dropPartitions(name: string, partitions: readonly Partition[]): Promise<void> {
    const table = await this.table(name);
    const failed: { values: readonly string[]; code: string; message: string }[] = [];
    // BatchDeletePartition: at most 25 partitions; a partition that is gone already is not a failure.
    for (const batch of chunk(partitions, maxPartitionsPerBatchDelete)) {
      const answer = await this.#send('BatchDeletePartition', () =>
        this.#client.send(
          new BatchDeletePartitionCommand({
            ...this.#ids(table),
            PartitionsToDelete: batch.map((p) => ({ Values: this.#values(table, p) })),
          }),
        ),
      );
      for (const e of answer.Errors ?? []) {
        if (e.ErrorDetail?.ErrorCode === 'EntityNotFoundException') continue;
        failed.push({
          values: e.PartitionValues ?? [],
          code: e.ErrorDetail?.ErrorCode ?? 'Unknown',
          message: e.ErrorDetail?.ErrorMessage ?? '',
        });
      }
    }
    if (failed.length) throw new PartitionBatchFailedError(`${this.#db(table)}.${table.name}`, failed);
  }

  #db(table: TableDefinition): string {
    return this.#database(table.zone);
  }

  #ids(table: TableDefinition) {
    return { DatabaseName: this.#db(table), TableName: table.name };
  }

  #values(table: TableDefinition, partition: Partition): string[] {
    return table.partitionKeys.map((key) => {
      const value = partition[key];
      if (value === undefined) throw new TypeError(`partition of ${qualifiedName(table)} lacks '${key}'`);
      return value;
    });
  }

  #partitionOf(table: TableDefinition, values: readonly string[]): Partition {
    return Object.fromEntries(table.partitionKeys.map((k, i) => [k, values[i] ?? '']));
  }

  async #send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw awsFailure(`Glue ${operation}`, error);
    }
  }
}

/** Glue's batch limits (API reference: BatchCreatePartition and BatchUpdatePartition 100, BatchDeletePartition 25). */
const maxPartitionsPerBatchCreate = 100;
const maxPartitionsPerBatchUpdate = 100;
const maxPartitionsPerBatchDelete = 25;
/** BatchGetPartition: `PartitionsToGet` holds at most 1,000 partitions (API reference). */
const maxPartitionsPerBatchGet = 1000;

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Partition switches many at a time, for writes of hundreds of partitions (one call per 100
 * instead of two per partition). Each partition still switches atomically; the batch does not.
 */
export interface PartitionBatches {
  /** Every partition's location, by partition path (`dt=2026-11-20`). */
  partitionLocations(name: string): Promise<ReadonlyMap<string, string>>;
  setPartitionLocations(
    name: string,
    entries: readonly { partition: Partition; location: string }[],
  ): Promise<void>;
  /** Removes the partitions; one that does not exist is not a failure. */
  dropPartitions(name: string, partitions: readonly Partition[]): Promise<void>;
}

/**
 * The `TableInput` that re-creates a table as `GetTable` returned it: every writable field,
 * none of the read-only ones (`DatabaseName`, `CreateTime`, `UpdateTime`, `CreatedBy`,
 * `IsRegisteredWithLakeFormation`, `CatalogId`, `VersionId`, …) that UpdateTable refuses.
 * `ViewDefinition` and `FederatedTable` are left out: the lake's tables are neither views nor
 * federated.
 */
export function tableInputOf(table: Table): TableInput {
  const { Name, Description, Owner, LastAccessTime, LastAnalyzedTime, Retention, StorageDescriptor } = table;
  const { PartitionKeys, ViewOriginalText, ViewExpandedText, TableType, Parameters, TargetTable } = table;
  const fields = {
    Description,
    Owner,
    LastAccessTime,
    LastAnalyzedTime,
    Retention,
    StorageDescriptor,
    PartitionKeys,
    ViewOriginalText,
    ViewExpandedText,
    TableType,
    Parameters,
    TargetTable,
  };
  return {
    Name,
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
  };
}
