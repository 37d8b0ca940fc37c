import type { Partition } from '../lake/table.ts';
import { DeletionQueue } from './deletion-queue.ts';
import { type PurgeDeps, removeIds, type TablePurge } from './purge-deleted-users.ts';
import { hashUserId, type SaltSource } from './salt.port.ts';

export interface TombstonedDropReport {
  readonly runId: string;
  /** How many distinct tombstoned users the rebuilt data held again (no ids). */
  readonly usersFound: number;
  readonly tables: readonly TablePurge[];
}

/**
 * No resurrection: after a build from Bronze (which still holds raw copies until retention
 * removes them), finds the tombstoned users in the rebuilt partitions — each distinct value of a
 * user column hashed with the salt and looked up among the `dsar#user` hashes, the only trace of
 * a verified request — and removes their rows with the purge's own machinery. Run it after every
 * build until the last raw Bronze copy has expired.
 *
 * @example
 * ```ts
 * await buildLake({ engine }, { from: '2026-11-19', to: '2026-11-20' });
 * await dropTombstonedUsers({ ...purgeDeps, salt }, { runId: 'rebuild-1', partitions: [{ dt: '2026-11-19' }, { dt: '2026-11-20' }] });
 * ```
 */
export async function dropTombstonedUsers(
  deps: PurgeDeps & { readonly salt: SaltSource },
  input: { readonly runId: string; readonly partitions?: readonly Partition[] },
): Promise<TombstonedDropReport> {
  const hashes = await new DeletionQueue(deps).userHashes();
  if (!hashes.size) return { runId: input.runId, usersFound: 0, tables: [] };
  const salt = await deps.salt.get();
  const found = new Map<string, never[]>();
  for (const table of await deps.catalog.tables()) {
    if (!table.userColumns.length || table.format !== 'parquet') continue;
    const prefixes = table.partitionKeys.length ? input.partitions : undefined;
    for (const row of await deps.engine.query(deps.sql.userIds(table, prefixes))) {
      const id = String(row.id);
      if (!found.has(id) && hashes.has(await hashUserId(salt, id))) found.set(id, []);
    }
  }
  const { tables } = await removeIds(deps, input.runId, found, false, new Map(), (table) =>
    table.partitionKeys.length ? input.partitions : undefined,
  );
  const report: TombstonedDropReport = { runId: input.runId, usersFound: found.size, tables };
  await deps.state.put(
    { pk: 'dsar#rebuild', sk: input.runId },
    {
      usersFound: found.size,
      tables: tables.map((t) => ({ table: t.table, status: t.status, rowsRemoved: t.rowsRemoved })),
      at: deps.clock.now().toISOString(),
    },
  );
  return report;
}
