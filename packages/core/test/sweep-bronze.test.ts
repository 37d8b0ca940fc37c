import { InMemoryCatalog, ManualClock } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { sweepBronze, type TableDefinition } from '../src/index.ts';

const table = (zone: 'bronze' | 'gold', name: string, partitionKeys: string[]): TableDefinition => ({
  zone,
  name,
  description: name,
  format: zone === 'bronze' ? 'ndjson' : 'parquet',
  columns: [{ name: 'id', type: 'string', sensitivity: 'internal' }],
  partitionKeys,
  primaryKey: [],
  userColumns: [],
});
const tables = [table('bronze', 'events', ['dt', 'hour']), table('gold', 'kpi_gmv_daily', ['dt'])];

async function catalogWith(days: readonly string[]) {
  const catalog = new InMemoryCatalog(tables);
  for (const dt of days) {
    await catalog.setPartitionLocation(
      'bronze.events',
      { dt, hour: '07' },
      `memory://bronze/events/dt=${dt}/hour=07/`,
    );
    await catalog.setPartitionLocation('gold.kpi_gmv_daily', { dt }, `memory://gold/kpi/dt=${dt}/`);
  }
  return catalog;
}

describe('sweepBronze', () => {
  it('drops Bronze partitions older than the retention and nothing else', async () => {
    // Prepare
    const clock = new ManualClock('2026-12-31T02:00:00Z');
    const catalog = await catalogWith(['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-30']);
    // Act
    const report = await sweepBronze({ catalog, clock }, { retentionDays: 30 });
    // Assess
    expect(report.keepFrom).toBe('2026-12-01');
    expect(report.removed.map((r) => r.partition.dt)).toEqual(['2026-11-29', '2026-11-30']);
    expect((await catalog.partitions('bronze.events')).map((p) => p.dt)).toEqual([
      '2026-12-01',
      '2026-12-30',
    ]);
    expect(await catalog.partitions('gold.kpi_gmv_daily')).toHaveLength(4);
  });

  it('changes nothing in a dry run', async () => {
    // Prepare
    const clock = new ManualClock('2026-12-31T02:00:00Z');
    const catalog = await catalogWith(['2026-11-01']);
    // Act
    const report = await sweepBronze({ catalog, clock }, { retentionDays: 30, dryRun: true });
    // Assess
    expect(report.removed).toHaveLength(1);
    expect(await catalog.partitions('bronze.events')).toHaveLength(1);
  });
});
