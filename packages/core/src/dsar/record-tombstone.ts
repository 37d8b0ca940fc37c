import type { UserTombstonedV1 } from '@lakeops/contracts';
import type { Clock } from '../shared/clock.port.ts';
import { EventInvalidError } from '../shared/errors.ts';
import type { StateStore } from '../state/state-store.port.ts';
import { DeletionQueue } from './deletion-queue.ts';
import { hashUserId, type SaltSource } from './salt.port.ts';

/** The fields of `user.tombstoned` v1 the intake reads: the contract's generated type. */
export type TombstoneDetail = UserTombstonedV1;

export interface TombstoneEvent {
  readonly id: string;
  readonly detail: TombstoneDetail;
}

export interface TombstoneRecorded {
  readonly status: 'queued' | 'duplicate-request' | 'duplicate-user';
  /** The request that owns the deletion (another one's for `duplicate-user`). */
  readonly requestId: string;
}

const maskedId = /^\[masked:[a-z-]+\]$/;

/**
 * DSAR intake: records a deleted user in the deletion queue for the next purge. Replays (same
 * request id) and duplicates (same user, another request id) change nothing. The result carries
 * request ids only, never the user id, so it can be logged.
 *
 * @example
 * ```ts
 * await recordTombstone({ state, salt, clock }, event); // event: user.tombstoned v1
 * ```
 */
export async function recordTombstone(
  deps: { readonly state: StateStore; readonly salt: SaltSource; readonly clock: Clock },
  event: TombstoneEvent,
): Promise<TombstoneRecorded> {
  const d = event.detail;
  // A parked copy has its ids masked (`[masked:…]`): redriven as is, it must not queue a purge of
  // the placeholder. It is refused (and parked again) instead.
  const masked = [d.user_id, ...(d.anon_ids ?? [])].findIndex((id) => maskedId.test(id));
  if (masked >= 0) {
    throw new EventInvalidError('the tombstone holds a masked id (a parked copy): it cannot be purged', [
      { pointer: masked === 0 ? '/user_id' : `/anon_ids/${masked - 1}`, message: 'is a masked placeholder' },
    ]);
  }
  const userHash = await hashUserId(await deps.salt.get(), d.user_id);
  return new DeletionQueue(deps).enqueue({
    requestId: d.request_id,
    userId: d.user_id,
    anonIds: [...(d.anon_ids ?? [])],
    userHash,
    requestedAt: d.requested_at,
    reason: d.reason,
  });
}
