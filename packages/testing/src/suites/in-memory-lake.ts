import {
  type Catalog,
  ObjectMissingError,
  type ObjectStore,
  type Partition,
  partitionPath,
  qualifiedName,
  type StoredObject,
  type TableDefinition,
  TableUnknownError,
} from '@lakeops/core';

/** An `ObjectStore` in a Map, for use-case tests. */
export class InMemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();

  async list(prefix: string): Promise<StoredObject[]> {
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, body]) => ({ key, size: body.byteLength }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  async read(key: string): Promise<Uint8Array> {
    const body = this.objects.get(key);
    if (!body) throw new ObjectMissingError(key);
    return body;
  }

  async write(key: string, body: Uint8Array | string): Promise<void> {
    this.objects.set(key, typeof body === 'string' ? new TextEncoder().encode(body) : new Uint8Array(body));
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix));
    for (const key of keys) this.objects.delete(key);
    return keys.length;
  }

  async replacePrefix(target: string, staged: string): Promise<void> {
    const moving = [...this.objects.entries()].filter(([k]) => k.startsWith(staged));
    if (!moving.length) throw new ObjectMissingError(staged);
    await this.deletePrefix(target);
    for (const [key, body] of moving) {
      this.objects.delete(key);
      this.objects.set(target + key.slice(staged.length), body);
    }
  }
}

/** A `Catalog` over table definitions and a Map of partition locations, for use-case tests. */
export class InMemoryCatalog implements Catalog {
  readonly #tables: Map<string, TableDefinition>;
  readonly locations = new Map<string, Map<string, { partition: Partition; location: string }>>();

  constructor(tables: readonly TableDefinition[]) {
    this.#tables = new Map(tables.map((t) => [qualifiedName(t), t]));
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
    await this.table(name);
    return [...(this.locations.get(name)?.entries() ?? [])]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, v]) => v.partition);
  }

  async partitionLocation(name: string, partition: Partition): Promise<string | undefined> {
    const table = await this.table(name);
    return this.locations.get(name)?.get(partitionPath(table, partition))?.location;
  }

  async setPartitionLocation(name: string, partition: Partition, location: string): Promise<void> {
    const table = await this.table(name);
    const forTable = this.locations.get(name) ?? new Map();
    forTable.set(partitionPath(table, partition), { partition, location });
    this.locations.set(name, forTable);
  }

  async dropPartition(name: string, partition: Partition): Promise<void> {
    const table = await this.table(name);
    this.locations.get(name)?.delete(partitionPath(table, partition));
  }
}
