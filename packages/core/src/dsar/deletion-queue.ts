import type { Clock } from '../shared/clock.port.ts';
import { StateConditionFailedError } from '../state/errors.ts';
import { queryAll, type StateStore, type StateValue } from '../state/state-store.port.ts';

/**
 * The DSAR deletion queue, laid out in the state store:
 *
 * | pk | sk | value | while |
 * | --- | --- | --- | --- |
 * | `dsar#pending` | request id | `PendingDeletion` (raw user id and anon ids) | until the purge of the request is verified |
 * | `dsar#done` | request id | `CompletedDeletion` (salted hash only) | afterwards |
 * | `dsar#user` | salted hash of the user id | `{ requestId }` | always: idempotency on the user, and the no-resurrection filter |
 *
 * The raw id lives in exactly one item, which `markVerified` deletes.
 */
export const deletionKeys = {
  pending: (requestId: string) => ({ pk: 'dsar#pending', sk: requestId }),
  done: (requestId: string) => ({ pk: 'dsar#done', sk: requestId }),
  user: (userHash: string) => ({ pk: 'dsar#user', sk: userHash }),
} as const;

export interface PendingDeletion {
  readonly requestId: string;
  readonly userId: string;
  readonly anonIds: readonly string[];
  readonly userHash: string;
  readonly requestedAt: string;
  readonly receivedAt: string;
  readonly reason: string;
}

export interface CompletedDeletion {
  readonly requestId: string;
  readonly userHash: string;
  readonly requestedAt: string;
  readonly verifiedAt: string;
  /** The purge run that verified it (its audit record). */
  readonly runId: string;
  readonly rowsRemoved: number;
}

/** The deletion queue's operations over a `StateStore` (shared logic, no adapter of its own). */
export class DeletionQueue {
  private readonly deps: { state: StateStore; clock: Clock };
  constructor(deps: { state: StateStore; clock: Clock }) {
    this.deps = deps;
  }

  /**
   * Claims the user (by hash) for this request, then records the request; both put-if-absent, in
   * this order, so a replay after a crash between the two completes the same request.
   */
  async enqueue(
    request: Omit<PendingDeletion, 'receivedAt'>,
  ): Promise<{ status: 'queued' | 'duplicate-request' | 'duplicate-user'; requestId: string }> {
    const { state } = this.deps;
    try {
      await state.put(
        deletionKeys.user(request.userHash),
        { requestId: request.requestId },
        { if: 'absent' },
      );
    } catch (error) {
      if (!(error instanceof StateConditionFailedError)) throw error;
      const owner = (error.current?.value as { requestId?: string } | undefined)?.requestId;
      if (owner !== undefined && owner !== request.requestId)
        return { status: 'duplicate-user', requestId: owner };
    }
    if (await state.get(deletionKeys.done(request.requestId))) {
      return { status: 'duplicate-request', requestId: request.requestId };
    }
    try {
      const pending: PendingDeletion = { ...request, receivedAt: this.deps.clock.now().toISOString() };
      await state.put(deletionKeys.pending(request.requestId), toValue(pending), { if: 'absent' });
      return { status: 'queued', requestId: request.requestId };
    } catch (error) {
      if (error instanceof StateConditionFailedError)
        return { status: 'duplicate-request', requestId: request.requestId };
      throw error;
    }
  }

  /** Every request waiting for a purge, by request id. */
  async pending(): Promise<PendingDeletion[]> {
    const out: PendingDeletion[] = [];
    for await (const item of queryAll(this.deps.state, { pk: 'dsar#pending', limit: 500 })) {
      out.push(item.value as unknown as PendingDeletion);
    }
    return out;
  }

  /** Replaces the pending record (raw ids) with the hash-only completed record. */
  async markVerified(done: CompletedDeletion): Promise<void> {
    await this.deps.state.put(deletionKeys.done(done.requestId), toValue(done));
    await this.deps.state.delete(deletionKeys.pending(done.requestId));
  }

  async completed(requestId: string): Promise<CompletedDeletion | undefined> {
    return (await this.deps.state.get(deletionKeys.done(requestId)))?.value as unknown as
      | CompletedDeletion
      | undefined;
  }

  /** The salted hashes of every tombstoned user (for builds from Bronze). */
  async userHashes(): Promise<Set<string>> {
    const out = new Set<string>();
    for await (const item of queryAll(this.deps.state, { pk: 'dsar#user', limit: 1000 })) out.add(item.sk);
    return out;
  }
}

function toValue(record: PendingDeletion | CompletedDeletion): StateValue {
  return JSON.parse(JSON.stringify(record)) as StateValue;
}
