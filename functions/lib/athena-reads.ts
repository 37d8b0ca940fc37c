import { type Catalog, LakeopsError, type QueryEngine } from '@lakeops/core';

/** A write through a read-only engine: the function reads the lake only (its role has no write grant). */
export class ReadOnlyEngineWriteError extends LakeopsError {
  constructor(what: string) {
    super('ReadOnlyEngineWrite', `${what} reads the lake only`, { retryable: false });
  }
}

/**
 * `AthenaQueryEngine` for functions that only read (the console, the quality and KPI checks): the
 * reads workgroup for everything, no staging, a catalog and object store that refuse, and every
 * write method refused before either is reached. Its role may run nothing in the writes workgroup.
 */
export async function readOnlyAthenaEngine(options: {
  readonly workgroup: string;
  readonly databasePrefix: string;
  readonly what: string;
  readonly timeoutMs?: number;
}): Promise<QueryEngine> {
  // The module, not the package: the package index would carry Glue, S3 and Lake Formation along.
  const [{ AthenaClient }, { AthenaQueryEngine }] = await Promise.all([
    import('@aws-sdk/client-athena'),
    import('@lakeops/adapters-aws/athena-query-engine'),
  ]);
  const refuse = (): Promise<never> => Promise.reject(new ReadOnlyEngineWriteError(options.what));
  const catalog: Catalog = {
    tables: refuse,
    table: refuse,
    partitions: refuse,
    partitionLocation: refuse,
    setPartitionLocation: refuse,
    dropPartition: refuse,
  };
  const engine = new AthenaQueryEngine({
    client: new AthenaClient({}),
    readWorkgroup: options.workgroup,
    writeWorkgroup: options.workgroup,
    databasePrefix: options.databasePrefix,
    stagingLocation: 's3://lakeops-reads-only/',
    catalog,
    objects: { keyOf: () => undefined, locationOf: () => 's3://lakeops-reads-only/', deletePrefix: refuse },
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  return {
    query: (sql, queryOptions) => engine.query(sql, queryOptions),
    stream: (sql, queryOptions) => engine.stream(sql, queryOptions),
    writePartitions: refuse,
    rewritePartitions: refuse,
    restorePartitions: refuse,
    close: () => engine.close(),
  };
}
