import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Catalog,
  type Partition,
  parsePartitionPath,
  partitionPath,
  qualifiedName,
  type TableDefinition,
  TableUnknownError,
} from '@lakeops/core';
import { swapDir } from './fs-swap.ts';

/**
 * The local catalog: tables from their definitions (packages/lake), partitions from the folders
 * under `root`. A partition's location is always its conventional folder; setting a new location
 * moves that folder's content into place by rename (the local form of Glue's location switch).
 *
 * @example
 * ```ts
 * const catalog = new FsCatalog({ root: '.lakeops/lake', tables });
 * const days = await catalog.partitions('gold.kpi_gmv_daily');
 * ```
 */
export class FsCatalog implements Catalog {
  readonly root: string;
  readonly #tables: Map<string, TableDefinition>;
  constructor(options: { root: string; tables: readonly TableDefinition[] }) {
    this.root = options.root;
    this.#tables = new Map(options.tables.map((t) => [qualifiedName(t), t]));
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
    let paths = [''];
    for (const key of table.partitionKeys) {
      const next: string[] = [];
      for (const path of paths) {
        const entries = await readdir(join(this.#dir(table), path), { withFileTypes: true }).catch(() => []);
        for (const e of entries) {
          if (e.isDirectory() && e.name.startsWith(`${key}=`)) next.push(path ? `${path}/${e.name}` : e.name);
        }
      }
      paths = next;
    }
    return paths.sort().map(parsePartitionPath);
  }

  async partitionLocation(name: string, partition: Partition): Promise<string | undefined> {
    const table = await this.table(name);
    const dir = join(this.#dir(table), partitionPath(table, partition));
    const info = await stat(dir).catch(() => undefined);
    return info?.isDirectory() ? dir : undefined;
  }

  async setPartitionLocation(name: string, partition: Partition, location: string): Promise<void> {
    const table = await this.table(name);
    const dir = table.partitionKeys.length
      ? join(this.#dir(table), partitionPath(table, partition))
      : this.#dir(table);
    if (location === dir) return;
    await swapDir(dir, location);
  }

  async dropPartition(name: string, partition: Partition): Promise<void> {
    const table = await this.table(name);
    if (!table.partitionKeys.length) throw new TypeError(`${name} has no partitions to drop`);
    await rm(join(this.#dir(table), partitionPath(table, partition)), { recursive: true, force: true });
  }

  #dir(table: TableDefinition): string {
    return join(this.root, table.zone, table.name);
  }
}
