import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stateStoreBehaviour } from '@lakeops/testing';
import { SqliteStateStore } from '../src/index.ts';

stateStoreBehaviour('SqliteStateStore', async (clock) => {
  const dir = await mkdtemp(join(tmpdir(), 'lakeops-state-'));
  const store = new SqliteStateStore({ file: join(dir, 'state.sqlite'), clock });
  return {
    store,
    cleanup: async () => {
      store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
