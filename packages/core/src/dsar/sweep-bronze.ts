import type { Catalog } from '../lake/catalog.port.ts';
import type { Partition } from '../lake/table.ts';
import { qualifiedName } from '../lake/table.ts';
import type { Clock } from '../shared/clock.port.ts';

export interface BronzeSweepReport {
  /** Partitions older than the retention: removed, or (dry run) to remove. */
  readonly removed: readonly { readonly table: string; readonly partition: Partition }[];
  /** The oldest day kept (`dt` ≥ this). */
  readonly keepFrom: string;
}

/**
 * Bronze retention, the local form of the lake bucket's S3 lifecycle rule: Bronze is append-only
 * and immutable, so raw copies (a deleted user's too) leave by age. Drops every Bronze partition
 * whose `dt` is more than `retentionDays` days before today (UTC).
 *
 * @example
 * ```ts
 * await sweepBronze({ catalog, clock }, { retentionDays: 30 });
 * ```
 */
export async function sweepBronze(
  deps: { readonly catalog: Catalog; readonly clock: Clock },
  input: { readonly retentionDays: number; readonly dryRun?: boolean },
): Promise<BronzeSweepReport> {
  if (!Number.isInteger(input.retentionDays) || input.retentionDays < 1) {
    throw new RangeError('retentionDays must be a whole number of days ≥ 1');
  }
  const keepFrom = new Date(deps.clock.now().getTime() - input.retentionDays * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const removed: { table: string; partition: Partition }[] = [];
  for (const table of await deps.catalog.tables()) {
    if (table.zone !== 'bronze' || table.partitionKeys[0] !== 'dt') continue;
    const name = qualifiedName(table);
    for (const partition of await deps.catalog.partitions(name)) {
      const dt = partition.dt;
      if (dt === undefined || dt >= keepFrom) continue;
      if (!input.dryRun) await deps.catalog.dropPartition(name, partition);
      removed.push({ table: name, partition });
    }
  }
  return { removed, keepFrom };
}
