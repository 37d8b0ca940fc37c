import type { Clock, QueryEngine, Row } from '@lakeops/core';

/**
 * A read cache in front of a query engine, for the console on AWS: each SQL text's rows are kept
 * `ttlSeconds` (the NRT refresh period), so page loads within it cost no Athena query; concurrent
 * identical queries share one execution; a failed query is not kept. Writes and streams pass
 * through uncached (the console makes neither).
 *
 * @example
 * ```ts
 * const engine = cachedQueryEngine(athena, { ttlSeconds: 300, clock: systemClock });
 * ```
 */
export function cachedQueryEngine(
  engine: QueryEngine,
  options: { readonly ttlSeconds: number; readonly clock: Clock; readonly maxEntries?: number },
): QueryEngine {
  const maxEntries = options.maxEntries ?? 200;
  const cache = new Map<string, { readonly until: number; readonly rows: Promise<Row[]> }>();
  return {
    query(sql, queryOptions) {
      const now = options.clock.now().getTime();
      const hit = cache.get(sql);
      if (hit && hit.until > now) return hit.rows.then((rows) => rows.map((r) => ({ ...r })));
      const rows = engine.query(sql, queryOptions);
      cache.delete(sql);
      cache.set(sql, { until: now + options.ttlSeconds * 1000, rows });
      // The oldest entries go first once the cache is full.
      for (const key of cache.keys()) {
        if (cache.size <= maxEntries) break;
        cache.delete(key);
      }
      rows.catch(() => {
        if (cache.get(sql)?.rows === rows) cache.delete(sql);
      });
      return rows.then((r) => r.map((x) => ({ ...x })));
    },
    stream: (sql, queryOptions) => engine.stream(sql, queryOptions),
    writePartitions: (input, queryOptions) => engine.writePartitions(input, queryOptions),
    rewritePartitions: (input, queryOptions) => engine.rewritePartitions(input, queryOptions),
    restorePartitions: (table, rewritten) => engine.restorePartitions(table, rewritten),
    ...(engine.partitionsMayHold
      ? {
          partitionsMayHold: (table, ids) =>
            engine.partitionsMayHold?.(table, ids) ?? Promise.resolve(undefined),
        }
      : {}),
    close: () => engine.close(),
  };
}
