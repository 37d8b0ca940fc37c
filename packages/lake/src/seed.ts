import { ingestEvent, validateDetail } from '@lakeops/contracts';
import { EventInvalidError, type ObjectStore } from '@lakeops/core';
import { SeedCancelledError } from './errors.ts';
import type { MarketplaceEvent } from './marketplace/events.ts';
import { cities } from './marketplace/reference.ts';
import { dayString, MarketplaceSimulation } from './marketplace/simulation.ts';

/**
 * The names of the Bronze files a seed writes per hour: `seed-00000.json`, then `seed-00001.json`
 * … when an hour holds more than 100,000 events (`SeedOptions.chunking`). Re-seeding replaces only these.
 */
const seedFile = (n: number) => `seed-${String(n).padStart(5, '0')}.json`;
/** Events per seed file (~40 MB of NDJSON) and users between two looks: bound a large seed's memory. */
const defaultChunking = { fileLines: 100_000, usersPerStep: 5_000 } as const;

/** Progress of a long step, for a bar on a terminal or a plain line otherwise. */
export interface Progress {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  readonly label?: string;
}
export type ProgressListener = (progress: Progress) => void;

export interface SeedOptions {
  readonly days: number;
  readonly users: number;
  readonly seed: number;
  /** The last instant with data; defaults to now (the lake ends today, UTC). */
  readonly end?: Date;
  readonly progress?: ProgressListener;
  /** Stops between days when aborted (`SeedCancelledError`); the days written so far stay. */
  readonly signal?: AbortSignal;
  /**
   * Checks each event before it is written; an event it rejects stops the seed. Defaults to
   * {@link contractCheck} (the event schemas and PII guard of `@lakeops/contracts`); `false` skips.
   */
  readonly validate?: ((event: MarketplaceEvent) => void) | false;
  /**
   * Injects a true treatment effect into the seeded experiment (`search-ranking-v3`, started in the
   * middle of the window): treated users' booking amounts × (1 + effect) from their first
   * exposure on. 0.03 is +3 % GMV per user. Default 0 (no effect); from −0.5 to 1.
   */
  readonly experimentEffect?: number;
  /**
   * The day index (0 = the first day) the seeded experiment starts on: the days before it are its
   * pre-period. Default: the middle of the window. A long experiment with a short pre-period gives
   * each exposed user a longer window, so fewer users find the same effect.
   */
  readonly experimentStartDay?: number;
  /**
   * How the seed bounds its memory: an hour's buffer of at least `fileLines` events (default
   * 100,000) is written out as that hour's next file, looked for after every `usersPerStep` users
   * (default 5,000). The events, and their order across an hour's files, do not depend on it.
   */
  readonly chunking?: { readonly fileLines: number; readonly usersPerStep: number };
}

export interface SeedResult {
  readonly events: number;
  readonly eventsByType: Readonly<Record<string, number>>;
  readonly days: readonly string[];
  readonly files: number;
  readonly users: number;
  readonly sellers: number;
}

/**
 * Checks a generated event through the contracts: the whole event (envelope, detail, PII guard)
 * for the first event of each detail-type, then every event's detail against its schema and the
 * PII guard. Unknown fields count as a failure here: the generator must match its schemas exactly.
 */
export function contractCheck(): (event: MarketplaceEvent) => void {
  const seen = new Set<string>();
  return (event) => {
    const type = event['detail-type'];
    const fail = (reasons: readonly { pointer: string; message: string }[]) => {
      throw new EventInvalidError(
        `synthetic ${type} event failed its contract: ${reasons.map((r) => `${r.pointer} ${r.message}`).join('; ')}`,
        reasons,
      );
    };
    if (!seen.has(type)) {
      seen.add(type);
      const ingested = ingestEvent(event);
      if (ingested.status === 'rejected') fail(ingested.reasons);
    }
    const check = validateDetail(type, event.detail);
    if (!check.ok) fail(check.reasons);
    else if (check.unknownFields.length)
      fail(check.unknownFields.map((pointer) => ({ pointer, message: 'is not in the schema' })));
  };
}

export const seedLimits = { days: { min: 1, max: 366 }, users: { min: 10, max: 2_000_000 } } as const;

/**
 * Writes a synthetic marketplace into Bronze through the object store: events as NDJSON under
 * `bronze/events/dt=…/hour=…/seed-00000.json` (more files, `seed-00001.json` …, in an hour of more
 * than 100,000 events), and the daily exports (accounts, services,
 * campaigns, cities) under `bronze/<name>_snapshot/dt=<last day>/`. Earlier Bronze is replaced.
 *
 * @example
 * ```ts
 * await seedBronze({ store }, { days: 14, users: 5000, seed: 42 });
 * ```
 */
export async function seedBronze(deps: { store: ObjectStore }, options: SeedOptions): Promise<SeedResult> {
  const { store } = deps;
  for (const [name, { min, max }] of Object.entries(seedLimits)) {
    const value = options[name as keyof typeof seedLimits];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
    }
  }
  if (!Number.isInteger(options.seed))
    throw new RangeError(`seed must be a whole number, got ${options.seed}`);
  const effect = options.experimentEffect ?? 0;
  if (!(Number.isFinite(effect) && effect >= -0.5 && effect <= 1))
    throw new RangeError(`experimentEffect must be a number from -0.5 to 1, got ${options.experimentEffect}`);
  const start = options.experimentStartDay;
  if (start !== undefined && !(Number.isInteger(start) && start >= 0 && start < options.days))
    throw new RangeError(
      `experimentStartDay must be a whole number from 0 to ${options.days - 1}, got ${start}`,
    );
  const sim = new MarketplaceSimulation({
    days: options.days,
    users: options.users,
    seed: options.seed,
    end: options.end ?? new Date(),
    experimentEffect: effect,
    ...(options.experimentStartDay === undefined ? {} : { experimentStartDay: options.experimentStartDay }),
  });
  const days = sim.dayStrings;
  // Bronze events are append-only and shared with the local bus: a re-seed replaces only the
  // files an earlier seed wrote (named seed-*.json), never events archived by the bus.
  for (const { key } of await store.list('bronze/events/')) {
    if (/\/seed-\d+\.json$/.test(key)) await store.deletePrefix(key);
  }
  for (const prefix of [
    'bronze/accounts_snapshot/',
    'bronze/services_snapshot/',
    'bronze/campaigns_snapshot/',
    'bronze/cities_snapshot/',
  ]) {
    await store.deletePrefix(prefix);
  }

  // Per partition (dt/hour) buffers; a day is final once the next day is simulated. A buffer that
  // reaches chunking.fileLines is written out as the partition's next file without waiting.
  const chunking = options.chunking ?? defaultChunking;
  const buffers = new Map<string, string[]>();
  const written = new Map<string, number>();
  const byType: Record<string, number> = {};
  let events = 0;
  let files = 0;
  const validate = options.validate === undefined ? contractCheck() : options.validate;
  const emit = (event: MarketplaceEvent) => {
    if (validate) validate(event);
    const iso = event.time;
    const key = `dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}`;
    let buffer = buffers.get(key);
    if (!buffer) {
      buffer = [];
      buffers.set(key, buffer);
    }
    buffer.push(JSON.stringify(event));
    byType[event['detail-type']] = (byType[event['detail-type']] ?? 0) + 1;
    events++;
  };
  const writeFile = async (key: string, lines: readonly string[]) => {
    const n = written.get(key) ?? 0;
    written.set(key, n + 1);
    await store.write(`bronze/events/${key}/${seedFile(n)}`, `${lines.join('\n')}\n`);
    files++;
  };
  const flushBefore = async (day: string | undefined) => {
    for (const key of [...buffers.keys()].sort()) {
      if (day !== undefined && key.slice(3, 13) >= day) continue;
      const lines = buffers.get(key) ?? [];
      buffers.delete(key);
      if (lines.length > 0) await writeFile(key, lines);
    }
  };
  const flushFull = async () => {
    for (const [key, lines] of buffers) {
      if (lines.length < chunking.fileLines) continue;
      buffers.set(key, []);
      await writeFile(key, lines);
    }
  };
  for (let i = 0; i < days.length; i++) {
    if (options.signal?.aborted) throw new SeedCancelledError(days[i] ?? '');
    for (const _ of sim.simulateDayInSteps(i, emit, chunking.usersPerStep)) await flushFull();
    await flushBefore(days[i]);
    options.progress?.({ phase: 'seed', done: i + 1, total: days.length, label: days[i] ?? '' });
  }
  await flushBefore(undefined);

  const last = days[days.length - 1] ?? dayString(sim.endMs);
  const exportedAt = new Date(sim.endMs).toISOString();
  const ndjson = (rows: readonly object[]) =>
    `${rows.map((row) => JSON.stringify({ ...row, exported_at: exportedAt })).join('\n')}\n`;
  const everyone = [...sim.sellers, ...sim.users].filter((u) => u.signupMs <= sim.endMs);
  await store.write(
    `bronze/accounts_snapshot/dt=${last}/part-00000.json`,
    ndjson(
      everyone.map((u) => ({
        user_id: u.user_id,
        city_id: u.city_id,
        signup_at: new Date(u.signupMs).toISOString(),
        is_seller: u.is_seller,
        ...sim.contactHashes(u),
      })),
    ),
  );
  await store.write(
    `bronze/services_snapshot/dt=${last}/part-00000.json`,
    ndjson(
      sim.services.map((s) => ({
        service_id: s.service_id,
        seller_id: s.seller_id,
        city_id: s.city_id,
        category: s.category.name,
        title: s.title,
        base_price: s.base_price,
        listed_at: new Date(s.listedMs).toISOString(),
      })),
    ),
  );
  const dayOf = (offset: number) => dayString(sim.firstDayMs + offset * 86_400_000);
  await store.write(
    `bronze/campaigns_snapshot/dt=${last}/part-00000.json`,
    ndjson(
      sim.campaigns.map((c) => ({
        campaign_id: c.campaign_id,
        seller_id: c.service.seller_id,
        service_id: c.service.service_id,
        city_id: c.service.city_id,
        daily_budget: c.daily_budget,
        cost_per_click: c.cost_per_click,
        starts_on: dayOf(c.startsDay),
        ends_on: dayOf(c.endsDay),
      })),
    ),
  );
  await store.write(
    `bronze/cities_snapshot/dt=${last}/part-00000.json`,
    ndjson(cities.map(({ weight: _weight, ...city }) => city)),
  );
  files += 4;
  return { events, eventsByType: byType, days, files, users: sim.users.length, sellers: sim.sellers.length };
}
