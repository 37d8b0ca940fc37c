import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { DuckDbQueryEngine, FsCatalog, FsObjectStore } from '@lakeops/adapters-local';
import { LakeopsError } from '@lakeops/core';
import {
  buildLake,
  dsarPurgeIds,
  type Progress,
  type ProgressListener,
  seedBronze,
  tables,
} from '@lakeops/lake';
import { CliUsageError } from './command.ts';
import { localMembershipKey } from './membership-key.ts';

/** The local lake under `<home>/lake`: the DuckDB engine, the filesystem store and catalog. */
export interface LocalLake {
  readonly root: string;
  readonly engine: DuckDbQueryEngine;
  readonly store: FsObjectStore;
  readonly catalog: FsCatalog;
  close(): Promise<void>;
}

/** Opens the lake; `read-only` for SQL a user typed (see DuckDbQueryEngineOptions.access). */
export async function openLocalLake(
  home: string,
  access: 'read-write' | 'read-only' = 'read-write',
): Promise<LocalLake> {
  const root = join(home, 'lake');
  // The DSAR ids table is the engine's only: purges and builds join it, the catalog never lists it.
  // Writers keep the partitions' membership sidecars (the purge's find step skips by them).
  const engine = await DuckDbQueryEngine.open({
    root,
    tables: [...tables, dsarPurgeIds],
    access,
    ...(access === 'read-write' ? { membershipKey: await localMembershipKey(home) } : {}),
  });
  return {
    root,
    engine,
    store: new FsObjectStore({ root }),
    catalog: new FsCatalog({ root, tables }),
    close: () => engine.close(),
  };
}

/** Turns a lake error (corrupt file, unknown table, failed query) into one line and exit code 1. */
export function asUsageError(error: unknown): unknown {
  if (error instanceof LakeopsError) return new CliUsageError(error.message, { exitCode: 1, cause: error });
  if (error instanceof RangeError) return new CliUsageError(error.message, { exitCode: 2, cause: error });
  return error;
}

/** A progress bar on a terminal; off a terminal (a pipe, a file, CI) one plain line per finished phase. */
export function progressPrinter(stream: NodeJS.WritableStream & { isTTY?: boolean }): ProgressListener {
  return (p: Progress) => {
    if (stream.isTTY) {
      const width = 28;
      const filled = p.total ? Math.round((p.done / p.total) * width) : width;
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      stream.write(
        `\r${p.phase.padEnd(6)} ${bar} ${String(p.done).padStart(3)}/${p.total} ${(p.label ?? '').padEnd(34)}`,
      );
      if (p.done >= p.total) stream.write('\n');
    } else if (p.done >= p.total) {
      stream.write(`${p.phase} ${p.done}/${p.total} ${p.label ?? ''}\n`);
    }
  };
}

/** True when no table of the lake under `root` holds any data yet. */
export async function lakeIsEmpty(root: string): Promise<boolean> {
  for (const table of tables) if (await hasEntries(join(root, table.zone, table.name))) return false;
  return true;
}

async function hasEntries(dir: string): Promise<boolean> {
  return (await readdir(dir).catch(() => [] as string[])).some(
    (e) => !e.startsWith('.') && !e.startsWith('_'),
  );
}

export interface DemoLakeOptions {
  readonly home: string;
  readonly days?: number;
  readonly users?: number;
  readonly seed?: number;
  /** The last instant with data (default: now). */
  readonly end?: Date;
  readonly progress?: ProgressListener;
  /** Stops seeding/building when aborted (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/**
 * Makes sure `<home>/lake` holds a demo marketplace: seeds Bronze and builds Silver and Gold when
 * there is no seeded lake yet (events the local bus archived are kept), builds only when a seed exists
 * without Gold, and returns at once otherwise.
 *
 * @example
 * ```ts
 * await ensureDemoLake({ home: config.home, days: 14, users: 5000, seed: 42, progress: progressPrinter(process.stderr) });
 * ```
 */
export async function ensureDemoLake(options: DemoLakeOptions): Promise<{ seeded: boolean; built: boolean }> {
  const root = join(options.home, 'lake');
  // A seed leaves daily exports; the local bus only appends events. So events archived by the
  // bus before the first `npm start` do not count as a seeded lake (and the seed keeps them).
  const seededBefore = await hasEntries(join(root, 'bronze', 'accounts_snapshot'));
  const hasGold = await hasEntries(join(root, 'gold', 'kpi_gmv_daily'));
  if (seededBefore && hasGold) return { seeded: false, built: false };
  const lake = await openLocalLake(options.home);
  try {
    const progress = {
      ...(options.progress ? { progress: options.progress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    if (!seededBefore) {
      await seedBronze(
        { store: lake.store },
        {
          days: options.days ?? 14,
          users: options.users ?? 5000,
          seed: options.seed ?? 42,
          ...(options.end ? { end: options.end } : {}),
          ...progress,
        },
      );
    }
    await buildLake({ engine: lake.engine }, progress);
    return { seeded: !seededBefore, built: true };
  } finally {
    await lake.close();
  }
}

/** `node:util` parseArgs whose mistakes become one-line usage errors. */
export function parseOptions<T extends ParseArgsConfig['options']>(
  args: readonly string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals });
  } catch (error) {
    const message =
      (error as Error).message.split('\n')[0]?.replace(/\. To specify .*$/, '') ?? 'bad arguments';
    throw new CliUsageError(message, { cause: error });
  }
}
