import { acquireLease, type Clock, queryAll, releaseLease, renewLease, type StateStore } from '@lakeops/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

export interface StateStoreFixture {
  readonly store: StateStore;
  cleanup?(): Promise<void>;
}

/** A clock the suite moves by hand; every adapter under test reads "now" from it. */
export class ManualClock implements Clock {
  private at: number;
  constructor(start = '2026-12-01T02:00:00Z') {
    this.at = Date.parse(start);
  }
  now(): Date {
    return new Date(this.at);
  }
  advance(seconds: number): void {
    this.at += seconds * 1000;
  }
  get epochSeconds(): number {
    return Math.floor(this.at / 1000);
  }
}

/**
 * The behaviour every `StateStore` has, run against each adapter (SQLite for real, DynamoDB with
 * a mocked client answering like DynamoDB, the in-memory fake). `make` gets the clock the
 * adapter must use for expiry.
 *
 * @example
 * ```ts
 * stateStoreBehaviour('SqliteStateStore', async (clock) => ({ store: new SqliteStateStore({ file, clock }) }));
 * ```
 */
export function stateStoreBehaviour(
  name: string,
  make: (clock: ManualClock) => Promise<StateStoreFixture>,
): void {
  describe(`StateStore behaviour: ${name}`, () => {
    let fixture: StateStoreFixture;
    let clock: ManualClock;
    beforeEach(async () => {
      clock = new ManualClock();
      fixture = await make(clock);
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    it('reads back what it wrote, with a version that grows on every put', async () => {
      // Prepare
      const { store } = fixture;
      const key = { pk: 'dsar#request', sk: 'r-1' };
      // Act
      const first = await store.put(key, {
        status: 'pending',
        tables: ['a', 'b'],
        n: 2,
        ok: true,
        none: null,
      });
      const second = await store.put(key, { status: 'purged' });
      // Assess
      expect(first.version).toBe(1);
      expect(second.version).toBe(2);
      expect(await store.get(key)).toEqual({
        pk: 'dsar#request',
        sk: 'r-1',
        value: { status: 'purged' },
        version: 2,
      });
      expect(await store.get({ pk: 'dsar#request', sk: 'r-2' })).toBeUndefined();
    });

    it('puts if absent once; the second attempt fails and names the live item', async () => {
      // Prepare
      const { store } = fixture;
      const key = { pk: 'dedup', sk: 'alarm-1' };
      await store.put(key, { first: true }, { if: 'absent' });
      // Act
      const again = store.put(key, { first: false }, { if: 'absent' });
      // Assess
      await expect(again).rejects.toMatchObject({
        code: 'StateConditionFailed',
        current: { pk: 'dedup', sk: 'alarm-1', value: { first: true }, version: 1 },
      });
      expect((await store.get(key))?.value).toEqual({ first: true });
    });

    it('puts if the version matches and refuses a stale version', async () => {
      // Prepare
      const { store } = fixture;
      const key = { pk: 'job', sk: 'purge' };
      const v1 = await store.put(key, { step: 1 });
      await store.put(key, { step: 2 }, { if: v1.version });
      // Act
      const stale = store.put(key, { step: 'lost update' }, { if: v1.version });
      const onMissing = store.put({ pk: 'job', sk: 'none' }, { step: 1 }, { if: 1 });
      // Assess
      await expect(stale).rejects.toMatchObject({ code: 'StateConditionFailed', current: { version: 2 } });
      await expect(onMissing).rejects.toMatchObject({ code: 'StateConditionFailed', current: undefined });
      expect((await store.get(key))?.value).toEqual({ step: 2 });
    });

    it('hides an item from every read and condition from its expiry second on', async () => {
      // Prepare
      const { store } = fixture;
      const key = { pk: 'dedup', sk: 'page-1' };
      await store.put(key, { sent: 1 }, { expiresAt: clock.epochSeconds + 60, if: 'absent' });
      await store.put({ pk: 'dedup', sk: 'page-2' }, { sent: 2 });
      clock.advance(59);
      const before = await store.get(key);
      // Act
      clock.advance(1);
      const after = await store.get(key);
      const listed = await store.query({ pk: 'dedup' });
      const stale = store.put(key, { sent: 'x' }, { if: 1 });
      const again = await store.put(key, { sent: 3 }, { if: 'absent' });
      // Assess
      expect(before?.expiresAt).toBe(clock.epochSeconds);
      expect(after).toBeUndefined();
      expect(listed.items.map((i) => i.sk)).toEqual(['page-2']);
      await expect(stale).rejects.toMatchObject({ code: 'StateConditionFailed', current: undefined });
      expect(again.version).toBe(1);
    });

    it('queries one partition key by sort-key prefix, in order, page by page', async () => {
      // Prepare
      const { store } = fixture;
      for (const sk of ['req#05', 'req#01', 'req#03', 'req#02', 'req#04', 'run#01', 'req']) {
        await store.put({ pk: 'dsar', sk }, { sk });
      }
      await store.put({ pk: 'dsar-other', sk: 'req#00' }, {});
      await store.put({ pk: 'dsar', sk: 'req#06' }, {}, { expiresAt: clock.epochSeconds });
      // Act
      const first = await store.query({ pk: 'dsar', skPrefix: 'req#', limit: 2 });
      const all: string[] = [];
      for await (const item of queryAll(store, { pk: 'dsar', skPrefix: 'req#', limit: 2 })) all.push(item.sk);
      // Assess
      expect(first.items.map((i) => i.sk)).toEqual(['req#01', 'req#02']);
      expect(first.cursor).toBeDefined();
      expect(all).toEqual(['req#01', 'req#02', 'req#03', 'req#04', 'req#05']);
      expect((await store.query({ pk: 'dsar' })).items).toHaveLength(7);
      expect((await store.query({ pk: 'dsar' })).cursor).toBeUndefined();
    });

    it('deletes, and with ifVersion only that version', async () => {
      // Prepare
      const { store } = fixture;
      const key = { pk: 'job', sk: 'x' };
      await store.put(key, 1);
      await store.put(key, 2);
      // Act
      const stale = store.delete(key, { ifVersion: 1 });
      // Assess
      await expect(stale).rejects.toMatchObject({ code: 'StateConditionFailed' });
      expect(await store.get(key)).toBeDefined();
      await store.delete(key, { ifVersion: 2 });
      expect(await store.get(key)).toBeUndefined();
      await store.delete(key); // deleting nothing is fine
    });

    it('refuses an item above 400 KB and keeps the previous one', async () => {
      // Prepare
      const { store } = fixture;
      const key = { pk: 'job', sk: 'big' };
      await store.put(key, 'small');
      // Act
      const big = store.put(key, 'é'.repeat(205_000));
      // Assess
      await expect(big).rejects.toMatchObject({ code: 'StateItemTooLarge' });
      expect((await store.get(key))?.value).toBe('small');
    });

    it('lets one owner hold a lease; another takes it over only after it expired, with a higher token', async () => {
      // Prepare
      const deps = { state: fixture.store, clock };
      const a = await acquireLease(deps, { name: 'nrt-refresh', owner: 'a', ttlSeconds: 30 });
      // Act
      const whileHeld = await acquireLease(deps, { name: 'nrt-refresh', owner: 'b', ttlSeconds: 30 });
      clock.advance(30);
      const b = await acquireLease(deps, { name: 'nrt-refresh', owner: 'b', ttlSeconds: 30 });
      // Assess
      expect(a).toMatchObject({ owner: 'a', expiresAt: clock.epochSeconds });
      expect(whileHeld).toBeUndefined();
      expect(b?.owner).toBe('b');
      expect(b?.token).toBeGreaterThan(a?.token ?? Number.POSITIVE_INFINITY);
      if (!a || !b) throw new Error('unreachable');
      await expect(renewLease(deps, a, 30)).rejects.toMatchObject({ code: 'LeaseLost' });
      expect(await releaseLease(deps, a)).toBe(false);
    });

    it('renews and releases a lease; released, another owner gets it at once', async () => {
      // Prepare
      const deps = { state: fixture.store, clock };
      const a = await acquireLease(deps, { name: 'purge', owner: 'a', ttlSeconds: 10 });
      if (!a) throw new Error('not acquired');
      // Act
      clock.advance(9);
      const renewed = await renewLease(deps, a, 10);
      clock.advance(9);
      const refused = await acquireLease(deps, { name: 'purge', owner: 'b', ttlSeconds: 10 });
      const released = await releaseLease(deps, renewed);
      const b = await acquireLease(deps, { name: 'purge', owner: 'b', ttlSeconds: 10 });
      // Assess
      expect(renewed.token).toBeGreaterThan(a.token);
      expect(refused).toBeUndefined();
      expect(released).toBe(true);
      expect(b?.token).toBeGreaterThan(renewed.token);
    });

    it('gives a lease to exactly one of two owners racing for it', async () => {
      // Prepare
      const deps = { state: fixture.store, clock };
      // Act
      const got = await Promise.all(
        ['a', 'b', 'c'].map((owner) => acquireLease(deps, { name: 'race', owner, ttlSeconds: 60 })),
      );
      // Assess
      expect(got.filter(Boolean)).toHaveLength(1);
    });
  });
}
