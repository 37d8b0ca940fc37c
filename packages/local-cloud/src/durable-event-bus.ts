import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { archivePartition, archiveRecord, type ValidationReason } from '@lakeops/contracts';
import { RuleIndex } from '@lakeops/event-patterns';
import {
  type DeadLetterPlace,
  DeliveryQueue,
  type DeliveryReport,
  type Invoke,
  type RetryPolicy,
} from './delivery-queue.ts';
import { BusClosedError, BusStorageFailedError } from './errors.ts';
import { type ArchiveLine, NdjsonArchive } from './ndjson-archive.ts';
import type { IntakeChunk, NewDelivery, PendingDelivery } from './sqlite-bus-journal.ts';
import { ThreadedBusJournal } from './threaded-bus-journal.ts';

/** An event route as the bus sees it: an id and its EventBridge pattern. */
export interface BusRule {
  readonly id: string;
  readonly pattern: Readonly<Record<string, unknown>>;
  readonly description?: string;
}

/** One item for {@link DurableEventBus.put}: an event (an object, or its JSON text or bytes). */
export interface BusInput {
  readonly event: unknown;
}

export type PutResult =
  | {
      /** Valid: archived in `bronze/events`. */
      readonly status: 'accepted';
      readonly eventId: string;
      /** Routes the event was delivered to (may be empty: it is in Bronze all the same). */
      readonly routes: readonly string[];
      readonly unknownFields: readonly string[];
    }
  | {
      /**
       * Broke its contract: archived, masked, with its reasons in `bronze/_quarantine`, and still
       * delivered to the routes its pattern matches, as EventBridge would (the function's own
       * contract check parks it). `eventId` is absent for an input that is not an event object.
       */
      readonly status: 'quarantined';
      readonly eventId: string | undefined;
      readonly routes: readonly string[];
      readonly reasons: readonly ValidationReason[];
    }
  | {
      /** Strict mode only: refused, nothing archived or delivered. */
      readonly status: 'rejected';
      readonly reasons: readonly ValidationReason[];
    };

/** How {@link DurableEventBus.put} treats events that break their contract. */
export interface PutOptions {
  /**
   * Refuse them (`rejected`: nothing archived, nothing delivered) instead of quarantining and
   * delivering them. Off by default: EventBridge itself accepts any well-formed event.
   */
  readonly strict?: boolean;
}

export interface DurableEventBusOptions {
  /** `LAKEOPS_HOME`: Bronze under `lake/`, the journal under `state/`. */
  readonly home: string;
  readonly rules: readonly BusRule[];
  readonly invoke: Invoke;
  readonly deadLetter: DeadLetterPlace;
  readonly retry?: RetryPolicy;
  /** Deliveries run at once (default 8). */
  readonly concurrency?: number;
  /** Called after each delivery attempt. */
  readonly onDelivery?: (report: DeliveryReport) => void;
  readonly now?: () => Date;
}

interface Pending {
  readonly lines: ArchiveLine[];
  readonly deliveries: NewDelivery[];
  readonly results: PutResult[];
  resolve(results: PutResult[]): void;
  reject(error: unknown): void;
}

/**
 * The local EventBridge bus, durable: every event goes through the same archive decision as the
 * Firehose transform on AWS (`archiveRecord` from `@lakeops/contracts`): archived to Bronze
 * (`lake/bronze/events/dt=YYYY-MM-DD/hour=HH/`, by the event's time, UTC) or to the quarantine
 * (`lake/bronze/_quarantine/dt=…/hour=…/`, masked, with its reasons), fsynced, and its deliveries
 * journaled, all before `put` resolves. Then each matching route's function is invoked, with
 * retries and a dead-letter place (see `DeliveryQueue`). Concurrent `put`s share one journal
 * commit and one fsync per file (group commit).
 *
 * @example
 * ```ts
 * const bus = await DurableEventBus.open({ home, rules, invoke, deadLetter });
 * const [result] = await bus.put([{ event }]); // archived: safe to acknowledge
 * await bus.idle(); // deliveries done
 * await bus.close();
 * ```
 */
export class DurableEventBus {
  readonly rules: readonly BusRule[];
  readonly home: string;
  readonly #index = new RuleIndex();
  readonly #journal: ThreadedBusJournal;
  readonly #archive: NdjsonArchive;
  readonly #queue: DeliveryQueue;
  readonly #now: () => Date;
  readonly #maxAttempts: number;
  #waiting: Pending[] = [];
  #flushing: Promise<void> | undefined;
  /** Groups waiting for their append, in plan order (see `#flush`). */
  #toAppend: Planned[] = [];
  /** The append loop, while it runs. */
  #appending: Promise<void> | undefined;
  /** Groups taken by `#flush` and not yet acknowledged or failed. */
  #inFlight = 0;
  #settled: (() => void) | undefined;
  #failure: Error | undefined;
  #closed = false;
  #resumable: PendingDelivery[] = [];

  private constructor(options: DurableEventBusOptions, journal: ThreadedBusJournal) {
    this.rules = options.rules;
    this.home = options.home;
    for (const rule of options.rules) this.#index.add(rule.id, rule.pattern);
    this.#journal = journal;
    this.#archive = new NdjsonArchive({ root: join(options.home, 'lake') });
    this.#queue = new DeliveryQueue({
      journal: this.#journal,
      invoke: options.invoke,
      deadLetter: options.deadLetter,
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.onDelivery ? { onReport: options.onDelivery } : {}),
    });
    this.#maxAttempts = this.#queue.retryPolicy.maxAttempts;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Opens the bus on a home folder: finishes the archive writes a crashed process left and resumes
   * every delivery that was pending. They start on `resume()`.
   */
  static async open(options: DurableEventBusOptions): Promise<DurableEventBus> {
    const journal = await ThreadedBusJournal.open({ file: join(options.home, 'state', 'local-bus.sqlite') });
    let bus: DurableEventBus;
    try {
      bus = new DurableEventBus(options, journal);
      bus.#resumable = await journal.claimOrphans();
    } catch (error) {
      await journal.close();
      throw error;
    }
    return bus;
  }

  /** Deliveries left pending by an earlier run, found when the bus opened. */
  get resumable(): number {
    return this.#resumable.length;
  }

  /** Starts the deliveries an earlier run left pending (call once ready to see their reports). */
  resume(): void {
    this.#queue.add(this.#resumable.splice(0));
  }

  /** Ids of the rules whose pattern matches the event, in rule order. */
  match(event: unknown): string[] {
    return this.#index.match(event);
  }

  /**
   * Validates, archives and journals the events; resolves once all of it is on disk (the moment
   * to acknowledge), with one result per input, in order. Deliveries run afterwards.
   * @throws BusStorageFailedError when the archive or journal cannot be written.
   */
  put(inputs: readonly BusInput[], options: PutOptions = {}): Promise<PutResult[]> {
    if (this.#closed) return Promise.reject(new BusClosedError());
    if (this.#failure) return Promise.reject(this.#failure);
    const now = this.#now();
    const lines: ArchiveLine[] = [];
    const deliveries: NewDelivery[] = [];
    const results = inputs.map((input): PutResult => {
      const record = archiveRecord(input.event, now);
      if (record.status === 'rejected' && options.strict)
        return { status: 'rejected', reasons: record.reasons };
      lines.push({ partition: archivePartition(record), line: record.line });
      const event = deliverable(record.status === 'accepted' ? record.event : input.event);
      const routes = event ? this.#index.match(event) : [];
      if (event) {
        const eventJson = record.status === 'accepted' ? record.line : JSON.stringify(event);
        for (const routeId of routes) {
          deliveries.push({
            routeId,
            eventId: event.id,
            event,
            eventJson,
            maxAttempts: this.#maxAttempts,
            nextAt: 0,
          });
        }
      }
      if (record.status === 'rejected') {
        return { status: 'quarantined', eventId: event?.id, routes, reasons: record.reasons };
      }
      return { status: 'accepted', eventId: record.event.id, routes, unknownFields: record.unknownFields };
    });
    return new Promise((resolve, reject) => {
      this.#waiting.push({ lines, deliveries, results, resolve, reject });
      this.#kick();
    });
  }

  /**
   * Journals one direct invocation (a schedule firing: EventBridge Scheduler invokes the target
   * itself, nothing goes to Bronze) and runs it with the same retries.
   */
  async deliver(
    routeId: string,
    event: Record<string, unknown>,
    maxAttempts = this.#maxAttempts,
  ): Promise<void> {
    if (this.#closed) throw new BusClosedError();
    const pending: NewDelivery = {
      routeId,
      eventId: String(event.id ?? randomUUID()),
      event,
      eventJson: JSON.stringify(event),
      maxAttempts,
      nextAt: 0,
    };
    const [id] = await this.#journal.record([], [pending]);
    this.#queue.add([{ ...pending, id: id as number, attempts: 0 }]);
  }

  /** Resolves when every archive write is done and no delivery is running or waiting for a retry. */
  async idle(): Promise<void> {
    while (this.#flushing || this.#inFlight > 0 || this.#queue.pending > 0) {
      await this.#flushing;
      await this.#groupsSettled();
      await this.#queue.idle();
    }
  }

  /** Deliveries running, ready or waiting for a retry. */
  get pendingDeliveries(): number {
    return this.#queue.pending;
  }

  /**
   * Stops taking events, finishes the archive writes under way, lets running deliveries finish;
   * deliveries not done stay in the journal for the next start.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#flushing) await this.#flushing; // a flush may start another for late arrivals
    await this.#groupsSettled();
    await this.#queue.close();
    await this.#archive.close();
    await this.#journal.close();
  }

  /** Starts a flush on the next turn of the event loop (requests read in this turn share its commit). */
  #kick(): void {
    if (this.#flushing) return;
    this.#flushing = new Promise<void>((next) => setImmediate(next))
      .then(() => this.#flush())
      .finally(() => {
        this.#flushing = undefined;
        if (this.#waiting.length > 0) this.#kick();
      });
  }

  /**
   * Group commit, in two stages that run at once. Journal: the requests that arrived during a
   * commit form the next group, whose commit (redo chunks, deliveries, and each file's journaled
   * end) starts at once on the journal thread. Append: the groups planned meanwhile are appended in
   * plan order, in one go, with one fsync per file — while their commit runs (the first append to
   * a new file waits for its commit, so the journal knows every file before it has bytes). A group
   * is acknowledged only when both its commit and its fsynced append are done. A crash between the
   * two leaves bytes past the journaled end of a file: the next process truncates them (they were
   * never acknowledged) and redoes the journaled chunks, so no line is lost, torn or duplicated.
   * Redo chunks are forgotten once written (`written`), one by one.
   */
  async #flush(): Promise<void> {
    while (this.#waiting.length > 0) {
      const group = this.#waiting;
      this.#waiting = [];
      if (this.#failure) {
        for (const p of group) p.reject(this.#failure);
        continue;
      }
      const deliveries = group.flatMap((p) => p.deliveries);
      const chunks = this.#archive.plan(group.flatMap((p) => p.lines));
      this.#inFlight++;
      const recorded = this.#journal.record(chunks, deliveries);
      recorded.catch(() => {}); // handled by the append stage
      this.#toAppend.push({
        group,
        chunks,
        deliveries,
        recorded,
        commitFirst: chunks.some((c) => c.offset === 0),
      });
      this.#kickAppend();
      await recorded.catch(() => {}); // the next group takes what arrived during this commit
    }
  }

  /** Starts the append loop unless it runs (and again if groups came in as it ended). */
  #kickAppend(): void {
    if (this.#appending) return;
    this.#appending = this.#appendPlanned().finally(() => {
      this.#appending = undefined;
      if (this.#toAppend.length > 0) this.#kickAppend();
    });
  }

  /** Appends and fsyncs the planned groups, oldest first, batch by batch; acknowledges each. */
  async #appendPlanned(): Promise<void> {
    while (this.#toAppend.length > 0) {
      const batch = this.#toAppend.splice(0);
      if (this.#failure) {
        this.#fail(batch, this.#failure);
        continue;
      }
      const chunks = batch.flatMap((j) => j.chunks);
      try {
        await Promise.all(batch.flatMap((j) => (j.commitFirst ? [j.recorded] : [])));
        await this.#archive.write(chunks);
      } catch (error) {
        this.#fail(batch, error);
        continue;
      }
      for (const [i, j] of batch.entries()) {
        let ids: number[];
        try {
          ids = await j.recorded;
        } catch (error) {
          this.#fail(batch.slice(i), error);
          break;
        }
        this.#journal.written(j.chunks);
        for (const p of j.group) p.resolve(p.results);
        this.#queue.add(j.deliveries.map((d, k) => ({ ...d, id: ids[k] as number, attempts: 0 })));
        this.#settle(1);
      }
    }
  }

  #fail(batch: readonly Planned[], error: unknown): void {
    this.#failure ??= new BusStorageFailedError('the local bus could not archive events; restart it', {
      cause: error,
    });
    for (const j of batch) for (const p of j.group) p.reject(this.#failure);
    this.#settle(batch.length);
  }

  #settle(groups: number): void {
    this.#inFlight -= groups;
    if (this.#inFlight === 0) this.#settled?.();
  }

  /** Resolves when every group taken so far is acknowledged or failed. */
  #groupsSettled(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const before = this.#settled;
      this.#settled = () => {
        this.#settled = undefined;
        before?.();
        resolve();
      };
    });
  }
}

/** A group planned for the archive: its journal commit (under way) and its chunks. */
interface Planned {
  readonly group: readonly Pending[];
  readonly chunks: IntakeChunk[];
  readonly deliveries: NewDelivery[];
  readonly recorded: Promise<number[]>;
  /** Its chunks start a new file: append only after the commit (see `#flush`). */
  readonly commitFirst: boolean;
}

/**
 * The event as its routes get it: an object with a string `id` (what EventBridge assigns). An input
 * that is not one (text that is not JSON, a value without an id) is archived but goes nowhere.
 */
function deliverable(event: unknown): (Record<string, unknown> & { id: string }) | undefined {
  if (typeof event !== 'object' || event === null || Array.isArray(event) || event instanceof Uint8Array)
    return undefined;
  const e = event as Record<string, unknown>;
  return typeof e.id === 'string' && e.id !== ''
    ? (e as Record<string, unknown> & { id: string })
    : undefined;
}
