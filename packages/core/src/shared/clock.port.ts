/**
 * Time, injected so that use cases and tests agree on "now".
 *
 * @example
 * ```ts
 * const fixed: Clock = { now: () => new Date('2026-01-01T00:00:00Z') };
 * ```
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
