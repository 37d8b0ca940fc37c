import {
  type Clock,
  isExpired,
  StateConditionFailedError,
  type StateItem,
  StateItemTooLargeError,
  type StateKey,
  type StatePage,
  type StatePutOptions,
  type StateQuery,
  type StateStore,
  type StateValue,
  stateItemBytes,
  stateItemMaxBytes,
  systemClock,
} from '@lakeops/core';

/** The cursor every adapter hands out: the last evaluated key, base64url JSON (as DynamoDB's LastEvaluatedKey). */
export const encodeStateCursor = (key: StateKey): string =>
  Buffer.from(JSON.stringify({ pk: key.pk, sk: key.sk })).toString('base64url');

/** The in-memory `StateStore`: same conditions, expiry and paging rules as DynamoDB. */
export class InMemoryStateStore implements StateStore {
  private readonly items = new Map<string, StateItem>();
  private readonly clock: Clock;
  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  private live(key: StateKey): StateItem | undefined {
    const item = this.items.get(JSON.stringify([key.pk, key.sk]));
    return item && !isExpired(item.expiresAt, this.clock.now()) ? item : undefined;
  }

  async get(key: StateKey): Promise<StateItem | undefined> {
    return this.live(key);
  }

  async put(key: StateKey, value: StateValue, options: StatePutOptions = {}): Promise<StateItem> {
    const data = JSON.stringify(value);
    const bytes = stateItemBytes(key, data, options.expiresAt);
    if (bytes > stateItemMaxBytes) throw new StateItemTooLargeError(key, bytes);
    const current = this.live(key);
    if (options.if === 'absent' && current) throw new StateConditionFailedError(key, current);
    if (typeof options.if === 'number' && current?.version !== options.if) {
      throw new StateConditionFailedError(key, current);
    }
    const item: StateItem = {
      pk: key.pk,
      sk: key.sk,
      value: JSON.parse(data) as StateValue,
      // As DynamoDB's `if_not_exists(version, 0) + 1`: an unconditional put over an expired,
      // not yet removed item continues its version.
      version:
        options.if === undefined
          ? (this.items.get(JSON.stringify([key.pk, key.sk]))?.version ?? 0) + 1
          : options.if === 'absent'
            ? 1
            : options.if + 1,
      ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
    };
    this.items.set(JSON.stringify([key.pk, key.sk]), item);
    return item;
  }

  async delete(key: StateKey, options: { readonly ifVersion?: number } = {}): Promise<void> {
    const current = this.live(key);
    if (options.ifVersion !== undefined && current?.version !== options.ifVersion) {
      throw new StateConditionFailedError(key, current);
    }
    this.items.delete(JSON.stringify([key.pk, key.sk]));
  }

  async query(query: StateQuery): Promise<StatePage> {
    const after = query.cursor
      ? (JSON.parse(Buffer.from(query.cursor, 'base64url').toString()) as StateKey).sk
      : undefined;
    const prefix = query.skPrefix ?? '';
    const evaluated = [...this.items.values()]
      .filter((i) => i.pk === query.pk && i.sk.startsWith(prefix) && (after === undefined || i.sk > after))
      .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0))
      .slice(0, query.limit ?? Number.POSITIVE_INFINITY);
    const items = evaluated.filter((i) => !isExpired(i.expiresAt, this.clock.now()));
    const last = evaluated.at(-1);
    return query.limit !== undefined && evaluated.length === query.limit && last
      ? { items, cursor: encodeStateCursor(last) }
      : { items };
  }
}
