import type { DeliveryJournal, PendingDelivery } from './sqlite-bus-journal.ts';

/** Calls a route's function with an event (the cli passes the in-process Lambda chain). */
export type Invoke = (routeId: string, event: Record<string, unknown>) => Promise<unknown>;

/**
 * A parked event, `v: 1` — structurally `ParkedEvent` of `@lakeops/core` (local-cloud does not
 * depend on core); `park` is a function property so the compiler checks the two stay one shape
 * where the cli passes its `JsonlDeadLetter` in.
 */
export interface BusParkedEvent {
  readonly v: 1;
  readonly routeId: string;
  readonly event: unknown;
  readonly reason: {
    readonly code: string;
    readonly message: string;
    readonly retryable: boolean;
    readonly details?: unknown;
  };
  readonly attempts: number;
  readonly parkedAt: string;
  readonly parkedBy: 'local-bus';
}

/** Where deliveries that keep failing end up (structurally `DeadLetter` of `@lakeops/core`). */
export interface DeadLetterPlace {
  readonly park: (parked: BusParkedEvent) => Promise<void>;
}

/**
 * How transient failures (the function threw) are retried: attempt n waits
 * `min(maxDelayMs, baseDelayMs · 2^(n-1))`, with jitter down to half of it, as EventBridge
 * backs off on async targets; after `maxAttempts` the event is parked in the dead-letter place.
 */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** The local default: 6 attempts over about half a minute (EventBridge itself keeps trying for 24 h). */
export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 16_000 };

/** Milliseconds to wait before the attempt after failed attempt `attempt` (1-based). */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const full = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(full / 2 + (full / 2) * random());
}

export type DeliveryOutcome =
  | { readonly kind: 'processed'; readonly result: unknown }
  /** The function's error policy parked the event (a permanent failure). */
  | { readonly kind: 'parked'; readonly code: string; readonly message: string }
  | { readonly kind: 'retrying'; readonly error: string; readonly delayMs: number }
  | { readonly kind: 'dead-lettered'; readonly error: string };

/** What happened on one attempt: for the console and for callers waiting on their events. */
export interface DeliveryReport {
  readonly routeId: string;
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  readonly attempt: number;
  readonly outcome: DeliveryOutcome;
}

/**
 * Runs pending deliveries against their functions, a few at a time, retrying transient failures
 * with backoff and parking the ones that exhaust their attempts. Every state change is in the
 * journal first, so a crash loses nothing: the next start resumes what was pending.
 *
 * @example
 * ```ts
 * const queue = new DeliveryQueue({ journal, invoke, deadLetter, onReport: (r) => print(r) });
 * queue.add(journal.claimOrphans());
 * await queue.idle();
 * ```
 */
export class DeliveryQueue {
  readonly #journal: DeliveryJournal;
  readonly #invoke: Invoke;
  readonly #deadLetter: DeadLetterPlace;
  readonly #policy: RetryPolicy;
  readonly #concurrency: number;
  readonly #onReport: (report: DeliveryReport) => void;
  readonly #ready: PendingDelivery[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #idleWaiters: (() => void)[] = [];
  #running = 0;
  #closed = false;

  constructor(options: {
    journal: DeliveryJournal;
    invoke: Invoke;
    deadLetter: DeadLetterPlace;
    retry?: RetryPolicy;
    concurrency?: number;
    onReport?: (report: DeliveryReport) => void;
  }) {
    this.#journal = options.journal;
    this.#invoke = options.invoke;
    this.#deadLetter = options.deadLetter;
    this.#policy = options.retry ?? defaultRetryPolicy;
    this.#concurrency = options.concurrency ?? 8;
    this.#onReport = options.onReport ?? (() => {});
  }

  get retryPolicy(): RetryPolicy {
    return this.#policy;
  }

  /** Deliveries running, ready or waiting for a retry. */
  get pending(): number {
    return this.#running + this.#ready.length + this.#timers.size;
  }

  /** Queues journaled deliveries; those whose time has not come wait for it. */
  add(deliveries: readonly PendingDelivery[]): void {
    if (this.#closed) return; // journaled: the next start resumes them
    const now = Date.now();
    for (const d of deliveries) {
      if (d.nextAt > now) this.#later(d, d.nextAt - now);
      else this.#ready.push(d);
    }
    this.#pump();
  }

  /** Resolves when nothing is running, ready or waiting for a retry. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops starting deliveries, waits for those running; what is left stays in the journal. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#ready.length = 0;
    while (this.#running > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    this.#journal.flush();
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #later(d: PendingDelivery, delayMs: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#ready.push(d);
      this.#pump();
    }, delayMs);
    this.#timers.add(timer);
  }

  #pump(): void {
    while (!this.#closed && this.#running < this.#concurrency && this.#ready.length > 0) {
      const d = this.#ready.shift() as PendingDelivery;
      this.#running++;
      void this.#attempt(d)
        // Only the dead-letter write can fail here: keep the delivery and try again later.
        .catch(() => this.#later(d, this.#policy.maxDelayMs))
        .finally(() => {
          this.#running--;
          this.#pump();
          this.#settle();
        });
    }
    this.#settle();
  }

  #settle(): void {
    if (this.pending > 0) return;
    this.#journal.flush();
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  async #attempt(d: PendingDelivery): Promise<void> {
    const attempt = d.attempts + 1;
    const report = (outcome: DeliveryOutcome) =>
      this.#onReport({
        routeId: d.routeId,
        eventId: d.eventId,
        source: String(d.event.source),
        detailType: String(d.event['detail-type']),
        attempt,
        outcome,
      });
    let result: unknown;
    try {
      result = await this.#invoke(d.routeId, JSON.parse(d.eventJson) as Record<string, unknown>);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // An error that says it is not retryable (e.g. the route is gone) is parked at once.
      const retryable = (error as { retryable?: unknown } | null)?.retryable !== false;
      if (retryable && attempt < d.maxAttempts && !this.#closed) {
        const delayMs = backoffDelay(this.#policy, attempt);
        this.#journal.retryLater(d.id, attempt, Date.now() + delayMs, message);
        this.#later({ ...d, attempts: attempt, nextAt: Date.now() + delayMs }, delayMs);
        report({ kind: 'retrying', error: message, delayMs });
        return;
      }
      if (retryable && attempt < d.maxAttempts) {
        // Closing: record the attempt; the next start retries it.
        this.#journal.retryLater(d.id, attempt, Date.now(), message);
        return;
      }
      const code =
        typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'Error';
      await this.#deadLetter.park({
        v: 1,
        routeId: d.routeId,
        event: d.event,
        reason: {
          code: retryable ? 'RetriesExhausted' : 'NotRetryable',
          message: retryable ? `${attempt} attempts failed; last: ${message}` : message,
          retryable,
          details: { code },
        },
        attempts: attempt,
        parkedAt: new Date().toISOString(),
        parkedBy: 'local-bus',
      });
      this.#markDone(d.id);
      report({ kind: 'dead-lettered', error: message });
      return;
    }
    this.#markDone(d.id);
    if (isParked(result)) report({ kind: 'parked', code: result.code, message: result.message });
    else report({ kind: 'processed', result });
  }

  #markDone(id: number): void {
    this.#journal.done([id]);
  }
}

function isParked(result: unknown): result is { status: 'parked'; code: string; message: string } {
  return (
    typeof result === 'object' && result !== null && (result as { status?: unknown }).status === 'parked'
  );
}
