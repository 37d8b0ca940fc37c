/** An item's address: the partition key and the sort key (DynamoDB `pk`/`sk`, SQLite primary key). */
export interface StateKey {
  readonly pk: string;
  readonly sk: string;
}

/** A JSON value as the store keeps it. */
export type StateValue =
  | string
  | number
  | boolean
  | null
  | readonly StateValue[]
  | { readonly [key: string]: StateValue };

export interface StateItem<V extends StateValue = StateValue> extends StateKey {
  readonly value: V;
  /** 1 on first write, +1 on every put; the token for put-if-version and a lease's fencing token. */
  readonly version: number;
  /** Epoch seconds; at or after this second the item is gone for every read and condition. */
  readonly expiresAt?: number;
}

export interface StatePutOptions {
  /**
   * `absent`: only when no live item has this key (an expired one counts as absent).
   * A number: only when the live item has exactly this version.
   * Omitted: unconditional.
   */
  readonly if?: 'absent' | number;
  /** Epoch seconds (DynamoDB TTL attribute `expiresAt`); omit to keep the item until deleted. */
  readonly expiresAt?: number;
}

export interface StateQuery {
  readonly pk: string;
  /** Only items whose sort key starts with this. */
  readonly skPrefix?: string;
  /** Most items per page (DynamoDB `Limit`: counted before expired items are filtered out). */
  readonly limit?: number;
  /** The `cursor` of the previous page. */
  readonly cursor?: string;
}

export interface StatePage {
  /** Live items in sort-key order; a page may be short or empty while `cursor` is set. */
  readonly items: readonly StateItem[];
  /** Set while there may be more; pass it back to read the next page. */
  readonly cursor?: string;
}

/**
 * Small, strongly consistent records with conditional writes and expiry: the DSAR deletion queue
 * and purge manifests, the NRT refresh lease, alert dedup records. DynamoDB (table `State`,
 * `pk`/`sk`, TTL attribute `expiresAt`) on AWS, SQLite through `node:sqlite` locally.
 *
 * Expired items are invisible everywhere (reads, queries, conditions) although DynamoDB removes
 * them lazily (within days): every adapter filters on read.
 *
 * @example
 * ```ts
 * await state.put({ pk: 'dsar#request', sk: requestId }, { status: 'pending' }, { if: 'absent' });
 * const item = await state.get({ pk: 'dsar#request', sk: requestId });
 * await state.put(item.key, { status: 'done' }, { if: item.version });
 * const page = await state.query({ pk: 'dsar#request', skPrefix: '2026-12-01', limit: 100 });
 * ```
 */
export interface StateStore {
  /** The live item, or undefined (missing or expired). Strongly consistent. */
  get(key: StateKey): Promise<StateItem | undefined>;
  /**
   * Writes the item (version = previous live version + 1, or 1). Throws
   * `StateConditionFailedError` (with the live item, if any) when `if` does not hold, and
   * `StateItemTooLargeError` above DynamoDB's 400 KB item size.
   */
  put(key: StateKey, value: StateValue, options?: StatePutOptions): Promise<StateItem>;
  /** Deletes the item; with `ifVersion`, only that version (else `StateConditionFailedError`). */
  delete(key: StateKey, options?: { readonly ifVersion?: number }): Promise<void>;
  /** Live items of one partition key, by sort-key prefix, paginated. */
  query(query: StateQuery): Promise<StatePage>;
}

/** DynamoDB's item size limit (attribute names and values, UTF-8), which every adapter enforces. */
export const stateItemMaxBytes = 400 * 1024;

/** The bytes an item takes as DynamoDB counts them (names + values, UTF-8; numbers ≈ digits). */
export function stateItemBytes(key: StateKey, data: string, expiresAt?: number): number {
  const utf8 = (s: string) => new TextEncoder().encode(s).length;
  const fixed = utf8('pk') + utf8(key.pk) + utf8('sk') + utf8(key.sk) + utf8('data') + utf8(data);
  const numbers = utf8('version') + 21 + (expiresAt === undefined ? 0 : utf8('expiresAt') + 21);
  return fixed + numbers;
}

/** Whether an item with this expiry is gone at `now` (DynamoDB: expired when `expiresAt` ≤ now). */
export function isExpired(expiresAt: number | undefined, now: Date): boolean {
  return expiresAt !== undefined && expiresAt <= Math.floor(now.getTime() / 1000);
}

/** Iterates every live item of a query across pages. */
export async function* queryAll(store: StateStore, query: StateQuery): AsyncIterable<StateItem> {
  let cursor = query.cursor;
  do {
    const page = await store.query(cursor === undefined ? query : { ...query, cursor });
    yield* page.items;
    cursor = page.cursor;
  } while (cursor !== undefined);
}
