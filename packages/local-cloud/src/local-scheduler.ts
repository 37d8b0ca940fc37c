import { randomUUID } from 'node:crypto';
import { type EnvelopeDefaults, localEnvelope } from './put-events-input.ts';
import { nextFireTime, parseScheduleExpression, type ScheduleExpression } from './schedule-expression.ts';

/** A schedule route as the scheduler sees it. */
export interface ScheduleRule {
  readonly id: string;
  /** `rate(…)`, `cron(…)` or `at(…)`. */
  readonly schedule: string;
  /** IANA time zone for `cron()`/`at()`; UTC when absent. */
  readonly timezone?: string;
}

/** Called when a schedule is due, with the time it was due (not the time the timer woke up). */
export type Fire = (routeId: string, scheduledAt: Date) => void | Promise<void>;

// setTimeout holds at most 2^31-1 ms (~24.8 days); longer waits are chained.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The embedded stand-in for EventBridge Scheduler: one timer per schedule route, firing at the
 * times its expression gives in its time zone. Expressions are checked when the scheduler is
 * built, so a bad one fails at start. Missed times (the machine slept) are not caught up, as
 * on AWS with no flexible window.
 *
 * @example
 * ```ts
 * const scheduler = new LocalScheduler({ rules, fire: (id, at) => bus.deliver(id, scheduledEvent(id, at)) });
 * scheduler.start();
 * scheduler.stop();
 * ```
 */
export class LocalScheduler {
  readonly #rules: { rule: ScheduleRule; expression: ScheduleExpression }[];
  readonly #fire: Fire;
  readonly #now: () => Date;
  readonly #speed: number;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #next = new Map<string, Date>();
  #started: Date | undefined;

  /**
   * `speed` (local only, tests and demos): schedule time runs this many times faster than real
   * time from `start()` — `rate(5 minutes)` at speed 300 fires every second. Default 1.
   */
  constructor(options: { rules: readonly ScheduleRule[]; fire: Fire; now?: () => Date; speed?: number }) {
    const speed = options.speed ?? 1;
    if (!Number.isFinite(speed) || speed < 1)
      throw new RangeError(`speed must be a number ≥ 1, got ${speed}`);
    this.#speed = speed;
    this.#rules = options.rules.map((rule) => {
      const expression = parseScheduleExpression(rule.schedule);
      nextFireTime(expression, new Date(), rule.timezone); // checks the time zone
      return { rule, expression };
    });
    this.#fire = options.fire;
    const real = options.now ?? (() => new Date());
    if (speed === 1) this.#now = real;
    else {
      const origin = real().getTime();
      this.#now = () => new Date(origin + (real().getTime() - origin) * speed);
    }
  }

  start(): void {
    this.#started = this.#now();
    for (const entry of this.#rules) this.#plan(entry, this.#started);
  }

  stop(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#next.clear();
  }

  /** When each schedule fires next (routes that never fire again are absent). */
  nextRuns(): { routeId: string; at: Date }[] {
    return [...this.#next].map(([routeId, at]) => ({ routeId, at })).sort((a, b) => +a.at - +b.at);
  }

  #plan(entry: { rule: ScheduleRule; expression: ScheduleExpression }, after: Date): void {
    const { rule, expression } = entry;
    const at = nextFireTime(expression, after, rule.timezone, this.#started ?? after);
    if (!at) {
      this.#next.delete(rule.id);
      return;
    }
    this.#next.set(rule.id, at);
    const wait = () => {
      const delay = at.getTime() - this.#now().getTime();
      if (delay / this.#speed > MAX_TIMER_MS) {
        this.#timers.set(rule.id, setTimeout(wait, MAX_TIMER_MS));
        return;
      }
      this.#timers.set(
        rule.id,
        setTimeout(
          () => {
            this.#timers.delete(rule.id);
            void Promise.resolve()
              .then(() => this.#fire(rule.id, at))
              .catch(() => {}); // the fire callback reports its own failures
            this.#plan(entry, new Date(Math.max(this.#now().getTime(), at.getTime())));
          },
          Math.max(0, delay / this.#speed),
        ),
      );
    };
    wait();
  }
}

/**
 * The event a schedule route's function gets, shaped like EventBridge's scheduled events: source
 * `aws.scheduler`, detail-type `Scheduled Event`, the schedule's ARN in `resources`, `time` the
 * scheduled time, empty `detail`.
 */
export function scheduledEvent(
  routeId: string,
  at: Date,
  defaults: EnvelopeDefaults = localEnvelope,
): Record<string, unknown> & { id: string } {
  return {
    version: '0',
    id: (defaults.newId ?? randomUUID)(),
    'detail-type': 'Scheduled Event',
    source: 'aws.scheduler',
    account: defaults.account,
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: defaults.region,
    resources: [`arn:aws:scheduler:${defaults.region}:${defaults.account}:schedule/default/${routeId}`],
    detail: {},
  };
}
