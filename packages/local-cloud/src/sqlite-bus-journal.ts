import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

let journalCount = 0;

/** A fresh owner id for this process: `<pid>:<start ms>:<n>`. */
export function newOwner(): string {
  return `${process.pid}:${Date.now()}:${++journalCount}:${Math.random().toString(36).slice(2, 8)}`;
}

/** Bytes about to be written at `offset` of `file` (a Bronze or quarantine NDJSON file). */
export interface IntakeChunk {
  readonly file: string;
  readonly offset: number;
  readonly body: Buffer;
}

/** A delivery of one event to one route's function, not yet done. */
export interface PendingDelivery {
  readonly id: number;
  readonly routeId: string;
  readonly eventId: string;
  /** The event, parsed: shared by the deliveries of one event, read only. */
  readonly event: Record<string, unknown>;
  /** The event as JSON: each attempt gets its own copy from it. */
  readonly eventJson: string;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly nextAt: number;
}

export type NewDelivery = Omit<PendingDelivery, 'id' | 'attempts'>;

/** What the journal keeps of a new delivery (the parsed event stays with the caller). */
export type JournalDelivery = Pick<
  NewDelivery,
  'routeId' | 'eventId' | 'eventJson' | 'maxAttempts' | 'nextAt'
>;

/** What the delivery queue needs of a journal. */
export interface DeliveryJournal {
  done(ids: readonly number[]): void;
  retryLater(id: number, attempts: number, nextAt: number, error: string): void;
  flush(): void;
}

/**
 * The local bus's durable state in one SQLite file (`node:sqlite`, WAL, `synchronous=FULL`):
 *
 * - `intake`: a redo log of archive writes. The bytes of each Bronze/quarantine append are
 *   committed here first, then written to their file at a known offset and fsynced. A writer that
 *   crashed between the two has its chunks written again, byte for byte at the same offsets, by the
 *   next process that opens the journal: an archived line is never lost, torn or duplicated.
 * - `deliveries`: every pending (event, route) delivery with its attempt count, so deliveries
 *   survive a crash and resume on the next start.
 *
 * Rows belong to the process that wrote them (`owner` = pid and start time); a process claims the
 * rows of owners that are no longer running.
 *
 * @example
 * ```ts
 * const journal = new SqliteBusJournal({ file: join(home, 'state', 'local-bus.sqlite') });
 * const resumed = journal.claimOrphans();
 * const ids = journal.record(chunks, deliveries); // then write the chunks, fsync, ack
 * ```
 */
export class SqliteBusJournal implements DeliveryJournal {
  readonly owner: string;
  readonly #db: DatabaseSync;
  readonly #insertChunk: StatementSync;
  readonly #insertDelivery: StatementSync;
  readonly #deleteDelivery: StatementSync;
  readonly #retryDelivery: StatementSync;
  readonly #clearOwnIntake: StatementSync;
  readonly #clearChunk: StatementSync;
  readonly #setEnd: StatementSync;
  readonly #clearOwnEnds: StatementSync;
  readonly #doneIds: number[] = [];
  readonly #writtenChunks: { readonly file: string; readonly offset: number }[] = [];
  #doneTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: { file: string; owner?: string }) {
    mkdirSync(dirname(options.file), { recursive: true });
    this.owner = options.owner ?? newOwner();
    liveOwners.add(this.owner);
    this.#db = new DatabaseSync(options.file, { timeout: 10_000 });
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      CREATE TABLE IF NOT EXISTS intake (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        owner TEXT NOT NULL,
        file TEXT NOT NULL,
        offset INTEGER NOT NULL,
        body BLOB NOT NULL
      );
      CREATE TABLE IF NOT EXISTS intake_ends (
        owner TEXT NOT NULL,
        file TEXT NOT NULL,
        end_offset INTEGER NOT NULL,
        PRIMARY KEY (owner, file)
      );
      CREATE TABLE IF NOT EXISTS deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner TEXT NOT NULL,
        route_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        event TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL,
        next_at INTEGER NOT NULL,
        last_error TEXT
      );
      CREATE INDEX IF NOT EXISTS deliveries_owner ON deliveries (owner);
      CREATE INDEX IF NOT EXISTS intake_chunk ON intake (owner, file, offset);
    `);
    this.#insertChunk = this.#db.prepare(
      'INSERT INTO intake (owner, file, offset, body) VALUES (?, ?, ?, ?)',
    );
    this.#insertDelivery = this.#db.prepare(
      'INSERT INTO deliveries (owner, route_id, event_id, event, max_attempts, next_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#deleteDelivery = this.#db.prepare('DELETE FROM deliveries WHERE id = ?');
    this.#retryDelivery = this.#db.prepare(
      'UPDATE deliveries SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?',
    );
    this.#clearOwnIntake = this.#db.prepare('DELETE FROM intake WHERE owner = ?');
    this.#clearChunk = this.#db.prepare('DELETE FROM intake WHERE owner = ? AND file = ? AND offset = ?');
    this.#setEnd = this.#db.prepare(
      'INSERT INTO intake_ends (owner, file, end_offset) VALUES (?, ?, ?) ON CONFLICT (owner, file) DO UPDATE SET end_offset = max(end_offset, excluded.end_offset)',
    );
    this.#clearOwnEnds = this.#db.prepare('DELETE FROM intake_ends WHERE owner = ?');
  }

  /**
   * Commits the chunks about to be written and the deliveries they start, in one transaction
   * (with the pending `done` and `written` deletes). Returns the delivery ids, in order.
   */
  record(chunks: readonly IntakeChunk[], deliveries: readonly JournalDelivery[]): number[] {
    return this.#transaction(() => {
      this.#deleteDone();
      this.#deleteWritten();
      for (const c of chunks) {
        this.#insertChunk.run(this.owner, c.file, c.offset, c.body);
        this.#setEnd.run(this.owner, c.file, c.offset + c.body.byteLength);
      }
      return deliveries.map((d) =>
        Number(
          this.#insertDelivery.run(this.owner, d.routeId, d.eventId, d.eventJson, d.maxAttempts, d.nextAt)
            .lastInsertRowid,
        ),
      );
    });
  }

  /**
   * Forgets deliveries that are done (processed, parked by the function, or dead-lettered). The
   * deletes ride on the next `record` commit, or a commit of their own within 100 ms: a crash in
   * between delivers those again (at least once, as EventBridge).
   */
  done(ids: readonly number[]): void {
    if (this.#closed) return;
    this.#doneIds.push(...ids);
    this.#doneTimer ??= setTimeout(() => this.flush(), 100).unref();
  }

  /**
   * Forgets chunks that are written and fsynced (they need no redo). Like `done`, the deletes ride
   * on the next commit; until then a crash only redoes them: the same bytes at the same offsets.
   * Chunks are forgotten one by one, never "everything before": several appends may be in flight.
   */
  written(chunks: readonly { readonly file: string; readonly offset: number }[]): void {
    if (this.#closed) return;
    for (const { file, offset } of chunks) this.#writtenChunks.push({ file, offset });
    this.#doneTimer ??= setTimeout(() => this.flush(), 100).unref();
  }

  /**
   * Commits the pending `done` and `written` deletes within 100 ms, or with the next `record`,
   * whichever comes first: what the delivery queue asks each time it runs dry. (A commit of its own
   * each time, with its fsync, would double the commits under load; losing these deletes in a crash
   * only means a delivery runs again, at least once, or a chunk is redone with the same bytes.)
   */
  flushSoon(): void {
    if (this.#closed || (this.#doneIds.length === 0 && this.#writtenChunks.length === 0)) return;
    this.#doneTimer ??= setTimeout(() => this.flush(), 100).unref();
  }

  /** Commits the pending `done` and `written` deletes now. */
  flush(): void {
    if (this.#closed || (this.#doneIds.length === 0 && this.#writtenChunks.length === 0)) return;
    this.#transaction(() => {
      this.#deleteDone();
      this.#deleteWritten();
    });
  }

  #deleteWritten(): void {
    for (const { file, offset } of this.#writtenChunks.splice(0))
      this.#clearChunk.run(this.owner, file, offset);
  }

  #deleteDone(): void {
    if (this.#doneTimer) {
      clearTimeout(this.#doneTimer);
      this.#doneTimer = undefined;
    }
    for (const id of this.#doneIds.splice(0)) this.#deleteDelivery.run(id);
  }

  /** Records a failed attempt and when the next one is due. */
  retryLater(id: number, attempts: number, nextAt: number, error: string): void {
    if (this.#closed) return;
    this.#retryDelivery.run(attempts, nextAt, error, id);
  }

  /**
   * Takes over what processes that are no longer running left behind: writes their unfinished
   * archive chunks again (same bytes, same offsets, fsynced) and returns their pending deliveries,
   * now owned by this process. Also returns this owner's own pending deliveries (none, normally).
   * `aliveHere`: owners of journals open elsewhere in this process (they share its pid).
   */
  claimOrphans(aliveHere: ReadonlySet<string> = liveOwners): PendingDelivery[] {
    return this.#transaction(() => {
      const owners = this.#db
        .prepare('SELECT owner FROM intake UNION SELECT owner FROM deliveries')
        .all()
        .map((r) => String(r.owner));
      for (const owner of owners) {
        if (owner === this.owner || isRunning(owner, aliveHere)) continue;
        const chunks = this.#db
          .prepare('SELECT file, offset, body FROM intake WHERE owner = ? ORDER BY seq')
          .all(owner);
        for (const c of chunks) redo(String(c.file), Number(c.offset), c.body as Uint8Array);
        // Bytes past a file's journaled end were appended while their commit ran, and it never
        // finished: never acknowledged, so they go.
        const ends = this.#db.prepare('SELECT file, end_offset FROM intake_ends WHERE owner = ?').all(owner);
        for (const e of ends) truncateTo(String(e.file), Number(e.end_offset));
        this.#clearOwnIntake.run(owner);
        this.#clearOwnEnds.run(owner);
        this.#db.prepare('UPDATE deliveries SET owner = ? WHERE owner = ?').run(this.owner, owner);
      }
      return this.#db
        .prepare(
          'SELECT id, route_id, event_id, event, attempts, max_attempts, next_at FROM deliveries WHERE owner = ? ORDER BY id',
        )
        .all(this.owner)
        .map((r) => ({
          id: Number(r.id),
          routeId: String(r.route_id),
          eventId: String(r.event_id),
          event: JSON.parse(String(r.event)) as Record<string, unknown>,
          eventJson: String(r.event),
          attempts: Number(r.attempts),
          maxAttempts: Number(r.max_attempts),
          nextAt: Number(r.next_at),
        }));
    });
  }

  /** Number of deliveries not yet done, all owners. */
  pendingCount(): number {
    const row = this.#db.prepare('SELECT count(*) AS n FROM deliveries').get();
    return Number(row?.n ?? 0);
  }

  /** Drops this owner's (written) chunks and closes the file. Pending deliveries stay for the next start. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#clearOwnIntake.run(this.owner);
    this.#clearOwnEnds.run(this.owner);
    this.#closed = true;
    liveOwners.delete(this.owner);
    this.#db.close();
  }

  #transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}

/** Journals open in this thread (their owners are running even though they share the pid). */
const liveOwners = new Set<string>();

/** Whether the process that owns rows (`<pid>:<start ms>`) is still running on this machine. */
function isRunning(owner: string, aliveHere: ReadonlySet<string>): boolean {
  const pid = Number(owner.split(':')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return aliveHere.has(owner); // a journal this process has open
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function truncateTo(file: string, end: number): void {
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    if (fstatSync(fd).size > end) {
      ftruncateSync(fd, end);
      fsyncSync(fd);
    }
  } finally {
    closeSync(fd);
  }
}

function redo(file: string, offset: number, body: Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  closeSync(openSync(file, 'a')); // create it if the crash came before the first byte
  const fd = openSync(file, 'r+'); // in place: the same bytes at the same offset
  try {
    writeSync(fd, body, 0, body.byteLength, offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
