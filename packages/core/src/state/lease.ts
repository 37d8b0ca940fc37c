import type { Clock } from '../shared/clock.port.ts';
import { LeaseLostError, StateConditionFailedError } from './errors.ts';
import type { StateItem, StateKey, StateStore } from './state-store.port.ts';

/** A held lease: only its holder acts, and passes `token` to whatever it writes. */
export interface Lease {
  readonly name: string;
  readonly owner: string;
  /**
   * Fencing token: grows with every acquire and renew of this lease name, across owners, so a
   * resource that remembers the highest token seen can refuse a late write from a stale holder.
   */
  readonly token: number;
  /** Epoch seconds; after it, another owner may take the lease over. */
  readonly expiresAt: number;
}

interface LeaseRecord {
  readonly [key: string]: string | number | null;
  readonly owner: string | null;
  readonly until: number;
}

/**
 * The lease item is `lease/<name>`. It carries no TTL: the lease's own expiry is in its value,
 * so the item (and its version, the fencing token) survives and the token never goes back.
 */
export const leaseKey = (name: string): StateKey => ({ pk: 'lease', sk: name });

const seconds = (clock: Clock) => Math.floor(clock.now().getTime() / 1000);

function recordOf(item: StateItem): LeaseRecord {
  const v = item.value;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'until' in v) {
    const owner = (v as Record<string, unknown>).owner;
    const until = (v as Record<string, unknown>).until;
    return { owner: typeof owner === 'string' ? owner : null, until: typeof until === 'number' ? until : 0 };
  }
  return { owner: null, until: 0 };
}

/**
 * Takes the lease when it is free, expired, or already this owner's; undefined while another
 * owner holds it. Two callers racing: exactly one wins (conditional put on the lease's version).
 *
 * @example
 * ```ts
 * const lease = await acquireLease({ state, clock }, { name: 'nrt-refresh', owner: invocationId, ttlSeconds: 120 });
 * if (!lease) return; // another refresh runs
 * ```
 */
export async function acquireLease(
  deps: { state: StateStore; clock: Clock },
  input: { name: string; owner: string; ttlSeconds: number },
): Promise<Lease | undefined> {
  const key = leaseKey(input.name);
  const now = seconds(deps.clock);
  const current = await deps.state.get(key);
  if (current) {
    const held = recordOf(current);
    if (held.owner !== null && held.owner !== input.owner && held.until > now) return undefined;
  }
  const until = now + input.ttlSeconds;
  try {
    const written = await deps.state.put(
      key,
      { owner: input.owner, until },
      { if: current ? current.version : 'absent' },
    );
    return { name: input.name, owner: input.owner, token: written.version, expiresAt: until };
  } catch (error) {
    if (error instanceof StateConditionFailedError) return undefined;
    throw error;
  }
}

/** Extends a held lease; `LeaseLostError` when another owner took it over meanwhile. */
export async function renewLease(
  deps: { state: StateStore; clock: Clock },
  lease: Lease,
  ttlSeconds: number,
): Promise<Lease> {
  const until = seconds(deps.clock) + ttlSeconds;
  try {
    const written = await deps.state.put(
      leaseKey(lease.name),
      { owner: lease.owner, until },
      { if: lease.token },
    );
    return { ...lease, token: written.version, expiresAt: until };
  } catch (error) {
    if (error instanceof StateConditionFailedError) {
      throw new LeaseLostError(lease.name, `no longer held by ${lease.owner}`);
    }
    throw error;
  }
}

/** Frees a held lease at once; a no-op (false) when it was already taken over. */
export async function releaseLease(deps: { state: StateStore }, lease: Lease): Promise<boolean> {
  try {
    await deps.state.put(leaseKey(lease.name), { owner: null, until: 0 }, { if: lease.token });
    return true;
  } catch (error) {
    if (error instanceof StateConditionFailedError) return false;
    throw error;
  }
}
