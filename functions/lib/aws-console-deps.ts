import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type ConsoleAsset, type ConsoleDeps, cachedQueryEngine } from '@lakeops/console';
import { systemClock } from '@lakeops/core';
import { consoleFunction } from '../url-functions.ts';
import { readOnlyAthenaEngine } from './athena-reads.ts';
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
  const athena = await readOnlyAthenaEngine({
    workgroup,
    databasePrefix: prefix,
    what: 'the console',
    timeoutMs: consoleQueryTimeoutMs,
  });
  return {
    engine: cachedQueryEngine(athena, { ttlSeconds: consoleCacheSeconds, clock: systemClock }),
    state: await dynamoDbState(env),
    clock: systemClock,
    asset: bundledConsoleAssets(env.taskRoot ?? process.cwd()),
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
