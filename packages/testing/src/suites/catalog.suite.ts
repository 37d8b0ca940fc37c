import type { Catalog, Partition } from '@lakeops/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

export interface CatalogFixture {
  readonly catalog: Catalog;
  /** A `dt`-partitioned table the catalog knows, e.g. `gold.kpi_gmv_daily`. */
  readonly table: string;
  /** Puts data for a partition somewhere and returns that location (a staged folder or S3 prefix). */
  stage(partition: Partition): Promise<string>;
  cleanup?(): Promise<void>;
}

/**
 * The behaviour every `Catalog` has, run against each adapter (folders for real, Glue with a
 * mocked client, the in-memory fake).
 *
 * @example
 * ```ts
 * catalogBehaviour('FsCatalog', async () => ({ catalog, table: 'gold.kpi_gmv_daily', stage }));
 * ```
 */
export function catalogBehaviour(name: string, make: () => Promise<CatalogFixture>): void {
  describe(`Catalog behaviour: ${name}`, () => {
    let fixture: CatalogFixture;
    beforeEach(async () => {
      fixture = await make();
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    it('lists its tables and returns one by <zone>.<table>', async () => {
      // Act
      const all = await fixture.catalog.tables();
      const table = await fixture.catalog.table(fixture.table);
      // Assess
      expect(all.map((t) => `${t.zone}.${t.name}`)).toContain(fixture.table);
      expect(`${table.zone}.${table.name}`).toBe(fixture.table);
      expect(table.partitionKeys).toEqual(['dt']);
    });

    it('fails with TableUnknown for a table it does not know', async () => {
      // Act
      const finding = fixture.catalog.table('gold.no_such_table');
      // Assess
      await expect(finding).rejects.toMatchObject({ code: 'TableUnknown', retryable: false });
    });

    it('has no partitions before any is added, and no location for them', async () => {
      // Act
      const partitions = await fixture.catalog.partitions(fixture.table);
      const location = await fixture.catalog.partitionLocation(fixture.table, { dt: '2026-11-20' });
      // Assess
      expect(partitions).toEqual([]);
      expect(location).toBeUndefined();
    });

    it('adds partitions by setting their location and lists them sorted', async () => {
      // Prepare
      const { catalog, table } = fixture;
      // Act
      await catalog.setPartitionLocation(
        table,
        { dt: '2026-11-20' },
        await fixture.stage({ dt: '2026-11-20' }),
      );
      await catalog.setPartitionLocation(
        table,
        { dt: '2026-11-18' },
        await fixture.stage({ dt: '2026-11-18' }),
      );
      // Assess
      expect(await catalog.partitions(table)).toEqual([{ dt: '2026-11-18' }, { dt: '2026-11-20' }]);
      expect(await catalog.partitionLocation(table, { dt: '2026-11-20' })).toEqual(expect.any(String));
      expect(await catalog.partitionLocation(table, { dt: '2026-11-19' })).toBeUndefined();
    });

    it('switches an existing partition to new data without adding another', async () => {
      // Prepare
      const { catalog, table } = fixture;
      await catalog.setPartitionLocation(
        table,
        { dt: '2026-11-20' },
        await fixture.stage({ dt: '2026-11-20' }),
      );
      // Act
      await catalog.setPartitionLocation(
        table,
        { dt: '2026-11-20' },
        await fixture.stage({ dt: '2026-11-20' }),
      );
      // Assess
      expect(await catalog.partitions(table)).toEqual([{ dt: '2026-11-20' }]);
    });

    it('drops a partition, and dropping one that does not exist is a no-op', async () => {
      // Prepare
      const { catalog, table } = fixture;
      await catalog.setPartitionLocation(
        table,
        { dt: '2026-11-19' },
        await fixture.stage({ dt: '2026-11-19' }),
      );
      await catalog.setPartitionLocation(
        table,
        { dt: '2026-11-20' },
        await fixture.stage({ dt: '2026-11-20' }),
      );
      // Act
      await catalog.dropPartition(table, { dt: '2026-11-19' });
      await catalog.dropPartition(table, { dt: '2026-11-01' });
      // Assess
      expect(await catalog.partitions(table)).toEqual([{ dt: '2026-11-20' }]);
      expect(await catalog.partitionLocation(table, { dt: '2026-11-19' })).toBeUndefined();
    });
  });
}
