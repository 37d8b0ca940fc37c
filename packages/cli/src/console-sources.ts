import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConsoleDeps, SentNotification, TablePreview } from '@lakeops/console';
import { fileConsoleAssets } from '@lakeops/console/node-http';
import { listSchemas } from '@lakeops/contracts';
import { effectiveAccess, qualifiedName, rowFilterSql, systemClock } from '@lakeops/core';
import { type LineageGraph, lineageGraph, loadExpectationSuites, loadModels, tables } from '@lakeops/lake';
import { LakeFormationStore } from '@lakeops/local-cloud';
import type { LocalDeps } from './local-runtime.ts';
import {
  DEFAULT_POLICY_FILE,
  lakeStage,
  loadDesiredPermissions,
  policyCatalog,
} from './permissions-policy.ts';

/**
 * The console's sources on the embedded platform: the runtime's DuckDB engine and SQLite state,
 * the lineage of the repo's schemas, models and suites, the local Lake Formation state for the
 * permission preview (principals named in permissions/policy.ts), and the outbox for the last
 * notifications.
 */
export function localConsoleDeps(input: {
  readonly home: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly deps: Pick<LocalDeps, 'engine' | 'state'>;
}): ConsoleDeps {
  const stage = lakeStage(input.env);
  let graph: Promise<LineageGraph> | undefined;
  let policy: ReturnType<typeof loadDesiredPermissions> | undefined;
  const principals = async () => {
    policy ??= loadDesiredPermissions(DEFAULT_POLICY_FILE, input.cwd, stage);
    return (await policy).names;
  };
  return {
    engine: input.deps.engine,
    state: input.deps.state,
    clock: systemClock,
    asset: fileConsoleAssets(),
    lineage: () => {
      graph ??= (async () =>
        lineageGraph({
          tables,
          models: await loadModels(),
          schemas: listSchemas(),
          suites: [...(await loadExpectationSuites()).keys()],
        }))();
      return graph;
    },
    permissions: {
      principals: async () => [...(await principals()).values()],
      async preview(name): Promise<TablePreview[] | undefined> {
        const arn = [...(await principals())].find(([, n]) => n === name)?.[0];
        if (arn === undefined) return undefined;
        const store = LakeFormationStore.open(join(input.home, 'state', 'lakeformation.sqlite'));
        try {
          const access = effectiveAccess(arn, store.grants(), store.filters(), policyCatalog(stage));
          return [...access.values()]
            .map((a) => ({
              table: qualifiedName(a.table),
              columns: a.columns,
              hiddenColumns: a.table.columns.length - a.columns.length,
              rowFilter: a.rowFilter === undefined ? null : rowFilterSql(a.rowFilter),
            }))
            .sort((a, b) => a.table.localeCompare(b.table));
        } finally {
          store.close();
        }
      },
    },
    notifications: (limit) => lastNotifications(join(input.home, 'outbox', 'notifications.jsonl'), limit),
  };
}

/** The last lines of the outbox, newest first: when, severity, title and action only. */
async function lastNotifications(file: string, limit: number): Promise<SentNotification[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const out: SentNotification[] = [];
  for (const line of text.trim().split('\n').reverse()) {
    if (out.length >= limit) break;
    if (!line) continue;
    try {
      const n = JSON.parse(line) as Record<string, unknown>;
      out.push({
        at: typeof n.sentAt === 'string' ? n.sentAt : null,
        severity: typeof n.severity === 'string' ? n.severity : 'info',
        title: typeof n.title === 'string' ? n.title : '',
        action: typeof n.action === 'string' ? n.action : 'trigger',
      });
    } catch {
      // A torn last line of a writer still appending: skipped.
    }
  }
  return out;
}
