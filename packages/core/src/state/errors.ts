import { LakeopsError } from '../shared/errors.ts';
import type { StateItem, StateKey } from './state-store.port.ts';

/** A conditional write did not hold: the item exists (put-if-absent) or has another version. */
export class StateConditionFailedError extends LakeopsError {
  readonly key: StateKey;
  /** The live item that made the condition fail, when there is one. */
  readonly current: StateItem | undefined;
  constructor(key: StateKey, current: StateItem | undefined, options: { cause?: unknown } = {}) {
    const found = current ? `version ${current.version}` : 'no live item';
    super('StateConditionFailed', `condition failed on state item ${key.pk}/${key.sk} (${found})`, {
      retryable: false,
      cause: options.cause,
    });
    this.key = key;
    this.current = current;
  }
}

/** An item above DynamoDB's 400 KB limit: refused by every adapter before it is sent. */
export class StateItemTooLargeError extends LakeopsError {
  readonly bytes: number;
  constructor(key: StateKey, bytes: number) {
    super('StateItemTooLarge', `state item ${key.pk}/${key.sk} is ${bytes} bytes (limit 409600)`, {
      retryable: false,
    });
    this.bytes = bytes;
  }
}

/** A lease is held by another owner (acquire) or was taken over / released (renew, release). */
export class LeaseLostError extends LakeopsError {
  readonly lease: string;
  constructor(lease: string, detail: string) {
    super('LeaseLost', `lease '${lease}': ${detail}`, { retryable: false });
    this.lease = lease;
  }
}
