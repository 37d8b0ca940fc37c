import type { ObjectStore } from '@lakeops/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

export interface ObjectStoreFixture {
  readonly store: ObjectStore;
  cleanup?(): Promise<void>;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/**
 * The behaviour every `ObjectStore` has, run against each adapter (filesystem for real, S3 with a
 * mocked client, the in-memory fake).
 *
 * @example
 * ```ts
 * objectStoreBehaviour('FsObjectStore', async () => ({ store: new FsObjectStore({ root: await mkdtemp(...) }) }));
 * ```
 */
export function objectStoreBehaviour(name: string, make: () => Promise<ObjectStoreFixture>): void {
  describe(`ObjectStore behaviour: ${name}`, () => {
    let fixture: ObjectStoreFixture;
    beforeEach(async () => {
      fixture = await make();
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    it('reads back what it wrote, text or bytes', async () => {
      // Prepare
      const { store } = fixture;
      // Act
      await store.write('silver/t/dt=2026-11-20/a.json', '{"a":1}\n');
      await store.write('silver/t/dt=2026-11-20/b.bin', new Uint8Array([0, 1, 2, 255]));
      // Assess
      expect(text(await store.read('silver/t/dt=2026-11-20/a.json'))).toBe('{"a":1}\n');
      expect([...(await store.read('silver/t/dt=2026-11-20/b.bin'))]).toEqual([0, 1, 2, 255]);
    });

    it('overwrites an object with the same key', async () => {
      // Prepare
      const { store } = fixture;
      await store.write('k/x.txt', 'one');
      // Act
      await store.write('k/x.txt', 'two');
      // Assess
      expect(text(await store.read('k/x.txt'))).toBe('two');
      expect(await store.list('k/')).toEqual([{ key: 'k/x.txt', size: 3 }]);
    });

    it('fails with ObjectMissing for a key that does not exist', async () => {
      // Act
      const reading = fixture.store.read('nope/missing.txt');
      // Assess
      await expect(reading).rejects.toMatchObject({ code: 'ObjectMissing', key: 'nope/missing.txt' });
    });

    it('lists by prefix, sorted, with sizes, and not a sibling sharing the first letters', async () => {
      // Prepare
      const { store } = fixture;
      await store.write('gold/kpi/dt=2026-11-20/data_0.parquet', '12345');
      await store.write('gold/kpi/dt=2026-11-19/data_0.parquet', '123');
      await store.write('gold/kpi_other/dt=2026-11-19/data_0.parquet', 'x');
      // Act
      const listed = await store.list('gold/kpi/');
      // Assess
      expect(listed).toEqual([
        { key: 'gold/kpi/dt=2026-11-19/data_0.parquet', size: 3 },
        { key: 'gold/kpi/dt=2026-11-20/data_0.parquet', size: 5 },
      ]);
      expect(await store.list('nothing/here/')).toEqual([]);
    });

    it('deletes everything under a prefix and says how many', async () => {
      // Prepare
      const { store } = fixture;
      await store.write('p/dt=1/a', 'a');
      await store.write('p/dt=1/b', 'b');
      await store.write('p/dt=2/a', 'c');
      // Act
      const deleted = await store.deletePrefix('p/dt=1/');
      // Assess
      expect(deleted).toBe(2);
      expect((await store.list('p/')).map((o) => o.key)).toEqual(['p/dt=2/a']);
    });

    it('replaces a prefix with exactly the staged objects and removes the staging', async () => {
      // Prepare
      const { store } = fixture;
      await store.write('silver/t/dt=2026-11-20/old_0.parquet', 'old');
      await store.write('silver/t/dt=2026-11-20/old_1.parquet', 'old');
      await store.write('silver/t/dt=2026-11-21/keep.parquet', 'keep');
      await store.write('_staging/run1/dt=2026-11-20/data_0.parquet', 'new');
      // Act
      await store.replacePrefix('silver/t/dt=2026-11-20/', '_staging/run1/dt=2026-11-20/');
      // Assess
      expect((await store.list('silver/t/')).map((o) => o.key)).toEqual([
        'silver/t/dt=2026-11-20/data_0.parquet',
        'silver/t/dt=2026-11-21/keep.parquet',
      ]);
      expect(text(await store.read('silver/t/dt=2026-11-20/data_0.parquet'))).toBe('new');
      expect(await store.list('_staging/run1/')).toEqual([]);
    });

    it('refuses to replace from a staging prefix that holds nothing, keeping the target', async () => {
      // Prepare
      const { store } = fixture;
      await store.write('silver/t/dt=2026-11-20/data_0.parquet', 'good');
      // Act
      const replacing = store.replacePrefix('silver/t/dt=2026-11-20/', '_staging/none/');
      // Assess
      await expect(replacing).rejects.toMatchObject({ code: 'ObjectMissing' });
      expect(text(await store.read('silver/t/dt=2026-11-20/data_0.parquet'))).toBe('good');
    });
  });
}
