import { appendFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderListings } from '../src/folder-listings.ts';

/**
 * Folder times come from a coarse clock: each change below waits long enough for the change to
 * get a time of its own, and the listings are trusted at once (`graceMs: 0`), so every check here
 * goes through a reused listing wherever the folder is unchanged.
 */
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('FolderListings', () => {
  let dir: string;
  let listings: FolderListings;
  const folder = (dt: string, hour: string) => join(dir, `dt=${dt}`, `hour=${hour}`);
  const signatures = () => listings.signatures(dir, ['dt', 'hour'], '.json');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lakeops-listings-'));
    listings = new FolderListings({ graceMs: 0 });
    for (const [dt, hour] of [
      ['2026-11-19', '23'],
      ['2026-11-20', '00'],
      ['2026-11-20', '01'],
    ] as const) {
      await mkdir(folder(dt, hour), { recursive: true });
      await writeFile(join(folder(dt, hour), 'a.json'), `{"id":"${dt}-${hour}"}\n`);
    }
    await settle();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sees a file added to an existing hour folder, and nothing else changes', async () => {
    // Prepare
    const before = await signatures();
    await signatures(); // listings held and reused from here on
    await settle();
    // Act
    await writeFile(join(folder('2026-11-20', '00'), 'b.json'), '{"id":"b"}\n');
    const after = await signatures();
    // Assess
    expect([...after.keys()]).toEqual([...before.keys()]);
    expect(after.get('dt=2026-11-20/hour=00')).not.toBe(before.get('dt=2026-11-20/hour=00'));
    expect(after.get('dt=2026-11-20/hour=01')).toBe(before.get('dt=2026-11-20/hour=01'));
    expect(after.get('dt=2026-11-19/hour=23')).toBe(before.get('dt=2026-11-19/hour=23'));
  });

  it('sees a new hour folder in an existing day, and a new day', async () => {
    // Prepare
    await signatures();
    await signatures();
    await settle();
    // Act
    await mkdir(folder('2026-11-20', '02'));
    await writeFile(join(folder('2026-11-20', '02'), 'a.json'), '{"id":"02"}\n');
    await mkdir(folder('2026-11-21', '00'), { recursive: true });
    await writeFile(join(folder('2026-11-21', '00'), 'a.json'), '{"id":"21"}\n');
    const after = await signatures();
    // Assess
    expect([...after.keys()]).toEqual([
      'dt=2026-11-19/hour=23',
      'dt=2026-11-20/hour=00',
      'dt=2026-11-20/hour=01',
      'dt=2026-11-20/hour=02',
      'dt=2026-11-21/hour=00',
    ]);
  });

  it('sees a deleted file, a removed hour folder and a removed day', async () => {
    // Prepare
    await writeFile(join(folder('2026-11-20', '00'), 'b.json'), '{"id":"b"}\n');
    await settle();
    const before = await signatures();
    await signatures();
    await settle();
    // Act
    await rm(join(folder('2026-11-20', '00'), 'b.json'));
    await rm(folder('2026-11-20', '01'), { recursive: true });
    await rm(join(dir, 'dt=2026-11-19'), { recursive: true });
    const after = await signatures();
    // Assess
    expect([...after.keys()]).toEqual(['dt=2026-11-20/hour=00']);
    expect(after.get('dt=2026-11-20/hour=00')).not.toBe(before.get('dt=2026-11-20/hour=00'));
  });

  it('sees a file appended to in place, which leaves its folder unchanged (the local bus appends)', async () => {
    // Prepare
    const before = await signatures();
    await signatures();
    await settle();
    // Act
    await appendFile(join(folder('2026-11-19', '23'), 'a.json'), '{"id":"late"}\n');
    const after = await signatures();
    // Assess
    expect(after.get('dt=2026-11-19/hour=23')).not.toBe(before.get('dt=2026-11-19/hour=23'));
    expect(after.get('dt=2026-11-20/hour=00')).toBe(before.get('dt=2026-11-20/hour=00'));
  });

  it('sees an hour folder replaced by another one with the same file names', async () => {
    // Prepare
    const other = join(dir, 'elsewhere');
    await mkdir(other);
    await writeFile(join(other, 'a.json'), '{"id":"xx-other"}\n');
    await settle();
    const before = await signatures();
    await signatures();
    await settle();
    // Act: the old folder moved out, another renamed in (as a rebuild or a restore would).
    await rename(folder('2026-11-20', '01'), join(dir, 'old'));
    await rename(other, folder('2026-11-20', '01'));
    const after = await signatures();
    // Assess
    expect(after.get('dt=2026-11-20/hour=01')).not.toBe(before.get('dt=2026-11-20/hour=01'));
  });

  it('ignores files of other extensions and folders of other names', async () => {
    // Prepare
    const before = await signatures();
    // Act
    await writeFile(join(folder('2026-11-20', '00'), 'notes.txt'), 'x');
    await mkdir(join(dir, 'dt=2026-11-20', '_staging'));
    await writeFile(join(dir, 'dt=2026-11-20', '_staging', 'a.json'), '{}\n');
    const found = await signatures();
    // Assess
    expect(found).toEqual(before);
  });
});
