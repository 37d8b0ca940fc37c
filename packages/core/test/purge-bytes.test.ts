import { InMemoryObjectStore } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { bytesByPartition } from '../src/dsar/purge-deleted-users.ts';
import type { TableDefinition } from '../src/index.ts';

const table: TableDefinition = {
  zone: 'silver',
  name: 'fact_payments',
  description: 'test',
  format: 'parquet',
  columns: [{ name: 'user_id', type: 'string', sensitivity: 'confidential' }],
  partitionKeys: ['dt'],
  primaryKey: [],
  userColumns: ['user_id'],
};

describe('bytesByPartition (the purge audit: bytes before and after)', () => {
  it("lists where the engine says a partition's files are (Athena: the staging location Glue points at after a rewrite), else its folder", async () => {
    // Prepare: day 19 was rewritten on Athena (new files under staging, the old ones still in the
    // folder until verified); day 20 lives in its folder.
    const store = new InMemoryObjectStore();
    await store.write('silver/fact_payments/dt=2026-11-19/old.parquet', 'x'.repeat(1000));
    await store.write('_staging/silver/fact_payments/r1/dt=2026-11-19/new.parquet', 'x'.repeat(600));
    await store.write('silver/fact_payments/dt=2026-11-20/a.parquet', 'x'.repeat(300));
    const partitions = [{ dt: '2026-11-19' }, { dt: '2026-11-20' }];
    const athena = {
      partitionPrefixes: async () =>
        new Map([['dt=2026-11-19', '_staging/silver/fact_payments/r1/dt=2026-11-19/']]),
    };
    // Act
    const onAthena = await bytesByPartition({ store, engine: athena }, table, partitions);
    const local = await bytesByPartition({ store, engine: {} }, table, partitions);
    // Assess
    expect([...onAthena]).toEqual([
      ['dt=2026-11-19', 600],
      ['dt=2026-11-20', 300],
    ]);
    expect([...local]).toEqual([
      ['dt=2026-11-19', 1000],
      ['dt=2026-11-20', 300],
    ]);
  });
});
