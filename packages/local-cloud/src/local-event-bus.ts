import { compilePattern, matchesPattern } from '@lakeops/event-patterns';
import type { BusEvent } from './put-events-input.ts';

/** An event route as the bus sees it: an id and its pattern. */
export interface BusRule {
  readonly id: string;
  readonly pattern: Readonly<Record<string, unknown>>;
}

export type Invoke = (ruleId: string, event: BusEvent) => Promise<unknown>;

export type Delivery =
  | { readonly ruleId: string; readonly ok: true; readonly result: unknown }
  | { readonly ruleId: string; readonly ok: false; readonly error: Error };

export interface Routed {
  readonly event: BusEvent;
  readonly deliveries: readonly Delivery[];
}

/**
 * The in-process bus: matches each event against every rule with EventBridge's pattern
 * semantics and invokes the matching targets. (The local endpoint builds on it.)
 *
 * @example
 * ```ts
 * const bus = new LocalEventBus({ rules: [{ id: 'notify-deploy', pattern }], invoke });
 * const [routed] = await bus.put([event]);
 * ```
 */
export class LocalEventBus {
  readonly #rules: { id: string; compiled: ReturnType<typeof compilePattern> }[];
  readonly #invoke: Invoke;

  constructor(options: { rules: readonly BusRule[]; invoke: Invoke }) {
    this.#rules = options.rules.map((r) => ({ id: r.id, compiled: compilePattern(r.pattern) }));
    this.#invoke = options.invoke;
  }

  /** The ids of the rules whose pattern matches the event. */
  match(event: BusEvent): string[] {
    return this.#rules.filter((r) => matchesPattern(r.compiled, event)).map((r) => r.id);
  }

  /** Routes each event to every matching rule's target, in order; one failure does not stop the rest. */
  async put(events: readonly BusEvent[]): Promise<Routed[]> {
    const out: Routed[] = [];
    for (const event of events) {
      const deliveries: Delivery[] = [];
      for (const ruleId of this.match(event)) {
        try {
          deliveries.push({ ruleId, ok: true, result: await this.#invoke(ruleId, event) });
        } catch (error) {
          deliveries.push({
            ruleId,
            ok: false,
            error: error instanceof Error ? error : new Error(String(error)),
          });
        }
      }
      out.push({ event, deliveries });
    }
    return out;
  }
}
