import { InMemoryCatalog, InMemoryObjectStore, InMemoryStateStore, ManualClock } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { bytesByPartition } from '../src/dsar/purge-deleted-users.ts';
import {
  DeletionQueue,
  type Partition,
  type PurgeDeps,
  type PurgeSql,
  partitionPath,
  purgeDeletedUsers,
  type QueryEngine,
  type RewritePartitionsInput,
  type RewrittenPartition,
  type Row,
  readPurgePartitions,
  type TableDefinition,
} from '../src/index.ts';

const payments: TableDefinition = {
  zone: 'silver',
  name: 'fact_payments',
  description: 'test',
  format: 'parquet',
  columns: [{ name: 'user_id', type: 'string', sensitivity: 'confidential' }],
  partitionKeys: ['dt'],
  primaryKey: [],
  userColumns: ['user_id'],
};
const ids: TableDefinition = {
  ...payments,
  zone: 'silver_private',
  name: 'dsar_purge_ids',
  userColumns: [],
  partitionKeys: ['run'],
};

/** The statements' text does not matter to this engine: it answers from its own state. */
const sql: PurgeSql = {
  matches: () => 'matches',
  affected: () => 'affected',
  partitionStats: () => 'stats',
  keptRows: () => 'kept',
  userIds: () => 'ids',
};

/**
 * An engine as Athena behaves: each partition lives where its catalog entry points; a rewrite
 * writes new files under `_staging/` and switches the entry, leaving the old files in place
 * (`replacedKey`) for the caller to delete. The purged user is in a partition while it lives at
 * its original folder.
 */
class SwitchingEngine
  implements Pick<QueryEngine, 'query' | 'rewritePartitions' | 'restorePartitions' | 'partitionPrefixes'>
{
  readonly at = new Map<string, string>();
  readonly store: InMemoryObjectStore;
  constructor(store: InMemoryObjectStore) {
    this.store = store;
  }
  async query(text: string): Promise<Row[]> {
    if (text !== 'affected') return [];
    return [...this.at]
      .filter(([, prefix]) => !prefix.startsWith('_staging/'))
      .map(([path]) => ({ dt: path.slice(3), user_id: 'u-gone', n: 1 }));
  }
  readonly groups: number[] = [];
  async rewritePartitions(input: RewritePartitionsInput): Promise<RewrittenPartition[]> {
    this.groups.push(input.partitions.length);
    return Promise.all(
      input.partitions.map(async (p) => {
        const path = partitionPath(input.table, p);
        const old = this.at.get(path) as string;
        const fresh = `_staging/${input.table.zone}/${input.table.name}/r1/${path}/`;
        await this.store.write(`${fresh}new.parquet`, 'kept rows');
        this.at.set(path, fresh);
        return {
          partition: p,
          before: { rows: 3, dropped: 1, checksum: '7' },
          after: { rows: 2, dropped: 0, checksum: '7' },
          replacedKey: old,
        };
      }),
    );
  }
  async restorePartitions(): Promise<void> {}
  async partitionPrefixes(table: TableDefinition, partitions: readonly Partition[]) {
    const out = new Map<string, string>();
    for (const p of partitions) {
      const prefix = this.at.get(partitionPath(table, p));
      if (prefix) out.set(partitionPath(table, p), prefix);
    }
    return out;
  }
}

/**
 * A lake on the switching engine: `partitions` days of `silver.fact_payments` at their folders,
 * each holding one row of `u-gone`, and `requests` deletion requests queued a second apart (the
 * first one for `u-gone`).
 */
async function athenaLake(dts: readonly string[], requests = 1) {
  const clock = new ManualClock('2026-12-01T02:00:00Z');
  const state = new InMemoryStateStore({ clock });
  const store = new InMemoryObjectStore();
  const engine = new SwitchingEngine(store);
  for (const dt of dts) engine.at.set(`dt=${dt}`, `silver/fact_payments/dt=${dt}/`);
  const queue = new DeletionQueue({ state, clock });
  for (let i = 0; i < requests; i++) {
    await queue.enqueue({
      requestId: `dsar-${String(i).padStart(4, '0')}`,
      userId: i === 0 ? 'u-gone' : `u-${i}`,
      anonIds: [],
      userHash: `h${i}`,
      requestedAt: '2026-11-30T10:00:00Z',
      reason: 'user_request',
    });
    clock.advance(1);
  }
  const deps = (s: InMemoryObjectStore = store): PurgeDeps => ({
    engine: engine as unknown as QueryEngine,
    catalog: new InMemoryCatalog([payments]),
    store: s,
    state,
    clock,
    sql,
    idsTable: ids,
  });
  return { clock, state, store, engine, deps };
}

const days = (n: number, width: number) =>
  Array.from({ length: n }, (_, i) => `d${String(i).padStart(width, '0')}`);

describe('purgeDeletedUsers on an engine that switches catalog entries (Athena)', () => {
  it('deletes the old files a run killed between the switch and their delete left behind, when it resumes', async () => {
    // Prepare: two days hold the user; the run is killed (hangs forever) deleting the first old folder.
    const { clock, state, store, engine, deps } = await athenaLake(['2026-11-19', '2026-11-20']);
    for (const dt of ['2026-11-19', '2026-11-20'])
      await store.write(`silver/fact_payments/dt=${dt}/old.parquet`, 'rows of u-gone');
    const dying = Object.create(store) as InMemoryObjectStore;
    dying.deletePrefix = (prefix: string) =>
      prefix.startsWith('silver/fact_payments/')
        ? new Promise<number>(() => undefined)
        : store.deletePrefix(prefix);
    void purgeDeletedUsers(deps(dying), { runId: 'run-1' });
    await expect.poll(() => engine.at.get('dt=2026-11-20'), { timeout: 10_000 }).toMatch(/^_staging\//);
    const leftBehind = (await store.list('silver/fact_payments/')).map((o) => o.key);
    // Act: the next run, once the killed run's lease (900 s) has expired, resumes it.
    clock.advance(901);
    const report = await purgeDeletedUsers(deps(store), { runId: 'run-2' });
    // Assess
    expect(leftBehind).toEqual([
      'silver/fact_payments/dt=2026-11-19/old.parquet',
      'silver/fact_payments/dt=2026-11-20/old.parquet',
    ]);
    expect(report.runId).toBe('run-1');
    expect(report.requests).toEqual([expect.objectContaining({ requestId: 'dsar-0000', verified: true })]);
    expect(await store.list('silver/fact_payments/')).toEqual([]);
    expect((await store.list('_staging/')).map((o) => o.key)).toEqual([
      '_staging/silver/fact_payments/r1/dt=2026-11-19/new.parquet',
      '_staging/silver/fact_payments/r1/dt=2026-11-20/new.parquet',
    ]);
    expect(await state.get({ pk: 'dsar#superseded', sk: 'silver.fact_payments#0' })).toBeUndefined();
  });
  it("audits a run over 4,000 partitions within DynamoDB's 400 KB per item, and takes 1,000 requests per run", async () => {
    // Prepare: one purged user in each of 4,000 partitions; 1,200 requests queued.
    const { state, deps } = await athenaLake(days(4000, 4), 1200);
    // Act
    const report = await purgeDeletedUsers(deps(), { runId: 'big-run' });
    // Assess
    const audit = (await state.get({ pk: 'dsar#run', sk: 'big-run' }))?.value as {
      tables: { table: string; partitions: unknown[]; totals: { partitions: number; verified: number } }[];
      requests: unknown[];
    };
    expect(report.rowsRemoved).toBe(4000);
    expect(report.requestIds).toHaveLength(1000);
    expect(report.requestIds[0]).toBe('dsar-0000');
    expect(audit.requests).toHaveLength(1000);
    expect(audit.tables).toEqual([
      expect.objectContaining({
        table: 'silver.fact_payments',
        partitions: [],
        totals: expect.objectContaining({ partitions: 4000, verified: 4000 }),
      }),
    ]);
    const listed = await readPurgePartitions(state, 'big-run', 'silver.fact_payments');
    expect(listed).toHaveLength(4000);
    expect(listed[3999]).toMatchObject({ partition: { dt: 'd3999' }, rowsRemoved: 1, verified: true });
    expect((await state.query({ pk: 'dsar#pending' })).items.map((i) => i.sk).slice(0, 2)).toEqual([
      'dsar-1000',
      'dsar-1001',
    ]);
  });
  it('rewrites a big table in groups, pauses between two of them and resumes inside the table', async () => {
    // Prepare: the user's rows in 250 partitions; the first invocation has time for one group.
    const { state, engine, deps } = await athenaLake(days(250, 3));
    // Act
    const first = await purgeDeletedUsers(deps(), {
      runId: 'run-1',
      partitionsPerRewrite: 100,
      shouldPause: () => engine.groups.length >= 1,
    });
    const second = await purgeDeletedUsers(deps(), { runId: 'run-2', partitionsPerRewrite: 100 });
    // Assess
    expect(first.outcome).toBe('paused');
    expect(engine.groups).toEqual([100, 100, 50]);
    expect(second.runId).toBe('run-1');
    expect(second.rowsRemoved).toBe(250);
    expect(second.requests).toEqual([
      expect.objectContaining({ requestId: 'dsar-0000', rowsRemoved: 250, verified: true }),
    ]);
    expect(second.tables[0]).toMatchObject({ rowsRemoved: 250, totals: { partitions: 250, verified: 250 } });
    const audit = (await state.get({ pk: 'dsar#run', sk: 'run-1' }))?.value as { tables: unknown[] };
    expect(audit.tables).toEqual([
      expect.objectContaining({ rowsRemoved: 250, totals: expect.objectContaining({ partitions: 250 }) }),
    ]);
    const listed = await readPurgePartitions(state, 'run-1', 'silver.fact_payments');
    expect(listed.map((p) => p.partition.dt)).toEqual(
      Array.from({ length: 250 }, (_, i) => `d${String(i).padStart(3, '0')}`),
    );
    expect(await state.get({ pk: 'dsar#manifest', sk: 'current' })).toBeUndefined();
  });
  it("counts the audit's bytes where the engine says a partition's files are (the staging location after a switch), else in its folder", async () => {
    // Prepare: day 19 was rewritten (new files under staging, the old ones still in the folder
    // until verified); day 20 lives in its folder.
    const { store, engine } = await athenaLake(['2026-11-20']);
    engine.at.set('dt=2026-11-19', '_staging/silver/fact_payments/r1/dt=2026-11-19/');
    await store.write('silver/fact_payments/dt=2026-11-19/old.parquet', 'x'.repeat(1000));
    await store.write('_staging/silver/fact_payments/r1/dt=2026-11-19/new.parquet', 'x'.repeat(600));
    await store.write('silver/fact_payments/dt=2026-11-20/a.parquet', 'x'.repeat(300));
    const partitions = [{ dt: '2026-11-19' }, { dt: '2026-11-20' }];
    // Act
    const onAthena = await bytesByPartition({ store, engine }, payments, partitions);
    const local = await bytesByPartition({ store, engine: {} }, payments, partitions);
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
