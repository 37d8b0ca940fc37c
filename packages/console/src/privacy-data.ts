import { queryAll } from '@lakeops/core';
import type { ConsoleDeps, TablePreview } from './console-deps.ts';
import { ConsoleRequestInvalidError } from './errors.ts';

/** One DSAR purge run, counts only: no request or user ids. */
export interface DsarRunCounts {
  readonly runId: string;
  readonly completedAt: string;
  readonly dryRun: boolean;
  readonly requests: number;
  readonly verified: number;
  readonly tables: number;
  readonly rowsRemoved: number;
}

async function count(deps: ConsoleDeps, pk: string): Promise<number> {
  let n = 0;
  for await (const _ of queryAll(deps.state, { pk })) n++;
  return n;
}

/**
 * DSAR runs from their audit records (`dsar#run`), newest first, and how many requests wait or are
 * done; the permission preview of `principal` when the Lake Formation source is wired.
 */
export async function readPrivacy(
  deps: ConsoleDeps,
  principal: string | null,
): Promise<{
  dsar: { pending: number; completed: number; runs: DsarRunCounts[] };
  principals: readonly string[] | null;
  preview: { principal: string; tables: readonly TablePreview[] } | null;
}> {
  const runs: DsarRunCounts[] = [];
  for await (const item of queryAll(deps.state, { pk: 'dsar#run' })) {
    const r = item.value as {
      runId?: unknown;
      completedAt?: unknown;
      dryRun?: unknown;
      requests?: unknown;
      tables?: unknown;
      rowsRemoved?: unknown;
    };
    const requests = Array.isArray(r.requests) ? (r.requests as { verified?: unknown }[]) : [];
    runs.push({
      runId: String(r.runId ?? item.sk),
      completedAt: String(r.completedAt ?? ''),
      dryRun: r.dryRun === true,
      requests: requests.length,
      verified: requests.filter((q) => q.verified === true).length,
      tables: Array.isArray(r.tables) ? r.tables.length : 0,
      rowsRemoved: typeof r.rowsRemoved === 'number' ? r.rowsRemoved : 0,
    });
  }
  runs.sort((a, b) => (a.completedAt < b.completedAt ? 1 : a.completedAt > b.completedAt ? -1 : 0));
  const dsar = {
    pending: await count(deps, 'dsar#pending'),
    completed: await count(deps, 'dsar#done'),
    runs,
  };
  if (!deps.permissions) return { dsar, principals: null, preview: null };
  const principals = await deps.permissions.principals();
  const chosen = principal ?? principals[0] ?? null;
  if (chosen === null) return { dsar, principals, preview: null };
  const tables = principals.includes(chosen) ? await deps.permissions.preview(chosen) : undefined;
  if (!tables)
    throw new ConsoleRequestInvalidError(
      404,
      'PrincipalUnknown',
      `no principal '${chosen.slice(0, 64)}' in the policy (${principals.join(', ')})`,
    );
  return { dsar, principals, preview: { principal: chosen, tables } };
}
