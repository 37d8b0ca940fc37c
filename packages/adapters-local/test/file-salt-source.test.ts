import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSaltSource } from '../src/index.ts';

describe('FileSaltSource', () => {
  let dir = '';
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes one private salt on first use and every reader of the file gets the same', async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), 'lakeops-salt-'));
    const file = join(dir, 'home', 'secrets', 'dsar-salt');
    // Act
    const [a, b] = await Promise.all([
      new FileSaltSource({ file }).get(),
      new FileSaltSource({ file }).get(),
    ]);
    const later = await new FileSaltSource({ file }).get();
    // Assess
    expect(a).toHaveLength(43);
    expect(b).toBe(a);
    expect(later).toBe(a);
    expect(await readFile(file, 'utf8')).toBe(a);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
