import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type ConsoleAsset, type ConsoleDeps, cachedQueryEngine } from '@lakeops/console';
import { type Catalog, LakeopsError, type QueryEngine, systemClock } from '@lakeops/core';
import { consoleFunction } from '../url-functions.ts';
import { dynamoDbState } from './aws-deps.ts';
import { EnvironmentMissingError, readAwsEnv } from './aws-env.ts';

// The ops console's AWS composition root, apart from aws-deps.ts: only functions/console.ts imports
// it, so @lakeops/console (and the @lakeops/lake it reads) stays out of every other bundle.

/** The console's Athena queries give up (and stop the query) before the function URL's 30 s timeout. */
export const consoleQueryTimeoutMs = 25_000;

/**
 * The ops console on AWS (functions/console.ts), once per cold start: Athena in the reads
 * workgroup behind `cachedQueryEngine` (each SQL text's rows kept for the NRT refresh period,
 * `LAKEOPS_CONSOLE_CACHE_SECONDS`), the DynamoDB state table, and the page's files bundled under
 * `LAMBDA_TASK_ROOT`. No lineage, permission preview or notification log: those pages' sections are
 * left out on AWS (their sources are the repo's files, local Lake Formation state and the outbox).
 */
export async function consoleDeps(): Promise<ConsoleDeps> {
  const env = readAwsEnv();
  const { athenaReadWorkgroup: workgroup, glueDatabasePrefix: prefix, consoleCacheSeconds } = env;
  if (!workgroup) throw new EnvironmentMissingError('LAKEOPS_ATHENA_READ_WORKGROUP');
  if (!prefix) throw new EnvironmentMissingError('LAKEOPS_GLUE_DATABASE_PREFIX');
  if (consoleCacheSeconds === undefined) throw new EnvironmentMissingError('LAKEOPS_CONSOLE_CACHE_SECONDS');
  // The module, not the package: the package index would carry Glue, S3 and Lake Formation along.
  const [{ AthenaClient }, { AthenaQueryEngine }] = await Promise.all([
    import('@aws-sdk/client-athena'),
    import('@lakeops/adapters-aws/athena-query-engine'),
  ]);
  const athena = new AthenaQueryEngine({
    client: new AthenaClient({}),
    readWorkgroup: workgroup,
    // The console only reads: its role may run nothing in the writes workgroup, and the write
    // path's catalog and object store refuse (readOnly below refuses before either is reached).
    writeWorkgroup: workgroup,
    databasePrefix: prefix,
    stagingLocation: 's3://lakeops-console-reads-only/',
    catalog: refusingCatalog,
    objects: {
      keyOf: () => undefined,
      locationOf: () => 's3://lakeops-console-reads-only/',
      deletePrefix: refuseWrite,
    },
    timeoutMs: consoleQueryTimeoutMs,
  });
  return {
    engine: cachedQueryEngine(readOnly(athena), { ttlSeconds: consoleCacheSeconds, clock: systemClock }),
    state: await dynamoDbState(env),
    clock: systemClock,
    asset: bundledConsoleAssets(env.taskRoot ?? process.cwd()),
  };
}

/** A write through the console's engine: it reads the lake only (its role has no write grant). */
export class ConsoleWriteRefusedError extends LakeopsError {
  constructor() {
    super('ConsoleWriteRefused', 'the console reads the lake only', { retryable: false });
  }
}

const refuseWrite = (): Promise<never> => Promise.reject(new ConsoleWriteRefusedError());

const refusingCatalog: Catalog = {
  tables: refuseWrite,
  table: refuseWrite,
  partitions: refuseWrite,
  partitionLocation: refuseWrite,
  setPartitionLocation: refuseWrite,
  dropPartition: refuseWrite,
};

function readOnly(engine: QueryEngine): QueryEngine {
  return {
    query: (sql, options) => engine.query(sql, options),
    stream: (sql, options) => engine.stream(sql, options),
    writePartitions: refuseWrite,
    rewritePartitions: refuseWrite,
    restorePartitions: refuseWrite,
    ...(engine.partitionsMayHold
      ? {
          partitionsMayHold: (table, ids) =>
            engine.partitionsMayHold?.(table, ids) ?? Promise.resolve(undefined),
        }
      : {}),
    close: () => engine.close(),
  };
}

const contentTypes: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The console's files as the stacks copy them into the bundle (`consoleFunction.files`, same
 * relative paths under `root`), served by file name (`/console/assets/uPlot.iife.min.js`); read
 * once, then kept. A name not in the list is undefined (404).
 */
export function bundledConsoleAssets(root: string): ConsoleDeps['asset'] {
  const files = new Map((consoleFunction.files ?? []).map((path) => [basename(path), path]));
  const cache = new Map<string, Promise<ConsoleAsset>>();
  return async (name) => {
    const path = files.get(name);
    const contentType = contentTypes[name.slice(name.lastIndexOf('.'))];
    if (path === undefined || contentType === undefined) return undefined;
    let asset = cache.get(name);
    if (!asset) {
      asset = readFile(join(root, path), 'utf8').then((body) => ({ body, contentType }));
      asset.catch(() => cache.delete(name));
      cache.set(name, asset);
    }
    return asset;
  };
}
