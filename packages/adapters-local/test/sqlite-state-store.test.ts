import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../src/index.ts';

const run = promisify(execFile);
const child = join(import.meta.dirname, 'fixtures', 'state-increment.ts');

describe('SqliteStateStore', () => {
  let dir = '';
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loses no conditional update when two processes write the same item', async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), 'lakeops-state-2p-'));
    const file = join(dir, 'state.sqlite');
    // Act
    const outs = await Promise.all(
      [1, 2].map(() => run(process.execPath, [child, file, '150'], { cwd: import.meta.dirname })),
    );
    // Assess
    const store = new SqliteStateStore({ file });
    const item = await store.get({ pk: 'counter', sk: 'n' });
    store.close();
    expect(item?.value).toBe(300);
    expect(item?.version).toBe(300);
    expect(outs.map((o) => JSON.parse(o.stdout))).toHaveLength(2);
  });

  it('uses the WAL journal so a reader in another process does not block the writer', async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), 'lakeops-state-wal-'));
    const store = new SqliteStateStore({ file: join(dir, 'state.sqlite') });
    // Act
    await store.put({ pk: 'a', sk: 'b' }, 1);
    store.close();
    // Assess
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(join(dir, 'state.sqlite'));
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    db.close();
  });
});
