export interface StoredObject {
  /** Key relative to the store's root, `/`-separated: `silver/fact_payments/dt=2026-11-20/data_0.parquet`. */
  readonly key: string;
  readonly size: number;
}

/**
 * Where lake files live: an S3 bucket on AWS, a folder locally, with the same keys.
 *
 * @example
 * ```ts
 * await store.write('_staging/run-1/dt=2026-11-20/data_0.parquet', bytes);
 * await store.replacePrefix('silver/fact_payments/dt=2026-11-20/', '_staging/run-1/dt=2026-11-20/');
 * const files = await store.list('silver/fact_payments/');
 * ```
 */
export interface ObjectStore {
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<StoredObject[]>;
  /** Throws `ObjectMissingError` when there is none. */
  read(key: string): Promise<Uint8Array>;
  write(key: string, body: Uint8Array | string): Promise<void>;
  /** Deletes every object under `prefix`; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  /**
   * Makes `target` hold exactly what `staged` holds and removes `staged`. Atomic on a
   * filesystem (directory rename); on S3, readers switch through the catalog's partition location
   * instead, and this copies then deletes the previous objects.
   */
  replacePrefix(target: string, staged: string): Promise<void>;
}
