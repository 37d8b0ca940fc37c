import type { Catalog } from '../lake/catalog.port.ts';
import type { ObjectStore } from '../lake/object-store.port.ts';
import type { QueryEngine, Row } from '../lake/query-engine.port.ts';
import {
  isUnderPrefix,
  type Partition,
  parsePartitionPath,
  partitionPath,
  qualifiedName,
  type TableDefinition,
} from '../lake/table.ts';
import type { Clock } from '../shared/clock.port.ts';
import { LakeopsError } from '../shared/errors.ts';
import type { EventPublisher } from '../shared/event-publisher.port.ts';
import { acquireLease, releaseLease, renewLease } from '../state/lease.ts';
import { queryAll, type StateItem, type StateStore, type StateValue } from '../state/state-store.port.ts';
import { DeletionQueue, type PendingDeletion } from './deletion-queue.ts';
import type { PurgeSql } from './purge-sql.port.ts';

/** A rewritten partition did not pass its verification; it was rolled back. */
export class PurgeVerificationFailedError extends LakeopsError {
  constructor(table: string, detail: string) {
    super('PurgeVerificationFailed', `${table}: ${detail}`, { retryable: false });
  }
}

/** Another purge holds the purge lease. */
export class PurgeAlreadyRunningError extends LakeopsError {
  constructor() {
    super('PurgeAlreadyRunning', 'another DSAR purge is running', { retryable: true });
  }
}

export interface PartitionPurge {
  readonly partition: Partition;
  readonly rowsBefore: number;
  readonly rowsRemoved: number;
  /** Bytes of the partition's files before (dry run: what would be rewritten) and after. */
  readonly bytesBefore: number;
  readonly bytesAfter?: number;
  readonly verified?: boolean;
}

export interface TablePurge {
  readonly table: string;
  /**
   * Each partition rewritten (or, dry run, to rewrite). Empty in the stored audit record and
   * manifest, which keep `totals` instead: the list is stored apart, in items
   * `dsar#run-partitions/<run>#<table>#<n>` of at most 1,000 partitions (`readPurgePartitions`).
   */
  readonly partitions: readonly PartitionPurge[];
  /** Counts of `partitions` where the list itself is left out (stored records). */
  readonly totals?: {
    readonly partitions: number;
    readonly bytesBefore: number;
    readonly bytesAfter: number;
    readonly verified: number;
  };
  readonly rowsRemoved: number;
  /** `ok`, or why this table was not purged (its data left as it was). */
  readonly status: 'ok' | 'failed' | 'unchanged';
  readonly error?: { readonly code: string; readonly message: string };
  readonly millis: number;
}

/** The audit record of a run: request ids, tables, partitions, counts, checks, timings. No user ids. */
export interface PurgeReport {
  readonly runId: string;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly completedAt: string;
  readonly requestIds: readonly string[];
  readonly tables: readonly TablePurge[];
  readonly rowsRemoved: number;
  readonly bytesRewritten: number;
  /** Per request: rows removed (a row tying two purged users counts for both) and whether it is verified. */
  readonly requests: readonly {
    readonly requestId: string;
    readonly rowsRemoved: number;
    readonly tables: readonly string[];
    readonly verified: boolean;
  }[];
  /** When the last raw Bronze copy of these users expires (Bronze retention). */
  readonly bronzeExpiresBy?: string;
  /**
   * `paused`: the run stopped between tables (`shouldPause`) and keeps its manifest: the next call
   * resumes it; nothing is verified or marked done yet. `nothing-to-resume`: `onlyResume` found no
   * run. Absent: the run finished.
   */
  readonly outcome?: 'paused' | 'nothing-to-resume';
}

export interface PurgeDeps {
  readonly engine: QueryEngine;
  readonly catalog: Catalog;
  readonly store: ObjectStore;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly sql: PurgeSql;
  /** The ids table (`dsarPurgeIds` of `@lakeops/lake`). */
  readonly idsTable: TableDefinition;
  readonly events?: EventPublisher;
}

export interface PurgeInput {
  readonly runId: string;
  readonly dryRun?: boolean;
  /**
   * The purge lease's time to live, renewed after every table (default 900 s): a run killed
   * mid-way blocks the next one at most this long, which then resumes it.
   */
  readonly leaseSeconds?: number;
  /** Bronze retention in days, for `bronzeExpiresBy` (default 30). */
  readonly bronzeRetentionDays?: number;
  /**
   * Asked before each table: `true` stops the run there, keeping its manifest, so that a later
   * call (the next invocation) resumes it. The AWS driver pauses when its Lambda invocation is
   * about to run out of time.
   */
  readonly shouldPause?: () => boolean;
  /** Only continue a paused or killed run (its manifest); start no new one. */
  readonly onlyResume?: boolean;
  /**
   * Partitions of a table rewritten, verified and committed together (default: all of a table's at
   * once); the run may pause between two groups (`shouldPause`) and resume inside the table. The
   * AWS driver uses Athena's 100 partitions per write, so one group is one CTAS.
   */
  readonly partitionsPerRewrite?: number;
  /**
   * Most requests one run takes, oldest first (default 1,000); the others wait for the next run.
   * It bounds the run's manifest and audit record, kept in one state item each (DynamoDB's 400 KB).
   */
  readonly maxRequests?: number;
}

/** The state of a run in progress, so that a killed run is resumed rather than restarted. */
interface Manifest {
  readonly runId: string;
  readonly requestIds: string[];
  readonly tables: TablePurge[];
  /** The table a paused invocation stopped inside (stored form). */
  partial?: TablePurge;
  readonly tallies: Record<string, { rows: number; tables: string[] }>;
}

const manifestKey = { pk: 'dsar#manifest', sk: 'current' } as const;
const toState = (m: Manifest): StateValue => JSON.parse(JSON.stringify(m)) as StateValue;

const num = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0));

/**
 * The nightly DSAR purge: takes every pending deletion request as one batch and removes, from
 * every Parquet table with user columns, exactly the rows in which a user column holds one of
 * their ids. Per table: one query finds the affected partitions; only those are rewritten
 * (engine write to staging + swap); each is verified (no purged id left, rows kept = before −
 * removed, checksum of kept rows unchanged) and restored from its backup when a check fails.
 * A table that fails keeps its data and the run goes on with the others. Requests whose purge
 * is verified everywhere keep only their salted hash from then on.
 *
 * @example
 * ```ts
 * const report = await purgeDeletedUsers(deps, { runId: 'purge-2026-12-01', dryRun: true });
 * ```
 */
export async function purgeDeletedUsers(deps: PurgeDeps, input: PurgeInput): Promise<PurgeReport> {
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(input.runId)) throw new TypeError('runId must be [a-z0-9-]');
  const started = deps.clock.now();
  const dryRun = input.dryRun ?? false;
  const leaseSeconds = input.leaseSeconds ?? 900;
  let lease = dryRun
    ? undefined
    : await acquireLease(deps, { name: 'dsar-purge', owner: input.runId, ttlSeconds: leaseSeconds });
  if (!dryRun && !lease) throw new PurgeAlreadyRunningError();
  try {
    const queue = new DeletionQueue(deps);
    // A run that was killed left its manifest: resume it (same run id, same requests, done tables skipped).
    const saved = dryRun
      ? undefined
      : ((await deps.state.get(manifestKey))?.value as unknown as Manifest | undefined);
    if (input.onlyResume && !saved) return emptyReport(input.runId, started, dryRun, 'nothing-to-resume');
    const runId = saved?.runId ?? input.runId;
    // The oldest `maxRequests` (a resumed run: its own), in request id order.
    const pending = (await queue.pending())
      .filter((p) => !saved || saved.requestIds.includes(p.requestId))
      .sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0))
      .slice(0, saved ? undefined : (input.maxRequests ?? defaultMaxRequests))
      .sort((a, b) => (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0));
    const manifest: Manifest = saved ?? {
      runId,
      requestIds: pending.map((p) => p.requestId),
      tables: [],
      tallies: {},
    };
    if (!dryRun && pending.length) await deps.state.put(manifestKey, toState(manifest));
    const ids = new Map<string, PendingDeletion[]>();
    for (const p of pending) {
      for (const id of [p.userId, ...p.anonIds]) ids.set(id, [...(ids.get(id) ?? []), p]);
    }
    const perRequest = new Map(
      pending.map((p) => {
        const t = manifest.tallies[p.requestId];
        return [p.requestId, { rows: t?.rows ?? 0, tables: new Set<string>(t?.tables ?? []) }];
      }),
    );
    const resume = dryRun
      ? undefined
      : {
          done: new Map(manifest.tables.map((t) => [t.table, t])),
          ...(input.shouldPause ? { shouldPause: input.shouldPause } : {}),
          ...(manifest.partial ? { partial: manifest.partial } : {}),
          ...(input.partitionsPerRewrite ? { partitionsPerRewrite: input.partitionsPerRewrite } : {}),
          afterPartial: async (t: TablePurge) => {
            await writePartitionList(deps.state, runId, t);
            manifest.partial = stored(t);
            for (const [id, tally] of perRequest)
              manifest.tallies[id] = { rows: tally.rows, tables: [...tally.tables] };
            await deps.state.put(manifestKey, toState(manifest));
          },
          afterTable: async (t: TablePurge) => {
            await writePartitionList(deps.state, runId, t);
            delete manifest.partial;
            manifest.tables.push(stored(t));
            for (const [id, tally] of perRequest)
              manifest.tallies[id] = { rows: tally.rows, tables: [...tally.tables] };
            await deps.state.put(manifestKey, toState(manifest));
            if (lease) lease = await renewLease(deps, lease, leaseSeconds);
          },
        };
    const { tables, paused } = await removeIds(deps, runId, ids, dryRun, perRequest, undefined, resume);
    if (paused) {
      return { ...emptyReport(runId, started, dryRun, 'paused'), requestIds: manifest.requestIds, tables };
    }
    const allOk = tables.every((t) => t.status !== 'failed');
    const completed = deps.clock.now();
    const retention = input.bronzeRetentionDays ?? 30;
    const report: PurgeReport = {
      runId,
      dryRun,
      startedAt: started.toISOString(),
      completedAt: completed.toISOString(),
      requestIds: pending.map((p) => p.requestId),
      tables,
      rowsRemoved: tables.reduce((s, t) => s + t.rowsRemoved, 0),
      bytesRewritten: tables.reduce(
        (s, t) =>
          s +
          (t.totals
            ? dryRun
              ? t.totals.bytesBefore
              : t.totals.bytesAfter
            : t.partitions.reduce((b, p) => b + (dryRun ? p.bytesBefore : (p.bytesAfter ?? 0)), 0)),
        0,
      ),
      requests: pending.map((p) => ({
        requestId: p.requestId,
        rowsRemoved: perRequest.get(p.requestId)?.rows ?? 0,
        tables: [...(perRequest.get(p.requestId)?.tables ?? [])],
        verified: !dryRun && allOk,
      })),
      ...(pending.length
        ? {
            bronzeExpiresBy: new Date(completed.getTime() + retention * 86_400_000)
              .toISOString()
              .slice(0, 10),
          }
        : {}),
    };
    if (!dryRun) {
      await finish(deps, queue, pending, report);
      await deps.state.delete(manifestKey);
    }
    return report;
  } finally {
    if (lease) await releaseLease(deps, lease);
  }
}

/**
 * Removes the rows of these ids from every Parquet table with user columns (the core of the purge,
 * shared with the no-resurrection filter after builds): backups a killed run left are repaired
 * first, the ids table is written, tables are purged one by one (a failed table keeps its data),
 * and the ids table is removed.
 */
export async function removeIds(
  deps: PurgeDeps,
  runId: string,
  ids: ReadonlyMap<string, readonly PendingDeletion[]>,
  dryRun: boolean,
  perRequest: ReadonlyMap<string, { rows: number; tables: Set<string> }> = new Map(),
  only?: (table: TableDefinition) => readonly Partition[] | undefined,
  resume?: {
    readonly done: ReadonlyMap<string, TablePurge>;
    /** The table a paused invocation stopped inside, as far as it got (stored form: totals). */
    readonly partial?: TablePurge;
    afterTable(table: TablePurge): Promise<void>;
    /** A table paused between two groups of its partitions (`partitionsPerRewrite`). */
    afterPartial?(table: TablePurge): Promise<void>;
    shouldPause?: () => boolean;
    readonly partitionsPerRewrite?: number;
  },
): Promise<{ tables: TablePurge[]; paused?: true }> {
  const tables: TablePurge[] = [];
  const idsRef = { table: qualifiedName(deps.idsTable), run: runId };
  const idsPrefix = `${deps.idsTable.zone}/${deps.idsTable.name}/run=${runId}/`;
  if (!dryRun) await repairBackups(deps.store, `${backupRoot}${runId}/`);
  if (!ids.size) return { tables };
  await deps.store.write(
    `${idsPrefix}ids.json`,
    `${[...ids.keys()].map((id) => JSON.stringify({ user_id: id })).join('\n')}\n`,
  );
  try {
    const candidates = (await deps.catalog.tables()).filter(
      (t) => t.userColumns.length > 0 && t.format === 'parquet',
    );
    for (const table of candidates) {
      const t0 = Date.now();
      const done = resume?.done.get(qualifiedName(table));
      if (done) {
        tables.push(done);
        continue;
      }
      if (resume?.shouldPause?.()) return { tables, paused: true };
      try {
        const { paused, ...result } = await purgeTable(
          deps,
          table,
          idsRef,
          dryRun,
          ids,
          perRequest,
          only?.(table),
          {
            ...(resume?.partitionsPerRewrite ? { partitionsPerRewrite: resume.partitionsPerRewrite } : {}),
            ...(resume?.shouldPause ? { shouldPause: resume.shouldPause } : {}),
          },
        );
        const earlier = resume?.partial?.table === result.table ? resume.partial : undefined;
        const done = withEarlier({ ...result, millis: Date.now() - t0 }, earlier);
        if (paused) {
          await resume?.afterPartial?.(done);
          tables.push(done);
          return { tables, paused: true };
        }
        tables.push(done);
        if (result.status !== 'failed') await resume?.afterTable(done);
      } catch (error) {
        const code = error instanceof LakeopsError ? error.code : 'Unexpected';
        const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
        // Groups an earlier invocation committed stay purged: their rows and totals are kept.
        const earlier = resume?.partial?.table === qualifiedName(table) ? resume.partial : undefined;
        tables.push(
          withEarlier(
            {
              table: qualifiedName(table),
              partitions: [],
              rowsRemoved: 0,
              status: 'failed',
              error: { code, message },
              millis: Date.now() - t0,
            },
            earlier,
          ),
        );
      }
    }
    return { tables };
  } finally {
    await deps.store.deletePrefix(idsPrefix);
    // Backups hold the purged users' rows: never keep them past the run.
    await deps.store.deletePrefix(`${backupRoot}${runId}/`);
  }
}

const backupRoot = '_dsar/backup/';

/** Default of `PurgeInput.maxRequests`. */
export const defaultMaxRequests = 1000;
/** Partitions per stored item of a table's partition list (≈ 120 bytes each: ≈ 120 KB). */
const partitionsPerItem = 1000;

/** The totals of a list of partitions. */
function totalsOf(partitions: readonly PartitionPurge[]): NonNullable<TablePurge['totals']> {
  return {
    partitions: partitions.length,
    bytesBefore: sum(partitions.map((p) => p.bytesBefore)),
    bytesAfter: sum(partitions.map((p) => p.bytesAfter ?? 0)),
    verified: partitions.filter((p) => p.verified === true).length,
  };
}

/**
 * A table's record as stored (manifest, audit): the partition list left out, its totals kept. A
 * record with totals keeps them: its list may hold only the partitions of this invocation.
 */
function stored(t: TablePurge): TablePurge {
  return { ...t, partitions: [], totals: t.totals ?? totalsOf(t.partitions) };
}

/**
 * A table resumed inside (`earlier`: what the paused invocations did): this invocation's list, the
 * totals and rows of all of them. Without `earlier`, the table as it is.
 */
function withEarlier(t: TablePurge, earlier: TablePurge | undefined): TablePurge {
  if (!earlier?.totals) return t;
  const now = totalsOf(t.partitions);
  const before = earlier.totals;
  return {
    ...t,
    rowsRemoved: earlier.rowsRemoved + t.rowsRemoved,
    status: t.status === 'failed' ? 'failed' : 'ok',
    millis: earlier.millis + t.millis,
    totals: {
      partitions: before.partitions + now.partitions,
      bytesBefore: before.bytesBefore + now.bytesBefore,
      bytesAfter: before.bytesAfter + now.bytesAfter,
      verified: before.verified + now.verified,
    },
  };
}

/**
 * Stores the partitions of `t` this invocation did in items of `partitionsPerItem`, numbered after
 * those stored before for the same table (a table resumed inside: `t.totals` counts them too).
 */
async function writePartitionList(state: StateStore, runId: string, t: TablePurge): Promise<void> {
  const offset = (t.totals?.partitions ?? t.partitions.length) - t.partitions.length;
  for (let i = 0; i * partitionsPerItem < t.partitions.length; i++) {
    const part = t.partitions.slice(i * partitionsPerItem, (i + 1) * partitionsPerItem);
    const first = offset + i * partitionsPerItem;
    await state.put(
      { pk: 'dsar#run-partitions', sk: `${runId}#${t.table}#${String(first).padStart(7, '0')}` },
      JSON.parse(JSON.stringify({ partitions: part })) as StateValue,
    );
  }
}

/**
 * The partitions a run rewrote in a table, as its audit stored them (the audit record `dsar#run/<run>`
 * keeps only each table's totals).
 *
 * @example
 * ```ts
 * const partitions = await readPurgePartitions(state, 'purge-20261201-020000', 'silver.fact_payments');
 * ```
 */
export async function readPurgePartitions(
  state: StateStore,
  runId: string,
  table: string,
): Promise<PartitionPurge[]> {
  const out: PartitionPurge[] = [];
  for await (const item of queryAll(state, { pk: 'dsar#run-partitions', skPrefix: `${runId}#${table}#` })) {
    out.push(...(((item.value as { partitions?: PartitionPurge[] }).partitions ?? []) as PartitionPurge[]));
  }
  return out;
}

/**
 * The old files' prefixes of a table's rewrite in flight, by partition path, in items of at most
 * 2,000 partitions (`dsar#superseded/<table>#<n>`: ≈ 140 KB, under DynamoDB's 400 KB per item).
 */
const supersededPk = 'dsar#superseded';
const supersededPerItem = 2000;

/**
 * Records where these partitions' files are before their rewrite, when the engine says
 * (`partitionPrefixes`: Athena, whose switch leaves the old files in place); false otherwise
 * (the local engine moves them under the run's backup, repaired by `repairBackups`).
 */
async function recordSuperseded(
  deps: PurgeDeps,
  table: TableDefinition,
  partitions: readonly Partition[],
): Promise<boolean> {
  const at = await deps.engine.partitionPrefixes?.(table, partitions);
  if (!at?.size) return false;
  const entries = [...at];
  for (let i = 0; i * supersededPerItem < entries.length; i++) {
    const part = entries.slice(i * supersededPerItem, (i + 1) * supersededPerItem);
    await deps.state.put(
      { pk: supersededPk, sk: `${qualifiedName(table)}#${i}` },
      { prefixes: Object.fromEntries(part) },
    );
  }
  return true;
}

/** The items `recordSuperseded` wrote for a table. */
async function supersededItems(deps: PurgeDeps, table: TableDefinition): Promise<StateItem[]> {
  const items: StateItem[] = [];
  for await (const item of queryAll(deps.state, { pk: supersededPk, skPrefix: `${qualifiedName(table)}#` }))
    items.push(item);
  return items;
}

/**
 * After a run killed between a rewrite's switch and the delete of the old files: each recorded
 * old prefix the partition no longer lives at holds rows the purge removed and nothing reads, and
 * is deleted; one the partition still lives at (killed before its switch, or restored) is kept.
 */
async function sweepSuperseded(deps: PurgeDeps, table: TableDefinition): Promise<void> {
  if (!deps.engine.partitionPrefixes) return;
  for (const item of await supersededItems(deps, table)) {
    const recorded = (item.value as { prefixes?: Record<string, string> }).prefixes ?? {};
    const paths = Object.keys(recorded);
    const now = await deps.engine.partitionPrefixes(table, paths.map(parsePartitionPath));
    for (const path of paths) {
      const prefix = recorded[path];
      if (prefix !== undefined && now.get(path) !== prefix) await deps.store.deletePrefix(prefix);
    }
    await deps.state.delete({ pk: item.pk, sk: item.sk });
  }
}

/** Forgets a table's recorded old files once they are deleted. */
async function forgetSuperseded(deps: PurgeDeps, table: TableDefinition): Promise<void> {
  for (const item of await supersededItems(deps, table))
    await deps.state.delete({ pk: item.pk, sk: item.sk });
}

/**
 * A run killed inside a partition swap (between moving the old folder to its backup and moving
 * the new one in) leaves the partition missing and its old files under `_dsar/backup/<run>/`;
 * the resumed run (same run id) puts those back before anything else, so no partition is lost.
 * Every other backup is of a partition already swapped (new files in place): deleted.
 */
async function repairBackups(store: ObjectStore, backup: string): Promise<void> {
  const objects = await store.list(backup);
  if (!objects.length) return;
  const folders = new Set(objects.map((o) => o.key.slice(0, o.key.lastIndexOf('/') + 1)));
  for (const folder of folders) {
    const live = folder.slice(backup.length);
    if (live && !(await store.list(live)).length) await store.replacePrefix(live, folder);
  }
  await store.deletePrefix(backup);
}

/** What `purgeTable` did; `paused` when it stopped between two groups of partitions (`shouldPause`). */
type TableOutcome = Omit<TablePurge, 'millis'> & { readonly paused?: true };

async function purgeTable(
  deps: PurgeDeps,
  table: TableDefinition,
  idsRef: { table: string; run: string },
  dryRun: boolean,
  ids: ReadonlyMap<string, readonly PendingDeletion[]>,
  perRequest: ReadonlyMap<string, { rows: number; tables: Set<string> }>,
  only?: readonly Partition[],
  chunking: { readonly partitionsPerRewrite?: number; readonly shouldPause?: () => boolean } = {},
): Promise<TableOutcome> {
  const name = qualifiedName(table);
  if (!dryRun) await sweepSuperseded(deps, table);
  // The one scan of the table: user columns and partition keys only, joined with the ids; of the
  // partitions the engine's index could not rule out, when it keeps one (none left: no scan).
  const mayHold = await deps.engine.partitionsMayHold?.(table, [...ids.keys()]);
  const hits =
    mayHold?.partitions.length === 0
      ? []
      : await deps.engine.query(deps.sql.affected(table, idsRef, mayHold));
  const partitions = uniquePartitions(table, hits).filter(
    (p) => !only || only.some((prefix) => isUnderPrefix(table, p, prefix)),
  );
  const hitsIn = new Map<string, number>();
  // Per partition, the rows each request has there: counted for the request once the partition
  // is purged (or, dry run, found).
  const requestRows = new Map<string, { requestId: string; rows: number }[]>();
  for (const hit of hits) {
    const key = partitionPath(table, partitionOf(table, hit));
    hitsIn.set(key, (hitsIn.get(key) ?? 0) + num(hit.n));
    for (const request of ids.get(String(hit.user_id)) ?? []) {
      requestRows.set(key, [
        ...(requestRows.get(key) ?? []),
        { requestId: request.requestId, rows: num(hit.n) },
      ]);
    }
  }
  const tally = (keys: Iterable<string>) => {
    for (const key of keys) {
      for (const { requestId, rows } of requestRows.get(key) ?? []) {
        const t = perRequest.get(requestId);
        if (!t) continue;
        t.rows += rows;
        t.tables.add(name);
      }
    }
  };
  if (!partitions.length) return { table: name, partitions: [], rowsRemoved: 0, status: 'unchanged' };
  if (dryRun) {
    tally(hitsIn.keys());
    const bytesBefore = await bytesByPartition(deps, table, partitions);
    const before = byPartition(
      table,
      await deps.engine.query(deps.sql.partitionStats(table, idsRef, partitions)),
    );
    const planned = partitions.map((p) => {
      const b = before.get(partitionPath(table, p));
      return {
        partition: p,
        rowsBefore: num(b?.rows_total),
        rowsRemoved: num(b?.rows_matched),
        bytesBefore: bytesBefore.get(partitionPath(table, p)) ?? 0,
      };
    });
    return {
      table: name,
      partitions: planned,
      rowsRemoved: sum(planned.map((p) => p.rowsRemoved)),
      status: 'ok',
    };
  }
  // A table's partitions are rewritten in groups of `partitionsPerRewrite` (all at once by
  // default), each verified and committed on its own; between two groups the run may pause
  // (`shouldPause`): the next invocation finds only the partitions still holding the ids.
  const size = Math.max(1, chunking.partitionsPerRewrite ?? partitions.length);
  const results: PartitionPurge[] = [];
  for (let start = 0; start < partitions.length; start += size) {
    if (start > 0 && chunking.shouldPause?.()) {
      return {
        table: name,
        partitions: results,
        rowsRemoved: sum(results.map((r) => r.rowsRemoved)),
        status: 'ok',
        paused: true,
      };
    }
    const group = partitions.slice(start, start + size);
    results.push(...(await rewriteGroup(deps, table, idsRef, group, hitsIn)));
    tally(group.map((p) => partitionPath(table, p)));
  }
  return {
    table: name,
    partitions: results,
    rowsRemoved: sum(results.map((r) => r.rowsRemoved)),
    status: 'ok',
  };
}

/**
 * Rewrites a group of a table's partitions without the ids' rows, verifies every one (or puts the
 * group back and throws), then deletes the old files.
 */
async function rewriteGroup(
  deps: PurgeDeps,
  table: TableDefinition,
  idsRef: { table: string; run: string },
  partitions: readonly Partition[],
  hitsIn: ReadonlyMap<string, number>,
): Promise<PartitionPurge[]> {
  const name = qualifiedName(table);
  const bytesBefore = await bytesByPartition(deps, table, partitions);
  // The old files are kept (moved, not copied) under the run's backup prefix until verified.
  const backup = `${backupRoot}${idsRef.run}/`;
  const tableBackup = `${backup}${table.zone}/${table.name}/`;
  await deps.store.deletePrefix(tableBackup);
  // Where an engine that switches a catalog entry leaves the old files (Athena: they stay where
  // they are until deleted below), they are recorded first: a run killed after the switch and
  // before the delete would otherwise leave files holding the purged rows that nothing points at.
  const old = await recordSuperseded(deps, table, partitions);
  try {
    const rewritten = await deps.engine.rewritePartitions({
      table,
      partitions,
      drop: deps.sql.matches(table, idsRef),
      keepReplacedUnder: backup,
    });
    const bytesAfter = await bytesByPartition(deps, table, partitions);
    const results: PartitionPurge[] = [];
    const failures: string[] = [];
    // By partition path (a lookup per partition: a scan of the list each was quadratic, ≈ 0.2 s at 1,200).
    const byPath = new Map(rewritten.map((x) => [partitionPath(table, x.partition), x]));
    for (const p of partitions) {
      const key = partitionPath(table, p);
      const r = byPath.get(key);
      const b = r?.before;
      const a = r?.after;
      const removed = b?.dropped ?? 0;
      const expectedRows = (b?.rows ?? 0) - removed;
      // The drop predicate and the join of the find step agree (one user column: a row per hit).
      const found = hitsIn.get(key) ?? 0;
      const agrees = table.userColumns.length === 1 ? removed === found : removed > 0 && removed <= found;
      const ok =
        r !== undefined &&
        agrees &&
        a?.dropped === 0 &&
        a.rows === expectedRows &&
        (expectedRows === 0 || a.checksum === b?.checksum);
      if (!ok) failures.push(key || '(whole table)');
      results.push({
        partition: p,
        rowsBefore: b?.rows ?? 0,
        rowsRemoved: removed,
        bytesBefore: bytesBefore.get(key) ?? 0,
        bytesAfter: bytesAfter.get(key) ?? 0,
        verified: ok,
      });
    }
    if (failures.length) {
      await deps.engine.restorePartitions(table, rewritten);
      throw new PurgeVerificationFailedError(
        name,
        `verification failed for ${failures.join(', ')}; restored`,
      );
    }
    // Verified: the old files go (on S3 they stay at their old location until now).
    for (const r of rewritten) {
      if (r.replacedKey && !r.replacedKey.startsWith(tableBackup))
        await deps.store.deletePrefix(r.replacedKey);
    }
    if (old) await forgetSuperseded(deps, table);
    return results;
  } finally {
    await deps.store.deletePrefix(tableBackup);
  }
}

function emptyReport(
  runId: string,
  started: Date,
  dryRun: boolean,
  outcome: 'paused' | 'nothing-to-resume',
): PurgeReport {
  return {
    runId,
    dryRun,
    startedAt: started.toISOString(),
    completedAt: started.toISOString(),
    requestIds: [],
    tables: [],
    rowsRemoved: 0,
    bytesRewritten: 0,
    requests: [],
    outcome,
  };
}

async function finish(
  deps: PurgeDeps,
  queue: DeletionQueue,
  pending: readonly PendingDeletion[],
  report: PurgeReport,
): Promise<void> {
  // The partition lists were stored table by table as each table was done (`afterTable`).
  const audit: StateValue = JSON.parse(
    JSON.stringify({ ...report, tables: report.tables.map(stored) }),
  ) as StateValue;
  await deps.state.put({ pk: 'dsar#run', sk: report.runId }, audit);
  const events = [];
  for (const request of report.requests) {
    const p = pending.find((x) => x.requestId === request.requestId);
    if (!p || !request.verified) continue;
    await queue.markVerified({
      requestId: p.requestId,
      userHash: p.userHash,
      requestedAt: p.requestedAt,
      verifiedAt: report.completedAt,
      runId: report.runId,
      rowsRemoved: request.rowsRemoved,
    });
    events.push({
      source: 'lakeops.privacy',
      detailType: 'dsar.purge.completed',
      detail: {
        v: 1,
        request_id: request.requestId,
        tables: request.tables,
        rows_deleted: request.rowsRemoved,
        verified: true,
        started_at: report.startedAt,
        completed_at: report.completedAt,
      },
    });
  }
  if (events.length) await deps.events?.publish(events);
}

function prefixOf(table: TableDefinition, p: Partition): string {
  const path = partitionPath(table, p);
  return `${table.zone}/${table.name}/${path ? `${path}/` : ''}`;
}

/**
 * Bytes per partition path of these partitions: one listing per partition, so the cost follows
 * them, not the table; of where each partition's files are now (`partitionPrefixes`: on Athena,
 * after a rewrite, under the staging location Glue points at), else of its folder.
 */
export async function bytesByPartition(
  deps: { readonly store: ObjectStore; readonly engine: Pick<QueryEngine, 'partitionPrefixes'> },
  table: TableDefinition,
  partitions: readonly Partition[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const at = await deps.engine.partitionPrefixes?.(table, partitions);
  // 16 partitions listed at a time: a purge of 1,000 users lists every partition twice.
  for (let i = 0; i < partitions.length; i += 16) {
    const batch = partitions.slice(i, i + 16);
    const sizes = await Promise.all(
      batch.map(async (p) => {
        const prefix = at?.get(partitionPath(table, p)) ?? prefixOf(table, p);
        return sum((await deps.store.list(prefix)).map((o) => o.size));
      }),
    );
    batch.forEach((p, j) => {
      out.set(partitionPath(table, p), sizes[j] ?? 0);
    });
  }
  return out;
}

function partitionOf(table: TableDefinition, row: Row): Partition {
  const p: Record<string, string> = {};
  for (const k of table.partitionKeys) p[k] = String(row[k]);
  return p;
}

function uniquePartitions(table: TableDefinition, rows: readonly Row[]): Partition[] {
  const seen = new Map<string, Partition>();
  for (const row of rows) {
    const p = partitionOf(table, row);
    seen.set(partitionPath(table, p), p);
  }
  return [...seen.values()].sort((a, b) => partitionPath(table, a).localeCompare(partitionPath(table, b)));
}

function byPartition(table: TableDefinition, rows: readonly Row[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const row of rows) {
    const p: Record<string, string> = {};
    for (const k of table.partitionKeys) p[k] = String(row[k]);
    out.set(partitionPath(table, p), row);
  }
  return out;
}

const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
