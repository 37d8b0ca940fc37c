import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '@lakeops/adapters-local';
import { contractCheck, type MarketplaceEvent, seedBronze } from '@lakeops/lake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const end = new Date('2026-11-20T23:59:59.999Z');

async function digest(store: FsObjectStore): Promise<string> {
  const hash = createHash('sha256');
  for (const o of await store.list('bronze/')) hash.update(o.key).update(await store.read(o.key));
  return hash.digest('hex');
}

describe('seedBronze', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lakeops-seed-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the same Bronze bytes for the same seed, and different ones for another seed', async () => {
    // Prepare
    const a = new FsObjectStore({ root: join(dir, 'a') });
    const b = new FsObjectStore({ root: join(dir, 'b') });
    const c = new FsObjectStore({ root: join(dir, 'c') });
    // Act
    await seedBronze({ store: a }, { days: 2, users: 200, seed: 7, end });
    await seedBronze({ store: b }, { days: 2, users: 200, seed: 7, end });
    await seedBronze({ store: c }, { days: 2, users: 200, seed: 8, end });
    // Assess
    expect(await digest(a)).toBe(await digest(b));
    expect(await digest(a)).not.toBe(await digest(c));
  });

  it('lays events out by dt/hour, ends at the given instant and emits the whole marketplace', async () => {
    // Prepare
    const store = new FsObjectStore({ root: join(dir, 'layout') });
    const seen: MarketplaceEvent[] = [];
    // Act
    const result = await seedBronze(
      { store },
      {
        days: 3,
        users: 400,
        seed: 42,
        end: new Date('2026-11-20T12:00:00.000Z'),
        validate: (e) => seen.push(e),
      },
    );
    const keys = (await store.list('bronze/events/')).map((o) => o.key);
    // Assess
    expect(result.days).toEqual(['2026-11-18', '2026-11-19', '2026-11-20']);
    expect(
      keys.every((k) => /^bronze\/events\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/seed-00000\.json$/.test(k)),
    ).toBe(true);
    expect(keys.some((k) => k.includes('dt=2026-11-20/hour=13'))).toBe(false);
    expect(seen).toHaveLength(result.events);
    expect(seen.every((e) => e.time <= '2026-11-20T12:00:00.000Z' && e.time >= '2026-11-18')).toBe(true);
    expect(Object.keys(result.eventsByType).sort()).toEqual(
      expect.arrayContaining([
        'booking.leg.status_changed',
        'checkout.started',
        'payment.captured',
        'profile.viewed',
        'promotion.interaction',
        'search.click',
        'search.impression',
      ]),
    );
  });

  it('splits a large hour into several files (bounded memory) without changing an event or their order', async () => {
    // Prepare
    const whole = new FsObjectStore({ root: join(dir, 'whole') });
    const split = new FsObjectStore({ root: join(dir, 'split') });
    const options = { days: 2, users: 300, seed: 5, end };
    // Act
    await seedBronze({ store: whole }, options);
    await seedBronze({ store: split }, { ...options, chunking: { fileLines: 40, usersPerStep: 25 } });
    const hours = async (store: FsObjectStore) => {
      const byHour = new Map<string, string[]>();
      for (const { key } of await store.list('bronze/events/')) {
        const hour = key.slice(0, key.lastIndexOf('/'));
        byHour.set(hour, [...(byHour.get(hour) ?? []), key]);
      }
      return byHour;
    };
    const wholeHours = await hours(whole);
    const splitHours = await hours(split);
    // Assess: the same hours; each hour's files, read in name order, are the single file's bytes
    expect([...splitHours.keys()].sort()).toEqual([...wholeHours.keys()].sort());
    let multi = 0;
    for (const [hour, keys] of splitHours) {
      const sorted = [...keys].sort();
      expect(sorted.map((k) => k.slice(hour.length + 1))).toEqual(
        sorted.map((_, n) => `seed-${String(n).padStart(5, '0')}.json`),
      );
      if (sorted.length > 1) multi++;
      const text = async (store: FsObjectStore, key: string) =>
        Buffer.from(await store.read(key)).toString('utf8');
      const joined = (await Promise.all(sorted.map((k) => text(split, k)))).join('');
      const expected = await text(whole, `${hour}/seed-00000.json`);
      expect({ hour, length: joined.length, same: joined === expected }).toEqual({
        hour,
        length: expected.length,
        same: true,
      });
    }
    expect(multi).toBeGreaterThan(10);
  });

  it('starts the seeded experiment on the day asked for: no exposure before it, exposures from it on', async () => {
    // Prepare
    const store = new FsObjectStore({ root: join(dir, 'start') });
    const exposedDays = new Set<string>();
    // Act
    await seedBronze(
      { store },
      {
        days: 6,
        users: 200,
        seed: 3,
        end,
        experimentStartDay: 1,
        validate: (e) => {
          if (e['detail-type'] === 'exp.exposed') exposedDays.add(e.time.slice(0, 10));
        },
      },
    );
    // Assess: days 2026-11-15 … 20; day index 1 is 2026-11-16
    expect([...exposedDays].sort()).toEqual([
      '2026-11-16',
      '2026-11-17',
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
    ]);
  });

  it('re-seeds only its own files: events archived by the bus stay in Bronze', async () => {
    // Prepare: an earlier seed, and an event the local bus archived in between.
    const store = new FsObjectStore({ root: join(dir, 'reseed') });
    const options = {
      days: 2,
      users: 200,
      seed: 7,
      end: new Date('2026-11-20T12:00:00.000Z'),
      validate: false as const,
    };
    await seedBronze({ store }, options);
    const busFile = 'bronze/events/dt=2026-11-20/hour=11/part-20261120T110000Z-123-abcdef.json';
    await store.write(busFile, '{"id":"from-the-bus"}\n');
    const before = await digest(store);
    // Act
    await seedBronze({ store }, options);
    // Assess
    const keys = (await store.list('bronze/events/')).map((o) => o.key);
    expect(keys).toContain(busFile);
    expect(await digest(store)).toBe(before);
  });

  it('puts no raw email address or phone number anywhere in Bronze', async () => {
    // Prepare
    const store = new FsObjectStore({ root: join(dir, 'pii') });
    await seedBronze({ store }, { days: 2, users: 300, seed: 1, end });
    // Act
    let text = '';
    for (const o of await store.list('bronze/')) text += await readFile(store.pathOf(o.key), 'utf8');
    // Assess
    expect(text).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/);
    expect(text).not.toMatch(/\+\d[\d .-]{7,}\d/); // E.164-like phone numbers
    expect(text).not.toMatch(/\(\d{3}\)\s?\d{3}-\d{4}/);
    expect(text).not.toMatch(/"(email|phone)[a-z_]*"\s*:\s*"(?![0-9a-f]{64}")/);
    expect(text).toMatch(/"email_sha256":"[0-9a-f]{64}"/);
  });

  it('checks every event through the contracts and stops at one that breaks them', () => {
    // Prepare
    const check = contractCheck();
    const review = {
      version: '0',
      id: '6f1c0e2a-0000-4000-8000-000000000001',
      'detail-type': 'review.submitted',
      source: 'marketplace.reviews',
      account: '000000000000',
      time: '2026-11-20T10:00:00.000Z',
      region: 'eu-west-1',
      resources: [],
      detail: {
        v: 1,
        review_id: 'rev_1',
        booking_id: 'bkg_1',
        leg_id: 'bkg_1-l1',
        user_id: 'u0000001',
        seller_id: 's000001',
        service_id: 'svc000001',
        city_id: 'lis',
        rating: 5,
      },
    } as const satisfies MarketplaceEvent;
    // Act
    const good = () => check(review);
    const outOfRange = () => check({ ...review, detail: { ...review.detail, rating: 6 } });
    const email = () => check({ ...review, detail: { ...review.detail, user_id: 'jane.doe@example.com' } });
    const extra = () =>
      check({ ...review, detail: { ...review.detail, mood: 'happy' } as typeof review.detail });
    // Assess
    expect(good).not.toThrow();
    expect(outOfRange).toThrow(
      expect.objectContaining({ code: 'EventInvalid', message: expect.stringMatching(/\/rating/) }),
    );
    expect(email).toThrow(
      expect.objectContaining({ code: 'EventInvalid', message: expect.stringMatching(/\/user_id/) }),
    );
    expect(extra).toThrow(/\/mood is not in the schema/);
  });

  it('stops between days when the signal aborts', async () => {
    // Prepare
    const store = new FsObjectStore({ root: join(dir, 'cancel') });
    const controller = new AbortController();
    // Act
    const seeding = seedBronze(
      { store },
      {
        days: 3,
        users: 100,
        seed: 1,
        end,
        signal: controller.signal,
        progress: (p) => {
          if (p.done === 1) controller.abort();
        },
      },
    );
    // Assess
    await expect(seeding).rejects.toMatchObject({
      code: 'SeedCancelled',
      message: expect.stringMatching(/before 2026-11-19/),
    });
  });

  it.each([
    [{ days: 0 }, /days must be a whole number from 1 to 366/],
    [{ days: 2.5 }, /days must be a whole number/],
    [{ users: 3 }, /users must be a whole number from 10/],
    [{ experimentStartDay: 2 }, /experimentStartDay must be a whole number from 0 to 1, got 2/],
    [{ experimentStartDay: -1 }, /experimentStartDay must be a whole number from 0 to 1, got -1/],
  ])('refuses %o', async (bad, message) => {
    // Prepare
    const store = new FsObjectStore({ root: join(dir, 'bad') });
    // Act
    const seeding = seedBronze({ store }, { days: 2, users: 100, seed: 1, end, ...bad });
    // Assess
    await expect(seeding).rejects.toThrow(message);
  });
});
