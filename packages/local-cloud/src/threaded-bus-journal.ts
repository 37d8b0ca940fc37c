import { Worker } from 'node:worker_threads';
import { BusStorageFailedError } from './errors.ts';
import {
  type DeliveryJournal,
  type IntakeChunk,
  type JournalDelivery,
  newOwner,
  type PendingDelivery,
} from './sqlite-bus-journal.ts';

/** Owners of the threaded journals open in this process (they share its pid). */
const openHere = new Set<string>();

interface Reply {
  readonly seq: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: { message: string; code?: string };
}

/**
 * `SqliteBusJournal` on a worker thread: the same journal, with `record` and `claimOrphans`
 * answered asynchronously, so a commit's fsync never stalls the thread that reads requests (more
 * requests then share each commit). `done`, `retryLater` and `flush` are sent and handled in order.
 *
 * @example
 * ```ts
 * const journal = await ThreadedBusJournal.open({ file: join(home, 'state', 'local-bus.sqlite') });
 * const ids = await journal.record(chunks, deliveries);
 * await journal.close();
 * ```
 */
export class ThreadedBusJournal implements DeliveryJournal {
  readonly owner: string;
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  readonly #doneIds: number[] = [];
  #seq = 0;
  #failure: Error | undefined;
  #closed = false;

  private constructor(file: string) {
    this.owner = newOwner();
    this.#worker = new Worker(new URL('./journal-worker.ts', import.meta.url), {
      workerData: { file, owner: this.owner },
    });
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => this.#settle(reply));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => {
      if (!this.#closed) this.#fail(new Error(`the journal thread stopped (exit code ${code})`));
    });
  }

  /** Starts the thread and opens the journal file. */
  static async open(options: { file: string }): Promise<ThreadedBusJournal> {
    const journal = new ThreadedBusJournal(options.file);
    await journal.#request(0, () => {}); // the thread's first answer: opened, or why not
    openHere.add(journal.owner);
    return journal;
  }

  /** See `SqliteBusJournal.record`. */
  record(chunks: readonly IntakeChunk[], deliveries: readonly JournalDelivery[]): Promise<number[]> {
    const slim = deliveries.map(({ routeId, eventId, eventJson, maxAttempts, nextAt }) => ({
      routeId,
      eventId,
      eventJson,
      maxAttempts,
      nextAt,
    }));
    return this.#call({ op: 'record', args: [chunks, slim] }) as Promise<number[]>;
  }

  /** See `SqliteBusJournal.claimOrphans`. */
  claimOrphans(): Promise<PendingDelivery[]> {
    const alive = [...openHere].filter((o) => o !== this.owner);
    return this.#call({ op: 'claimOrphans', alive }) as Promise<PendingDelivery[]>;
  }

  /** Batched: the ids of one turn of the event loop go to the thread in one message. */
  done(ids: readonly number[]): void {
    if (this.#closed || ids.length === 0) return;
    if (this.#doneIds.length === 0) setImmediate(() => this.#postDone());
    for (const id of ids) this.#doneIds.push(id);
  }

  #postDone(): void {
    if (this.#closed || this.#doneIds.length === 0) return;
    this.#worker.postMessage({ op: 'done', ids: this.#doneIds.splice(0) });
  }

  /** See `SqliteBusJournal.written`. */
  written(chunks: readonly IntakeChunk[]): void {
    if (!this.#closed && chunks.length > 0) {
      this.#worker.postMessage({
        op: 'written',
        chunks: chunks.map(({ file, offset }) => ({ file, offset })),
      });
    }
  }

  retryLater(id: number, attempts: number, nextAt: number, error: string): void {
    if (!this.#closed) this.#worker.postMessage({ op: 'retryLater', args: [id, attempts, nextAt, error] });
  }

  /** See `SqliteBusJournal.flushSoon` (`close` commits what is left). */
  flush(): void {
    this.#postDone();
    if (!this.#closed) this.#worker.postMessage({ op: 'flush' });
  }

  /** Commits what is pending, closes the file and stops the thread. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      this.#postDone();
      if (!this.#failure) await this.#call({ op: 'close' });
    } finally {
      this.#closed = true;
      openHere.delete(this.owner);
      await this.#worker.terminate();
    }
  }

  #call(message: Record<string, unknown>): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    const seq = ++this.#seq;
    return this.#request(seq, () => this.#worker.postMessage({ ...message, seq }));
  }

  #request(seq: number, send: () => void): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      this.#worker.ref(); // an answer is awaited: keep the process alive for it
      send();
    });
  }

  #settle(reply: Reply): void {
    const waiting = this.#pending.get(reply.seq);
    if (waiting) this.#pending.delete(reply.seq);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.ok) waiting?.resolve(reply.value);
    else {
      const error = new BusStorageFailedError(`journal: ${reply.error?.message ?? 'failed'}`);
      if (waiting) waiting.reject(error);
      else this.#fail(error);
    }
  }

  #fail(cause: unknown): void {
    this.#failure ??= new BusStorageFailedError('the journal thread failed', { cause });
    for (const { reject } of this.#pending.values()) reject(this.#failure);
    this.#pending.clear();
    this.#worker.unref();
  }
}
