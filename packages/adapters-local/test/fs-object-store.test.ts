import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../src/index.ts';

// The shared ObjectStore behaviour suite runs in lake-ports.behaviour.test.ts; this file holds what
// only the folder store does (dot names are not objects: a partition's membership sidecar).
describe('FsObjectStore', () => {
  const roots: string[] = [];
  afterEach(async () => {
    for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
  });

  it('deletes a folder prefix in one go and counts its objects as list sees them (no dot names)', async () => {
    // Prepare
    const root = await mkdtemp(join(tmpdir(), 'lakeops-fs-store-'));
    roots.push(root);
    const store = new FsObjectStore({ root });
    await store.write('_dsar/backup/r1/silver/t/dt=1/city_id=a/data_0.parquet', 'a');
    await store.write('_dsar/backup/r1/silver/t/dt=1/city_id=a/data_1.parquet', 'b');
    await store.write('_dsar/backup/r1/silver/t/dt=2/city_id=b/data_0.parquet', 'c');
    await store.write('_dsar/backup/r2/silver/t/dt=1/city_id=a/data_0.parquet', 'd');
    await writeFile(join(root, '_dsar/backup/r1/silver/t/dt=1/city_id=a/.lakeops-members'), 'x');
    await mkdir(join(root, '_dsar/backup/r1/silver/t/.hidden'), { recursive: true });
    await writeFile(join(root, '_dsar/backup/r1/silver/t/.hidden/data_9.parquet'), 'y');
    const listed = await store.list('_dsar/backup/r1/');
    // Act
    const deleted = await store.deletePrefix('_dsar/backup/r1/');
    // Assess
    expect(listed).toHaveLength(3);
    expect(deleted).toBe(3);
    expect(await readdir(join(root, '_dsar/backup'))).toEqual(['r2']);
    expect(await store.deletePrefix('_dsar/backup/none/')).toBe(0);
  });
});
