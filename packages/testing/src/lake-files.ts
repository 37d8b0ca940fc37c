import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Every file under `dir` (recursively), by path relative to it, with its bytes: for byte-for-byte comparisons. */
export async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = join(dir, entry);
    if ((await stat(path)).isFile()) out.set(entry, await readFile(path));
  }
  return out;
}

/**
 * Writes events to Bronze as the local bus archives them: one EventBridge envelope per line (`v: 1`
 * added to each detail), all at time `at`, in `file` of the folder of that hour
 * (`bronze/events/dt=…/hour=…` under the lake `root`).
 */
export async function writeBronzeEvents(
  root: string,
  events: readonly { id: string; type: string; source: string; detail: Record<string, unknown> }[],
  at: string,
  file: string,
): Promise<void> {
  const lines = events.map(({ id, type, source, detail }) =>
    JSON.stringify({
      version: '0',
      id,
      'detail-type': type,
      source,
      account: '000000000000',
      time: at,
      region: 'eu-west-1',
      resources: [],
      detail: { v: 1, ...detail },
    }),
  );
  const dir = join(root, 'bronze/events', `dt=${at.slice(0, 10)}`, `hour=${at.slice(11, 13)}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, file), `${lines.join('\n')}\n`);
}

/** The folders (paths without their file name) whose files differ between two `filesUnder` snapshots, sorted. */
export function changedFolders(before: Map<string, Buffer>, after: Map<string, Buffer>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  const changed = [...keys].filter((k) => !before.get(k)?.equals(after.get(k) ?? Buffer.alloc(0)));
  return [...new Set(changed.map((k) => k.replace(/\/[^/]+$/, '')))].sort();
}

/**
 * Per hour of `day` of `nrt.payout_backlog`: the payouts the view counts as queued (`queued`) and,
 * computed independently from `silver.fact_payouts`, those scheduled before the hour's end and not
 * paid or failed by then (`silver_queued`). For tests that check the view against Silver.
 */
export function payoutBacklogAgainstSilverSql(day: string): string {
  return `
    WITH p AS (
      SELECT payout_id, min(CASE WHEN status = 'scheduled' THEN occurred_at END) AS scheduled_at,
        min(CASE WHEN status IN ('paid', 'failed') THEN occurred_at END) AS closed_at
      FROM silver.fact_payouts GROUP BY payout_id
    )
    SELECT v.hour, v.queued, count(p.payout_id) AS silver_queued
    FROM (SELECT hour, max(as_of) AS as_of, sum(payouts) AS queued FROM nrt.payout_backlog WHERE dt = '${day}' GROUP BY hour) AS v
    LEFT JOIN p ON p.scheduled_at < v.as_of AND (p.closed_at IS NULL OR p.closed_at >= v.as_of)
    GROUP BY v.hour, v.queued ORDER BY v.hour`;
}
