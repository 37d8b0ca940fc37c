import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TableDefinition } from '@lakeops/core';
import { kpiGmvDaily, tables } from '@lakeops/lake';
import {
  catalogBehaviour,
  InMemoryCatalog,
  InMemoryObjectStore,
  objectStoreBehaviour,
  queryEngineBehaviour,
} from '@lakeops/testing';
import { DuckDbQueryEngine, FsCatalog, FsObjectStore } from '../src/index.ts';

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

async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lakeops-behaviour-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

objectStoreBehaviour('FsObjectStore', async () => {
  const { dir, cleanup } = await tempDir();
  return { store: new FsObjectStore({ root: dir }), cleanup };
});

objectStoreBehaviour('InMemoryObjectStore', async () => ({ store: new InMemoryObjectStore() }));

catalogBehaviour('FsCatalog', async () => {
  const { dir, cleanup } = await tempDir();
  return {
    catalog: new FsCatalog({ root: join(dir, 'lake'), tables }),
    table: `${kpiGmvDaily.zone}.${kpiGmvDaily.name}`,
    async stage() {
      const staged = join(dir, 'lake', '_staging', randomUUID());
      await mkdir(staged, { recursive: true });
      await writeFile(join(staged, 'data_0.parquet'), 'staged');
      return staged;
    },
    cleanup,
  };
});

catalogBehaviour('InMemoryCatalog', async () => ({
  catalog: new InMemoryCatalog(tables),
  table: 'gold.kpi_gmv_daily',
  stage: async (partition) => `memory://staging/${randomUUID()}/dt=${partition.dt}/`,
}));

queryEngineBehaviour('DuckDbQueryEngine', async () => {
  const { dir, cleanup } = await tempDir();
  const engine = await DuckDbQueryEngine.open({ root: dir, tables: [...tables, counts], threads: 1 });
  return {
    engine,
    table: counts,
    cleanup: async () => {
      await engine.close();
      await cleanup();
    },
  };
});
