import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  type Clock,
  StateConditionFailedError,
  type StateItem,
  StateItemTooLargeError,
  type StateKey,
  type StatePage,
  type StatePutOptions,
  type StateQuery,
  type StateStore,
  type StateValue,
  stateItemBytes,
  stateItemMaxBytes,
  systemClock,
} from '@lakeops/core';

interface Row {
  pk: string;
  sk: string;
  data: string;
  version: number;
  expires_at: number | null;
}

const encodeCursor = (key: StateKey) =>
  Buffer.from(JSON.stringify({ pk: key.pk, sk: key.sk })).toString('base64url');
const decodeCursor = (cursor: string) => JSON.parse(Buffer.from(cursor, 'base64url').toString()) as StateKey;

/**
 * The state store as one SQLite file (`node:sqlite`, no native addon), the local stand-in for the
 * DynamoDB `State` table. WAL journal and a busy timeout let two processes (the local platform and
 * a `lakeops` command) share the file; every conditional write is read-check-write inside
 * `BEGIN IMMEDIATE`, which takes the write lock first, so two writers never both pass a condition.
 * Expired items stay until overwritten (like DynamoDB's lazy TTL) and are filtered on every read.
 *
 * @example
 * ```ts
 * const state = new SqliteStateStore({ file: '.lakeops/state.sqlite' });
 * await state.put({ pk: 'lease', sk: 'nrt-refresh' }, { owner: 'cli', until: 0 }, { if: 'absent' });
 * ```
 */
export class SqliteStateStore implements StateStore {
  private readonly db: DatabaseSync;
  private readonly clock: Clock;
  constructor(options: { file: string; clock?: Clock; busyTimeoutMs?: number }) {
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    this.db = new DatabaseSync(options.file, { timeout: options.busyTimeoutMs ?? 5000 });
    this.clock = options.clock ?? systemClock;
    // Two processes opening a new file at once: switching it to WAL can fail with SQLITE_BUSY
    // without SQLite calling the busy handler, so the set-up is retried within the busy timeout.
    const deadline = Date.now() + (options.busyTimeoutMs ?? 5000);
    for (;;) {
      try {
        this.db.exec('PRAGMA journal_mode = WAL');
        this.db.exec('PRAGMA synchronous = NORMAL');
        this.db.exec(
          `CREATE TABLE IF NOT EXISTS state (
             pk TEXT NOT NULL, sk TEXT NOT NULL, data TEXT NOT NULL, version INTEGER NOT NULL,
             expires_at INTEGER, PRIMARY KEY (pk, sk)
           ) WITHOUT ROWID`,
        );
        break;
      } catch (error) {
        if (!/database is locked/.test(String((error as Error).message)) || Date.now() > deadline)
          throw error;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
    }
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }

  private live(key: StateKey): StateItem | undefined {
    const row = this.db
      .prepare(
        'SELECT pk, sk, data, version, expires_at FROM state WHERE pk = ? AND sk = ? AND (expires_at IS NULL OR expires_at > ?)',
      )
      .get(key.pk, key.sk, this.nowSeconds()) as Row | undefined;
    return row ? itemOf(row) : undefined;
  }

  private transaction<T>(work: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = work();
      this.db.exec('COMMIT');
      return out;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async get(key: StateKey): Promise<StateItem | undefined> {
    return this.live(key);
  }

  async put(key: StateKey, value: StateValue, options: StatePutOptions = {}): Promise<StateItem> {
    const data = JSON.stringify(value);
    const bytes = stateItemBytes(key, data, options.expiresAt);
    if (bytes > stateItemMaxBytes) throw new StateItemTooLargeError(key, bytes);
    return this.transaction(() => {
      const current = this.live(key);
      if (options.if === 'absent' && current) throw new StateConditionFailedError(key, current);
      if (typeof options.if === 'number' && current?.version !== options.if) {
        throw new StateConditionFailedError(key, current);
      }
      // As DynamoDB's `if_not_exists(version, 0) + 1`: an unconditional put over an expired,
      // not yet removed item continues its version.
      const stored = this.db
        .prepare('SELECT version FROM state WHERE pk = ? AND sk = ?')
        .get(key.pk, key.sk) as { version: number } | undefined;
      const version =
        options.if === undefined
          ? Number(stored?.version ?? 0) + 1
          : options.if === 'absent'
            ? 1
            : options.if + 1;
      this.db
        .prepare('INSERT OR REPLACE INTO state (pk, sk, data, version, expires_at) VALUES (?, ?, ?, ?, ?)')
        .run(key.pk, key.sk, data, version, options.expiresAt ?? null);
      return itemOf({ pk: key.pk, sk: key.sk, data, version, expires_at: options.expiresAt ?? null });
    });
  }

  async delete(key: StateKey, options: { readonly ifVersion?: number } = {}): Promise<void> {
    this.transaction(() => {
      const current = this.live(key);
      if (options.ifVersion !== undefined && current?.version !== options.ifVersion) {
        throw new StateConditionFailedError(key, current);
      }
      this.db.prepare('DELETE FROM state WHERE pk = ? AND sk = ?').run(key.pk, key.sk);
    });
  }

  async query(query: StateQuery): Promise<StatePage> {
    const prefix = query.skPrefix ?? '';
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor).sk;
    // Like DynamoDB, `limit` counts the items evaluated before expired ones are filtered out.
    const evaluated = this.db
      .prepare(
        `SELECT pk, sk, data, version, expires_at FROM state
         WHERE pk = ? AND substr(sk, 1, length(?)) = ? AND (? IS NULL OR sk > ?)
         ORDER BY sk LIMIT ?`,
      )
      .all(query.pk, prefix, prefix, after, after, query.limit ?? -1) as unknown as Row[];
    const now = this.nowSeconds();
    const items = evaluated.filter((r) => r.expires_at === null || r.expires_at > now).map(itemOf);
    const last = evaluated.at(-1);
    return query.limit !== undefined && evaluated.length === query.limit && last
      ? { items, cursor: encodeCursor(last) }
      : { items };
  }

  close(): void {
    this.db.close();
  }
}

function itemOf(row: Row): StateItem {
  return {
    pk: row.pk,
    sk: row.sk,
    value: JSON.parse(row.data) as StateValue,
    version: Number(row.version),
    ...(row.expires_at === null ? {} : { expiresAt: Number(row.expires_at) }),
  };
}
