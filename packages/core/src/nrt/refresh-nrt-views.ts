import type { QueryEngine, Row, WritePartitionsInput } from '../lake/query-engine.port.ts';
import type { TableDefinition } from '../lake/table.ts';
import type { Clock } from '../shared/clock.port.ts';
import { LakeopsError } from '../shared/errors.ts';
import type { EventPublisher, PublishedEvent } from '../shared/event-publisher.port.ts';
import { StateConditionFailedError } from '../state/errors.ts';
import { acquireLease, releaseLease, renewLease } from '../state/lease.ts';
import type { StateStore, StateValue } from '../state/state-store.port.ts';

/**
 * Which hours a view's SQL computes. Only those hours' Bronze partitions are read; a carry-over
 * view starts from its carry-over state at the end of the hour `carry` names instead of from all
 * history.
 */
export interface NrtScope {
  /** Hours of the day written ('HH', ascending). */
  readonly hours: readonly string[];
  /**
   * Carry-over views: the partition of the carry-over state table the first written hour starts
   * from (the hour before it, possibly the last hour of yesterday). Undefined: from all history.
   */
  readonly carry?: { readonly dt: string; readonly hour: string };
  /**
   * Carry-over views, the view's SQL only: hours of `hours` whose carry-over state is not written
   * (the current hour: its items still move). The view reads the state table for the other hours
   * and computes these from the state at `open.carry` (undefined: from all history) and the events
   * after it, in the same statement. Absent: every hour's state is read from the table.
   */
  readonly open?: {
    readonly hours: readonly string[];
    readonly carry?: { readonly dt: string; readonly hour: string };
  };
}

/**
 * The compact state a carry-over view continues from: the items still open (queued payouts,
 * open disputes) at the end of each hour, partitioned like the view. It is written before the
 * view, for the same hours, and the view reads it.
 */
export interface NrtCarryState {
  readonly table: TableDefinition;
  /** A SELECT returning the open items at the end of each hour of `scope.hours` (columns, `dt`, `hour`). */
  sql(day: string, scope: NrtScope): string;
}

/** One near-real-time view: a table partitioned by `dt` and `hour`, and how to compute it. */
export interface NrtView {
  /** `nrt.<view>`. */
  readonly name: string;
  readonly table: TableDefinition;
  /**
   * Present when an event changes every later hour of the day too (backlogs and queues, which are
   * "as of the end of each hour"); absent when it changes only its own hour.
   */
  readonly carryState?: NrtCarryState;
  /** A SELECT returning the view's rows for the hours of `scope` (columns, then `dt`, `hour`). */
  sql(day: string, scope: NrtScope): string;
  /**
   * A SELECT returning one row per hour of `day` from `fromHour` ('HH') on that holds source
   * events: `hour` ('HH'), `n` (how many source events that hour holds now) and `newest` (the
   * newest event time, RFC 3339 text). An hour whose `n` differs from what the view last counted
   * has changed, whatever its events' times: a late event is found as well as a new one.
   */
  changesSql(day: string, fromHour: string): string;
}

/** What the refresh remembers of one day of a view: which hours it wrote, from how many events. */
export interface NrtDayRecord {
  /** The day (UTC) the hours below belong to. */
  readonly day: string;
  /** Newest source event time covered (RFC 3339), shown by `nrt status` and the console. */
  readonly watermark: string | null;
  /**
   * Source events counted per hour of `day` when it was last written ('HH' → n): the next refresh
   * rewrites an hour whose count moved. Absent in records written before counts were kept.
   */
  readonly counts?: Readonly<Record<string, number>>;
  /** Hours of `day` written so far. */
  readonly hours: readonly string[];
  /**
   * Carry-over views: hours of `day` whose carry-over state was written with them (the next
   * refresh may start from one of them). Absent in records written before the state existed.
   */
  readonly carried?: readonly string[];
}

/** What the refresh remembers per view (state item `nrt#view/<view>`): today, and yesterday while it may move. */
export interface NrtViewRecord extends NrtDayRecord {
  readonly [key: string]: StateValue | NrtDayRecord | undefined;
  /**
   * The day before `day`, kept through the first `lateHours` of `day`: a late event into its last
   * hours is still found (by its hour's count) and written, to that day and (carry-over views)
   * to every hour after it. Absent from then on, and in records written before it was kept.
   */
  readonly previous?: NrtDayRecord;
  /** Rows written by the last refresh that wrote, and which hours it wrote. */
  readonly rows: number;
  readonly lastHours: readonly string[];
  readonly durationMs: number;
  /** Last time the view was known current (a refresh that wrote, or found nothing new). */
  readonly refreshedAt: string | null;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
  /** True from the staleness alarm until its resolve. */
  readonly stale: boolean;
}

export type NrtViewOutcome =
  | {
      readonly view: string;
      readonly status: 'refreshed';
      /** Hours of today written (none when only yesterday's moved). */
      readonly hours: readonly string[];
      /**
       * Hours of yesterday rewritten in the first `lateHours` of the day: for events that arrived
       * after midnight, or (carry-over views) to write the state of its last hour, once it is over.
       */
      readonly late?: { readonly dt: string; readonly hours: readonly string[] };
      readonly rows: number;
      readonly durationMs: number;
    }
  | { readonly view: string; readonly status: 'unchanged' }
  | { readonly view: string; readonly status: 'skipped'; readonly heldBy: 'another refresh' }
  | { readonly view: string; readonly status: 'failed'; readonly error: string };

export interface RefreshNrtViewsInput {
  readonly views: readonly NrtView[];
  /** This run's id: the lease owner, and `run_id` in the events. */
  readonly runId: string;
  /** Rewrites every hour of today so far (after a deploy of the data platform). */
  readonly rebuild?: boolean;
  /** Lease time-to-live; a crashed refresh's lease is taken over after it. Default 240 s. */
  readonly leaseSeconds?: number;
  /** Lag (now − last time the view was current) above which the staleness alarm fires. Default 900 s. */
  readonly staleAfterSeconds?: number;
  /**
   * How many hours before the current one are recounted on every refresh (default 3): an event
   * arriving later than that into an older hour of the day waits for the next rebuild.
   */
  readonly lateHours?: number;
  /**
   * Days of NRT partitions kept (default 35; 0 keeps every day): the first refresh of a day
   * removes each view's and carry-over state's partitions of the 31 days before that. On AWS an S3
   * lifecycle rule on the views' CTAS locations does the same (the stacks).
   */
  readonly retentionDays?: number;
}

export interface RefreshNrtViewsResult {
  readonly runId: string;
  readonly day: string;
  readonly views: readonly NrtViewOutcome[];
  readonly alarms: readonly { readonly view: string; readonly state: 'ALARM' | 'OK' }[];
}

/** A view's SQL or write failed; carried in `nrt.refresh.failed` as `<code>: <message>`. */
export class NrtRefreshFailedError extends LakeopsError {
  readonly view: string;
  constructor(view: string, cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super('NrtRefreshFailed', `refresh of ${view} failed: ${message}`, { retryable: true, cause });
    this.view = view;
  }
}

export const nrtSource = 'lakeops.nrt';
export const nrtRecordKey = (view: string) => ({ pk: 'nrt#view', sk: view });
export const nrtSkipKey = (view: string) => ({ pk: 'nrt#skip', sk: view });
export const nrtLeaseName = (view: string) => `nrt-refresh#${view}`;
const hoursOfDay = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

/** Reads a view's record; undefined before its first refresh. */
export async function readNrtViewRecord(state: StateStore, view: string): Promise<NrtViewRecord | undefined> {
  const item = await state.get(nrtRecordKey(view));
  return item ? (item.value as unknown as NrtViewRecord) : undefined;
}

/** How often another refresh found a view's lease held (state item `nrt#skip/<view>`). */
export async function readNrtSkips(
  state: StateStore,
  view: string,
): Promise<{ count: number; lastAt: string | null }> {
  const item = await state.get(nrtSkipKey(view));
  const value = item?.value as { count?: number; lastAt?: string } | undefined;
  return { count: value?.count ?? 0, lastAt: value?.lastAt ?? null };
}

/** Counts one skip of a view (its lease or refresh was held by another run). */
export async function recordNrtSkip(state: StateStore, view: string, at: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await state.get(nrtSkipKey(view));
    const count = ((current?.value as { count?: number } | undefined)?.count ?? 0) + 1;
    try {
      await state.put(nrtSkipKey(view), { count, lastAt: at }, { if: current ? current.version : 'absent' });
      return;
    } catch (error) {
      if (!(error instanceof StateConditionFailedError)) throw error;
    }
  }
}

/** What one refresh of a view writes: decided from its record and the hours touched since its watermark. */
export interface NrtPlan {
  readonly day: string;
  /** The view's record before this refresh (a fresh one before its first). */
  readonly base: NrtViewRecord;
  /** Hours written, ascending; empty when nothing changed. */
  readonly hours: readonly string[];
  readonly scope: NrtScope;
  /** Newest source event time covered after this refresh. */
  readonly newest: string | null;
  /** The source events counted per hour after this refresh (the record's next `counts`). */
  readonly counts: Readonly<Record<string, number>>;
  /** Hours of `day` written (and whose carry-over state was written) before this refresh. */
  readonly written: readonly string[];
  readonly carried: readonly string[];
  /**
   * Carry-over views: the hours whose carry-over state this refresh writes (the next refresh may
   * start from one of them), all over when the refresh was planned: those of `hours`, and an hour
   * the view wrote while it was current that is over since and that no event reached since (its
   * state only: its view partition stays as it is). The current hour is not among them: its state
   * would be stale by the next tick, so the view computes it inline instead (`NrtScope.open`) and
   * its state is written once the hour is over. Absent in plans made before it was kept (an Athena
   * job in flight): every hour's state is written.
   */
  readonly settled?: readonly string[];
}

/**
 * The rows of a view's `changesSql` found ahead (by `findNrtChanges`, for every view in one
 * query), with the day and first hour they were asked for.
 */
export interface NrtChanges {
  readonly day: string;
  readonly fromHour: string;
  readonly rows: readonly Row[];
}

/** Default of `RefreshNrtViewsInput.lateHours`. */
export const nrtLateHours = 3;

/** Default of `RefreshNrtViewsInput.retentionDays`. */
export const nrtRetentionDays = 35;

/** How many days before the retention a first refresh of the day looks for partitions to remove. */
const expiryWindowDays = 31;

/**
 * The partitions a first refresh of `day` removes from an NRT table: every hour of the
 * `expiryWindowDays` days before the first day kept (`day` − `retentionDays` + 1). Engine-agnostic:
 * a write owning those days whose query returns no rows (one that does not exist is no change).
 */
export function nrtExpiryWrite(
  table: TableDefinition,
  day: string,
  retentionDays: number,
): WritePartitionsInput {
  let oldest = day;
  for (let i = 1; i < retentionDays; i++) oldest = nrtDayBefore(oldest);
  const partitions: { dt: string }[] = [];
  let dt = oldest;
  for (let i = 0; i < expiryWindowDays; i++) {
    dt = nrtDayBefore(dt);
    partitions.push({ dt });
  }
  return {
    table,
    sql: `SELECT * FROM ${table.zone}.${table.name} WHERE false`,
    partitions,
    // Nothing is read: an engine that narrows reads lists none of the table's folders.
    reads: [{ table, partitions: [] }],
  };
}

/**
 * The first hour a refresh recounts: `lateHours` before the current hour when the view was
 * already written today (older hours are settled), else the day's first hour.
 */
export function nrtFromHour(
  record: NrtViewRecord | undefined,
  input: { readonly now: Date; readonly rebuild?: boolean; readonly lateHours?: number },
): string {
  const day = input.now.toISOString().slice(0, 10);
  if (input.rebuild || record?.day !== day) return '00';
  const late = input.lateHours ?? nrtLateHours;
  return String(Math.max(0, input.now.getUTCHours() - late)).padStart(2, '0');
}

/** The day (`YYYY-MM-DD`, UTC) before `day`. */
export function nrtDayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** What `record` remembers of `day`: itself, its `previous`, or nothing. */
export function nrtDayRecord(record: NrtViewRecord | undefined, day: string): NrtDayRecord | undefined {
  if (record?.day === day) return record;
  if (record?.previous?.day === day) return record.previous;
  return undefined;
}

/** One day a refresh writes: planned as at `now`, recounting its hours from `fromHour`. */
export interface NrtPass {
  readonly day: string;
  readonly now: Date;
  readonly fromHour: string;
}

/**
 * The days a refresh at `now` writes, in order. Today, preceded during the first `lateHours` of
 * the day by yesterday when the view wrote it: planned as at its last millisecond and recounted
 * from `lateHours` before `now`, so an event of 23:58 that reaches Bronze after midnight (Firehose
 * holds records up to its buffer interval) is still written to yesterday, and, for carry-over
 * views, to today, which continues from yesterday's last hour.
 */
export function nrtPasses(
  record: NrtViewRecord | undefined,
  input: { readonly now: Date; readonly rebuild?: boolean; readonly lateHours?: number },
): NrtPass[] {
  const day = input.now.toISOString().slice(0, 10);
  const today: NrtPass = { day, now: input.now, fromHour: nrtFromHour(record, input) };
  const late = input.lateHours ?? nrtLateHours;
  const hour = input.now.getUTCHours();
  const yesterday = nrtDayBefore(day);
  if (input.rebuild || hour >= late || nrtDayRecord(record, yesterday) === undefined) return [today];
  return [
    {
      day: yesterday,
      now: new Date(`${yesterday}T23:59:59.999Z`),
      fromHour: String(24 + hour - late).padStart(2, '0'),
    },
    today,
  ];
}

/**
 * The hours touched since each view's watermark, for all `views` in one query (the views'
 * `changesSql` joined by UNION ALL: one statement, one look at the source files, instead of one
 * per view). Empty when there is only one view, or when the query fails (a view whose
 * `changesSql` fails then fails on its own in `planNrtRefresh`, and the others still refresh).
 */
export async function findNrtChanges(
  deps: { engine: Pick<QueryEngine, 'query'>; state: StateStore },
  views: readonly NrtView[],
  input: { readonly now: Date; readonly rebuild?: boolean; readonly lateHours?: number },
): Promise<Map<string, NrtChanges>> {
  const found = new Map<string, NrtChanges>();
  if (views.length < 2) return found;
  const day = input.now.toISOString().slice(0, 10);
  try {
    const fromHours = await Promise.all(
      views.map(async (view) => nrtFromHour(await readNrtViewRecord(deps.state, view.name), input)),
    );
    const sql = views
      .map(
        (view, i) =>
          `SELECT ${i} AS view_index, hour, n, newest FROM (\n${view.changesSql(day, fromHours[i] ?? '00')}\n) AS changes_${i}`,
      )
      .join('\nUNION ALL\n');
    const rows = await deps.engine.query(sql);
    views.forEach((view, i) => {
      found.set(view.name, {
        day,
        fromHour: fromHours[i] ?? '00',
        rows: rows.filter((r) => Number(r.view_index) === i),
      });
    });
  } catch {
    found.clear();
  }
  return found;
}

/**
 * Decides what a refresh of `view` at `now` writes: the hours of that day whose count of source
 * events moved since the view last counted them (recounted from `fromHour`, by default `lateHours`
 * before the current hour; a late event into one of those hours is found like a new one), for
 * carry-over views also every later hour up to now, plus any hour of the day not yet written;
 * `rebuild` writes every hour of today so far, from all history. `changes` found ahead are used
 * when they were asked for this day from the same hour; otherwise the view's `changesSql` runs.
 * Counts compared with a record another refresh moved in between can only make an hour look
 * changed: it is written again. Yesterday is planned by passing a `now` on that day (see `nrtPasses`).
 */
export async function planNrtRefresh(
  deps: { engine: Pick<QueryEngine, 'query'>; state: StateStore },
  view: NrtView,
  input: {
    readonly now: Date;
    readonly rebuild?: boolean;
    readonly lateHours?: number;
    readonly fromHour?: string;
    readonly changes?: NrtChanges | undefined;
    /**
     * When the refresh runs (default `now`): an hour of `day` that ended by then is settled. A pass
     * over yesterday plans as at yesterday's last millisecond, yet every hour of it is over.
     */
    readonly at?: Date;
  },
): Promise<NrtPlan> {
  const day = input.now.toISOString().slice(0, 10);
  const currentHour = input.now.toISOString().slice(11, 13);
  const previous = await readNrtViewRecord(deps.state, view.name);
  const part = input.rebuild ? undefined : nrtDayRecord(previous, day);
  const written = new Set(part?.hours ?? []);
  const carried = new Set(part?.carried ?? []);
  const watermark = part?.watermark ?? null;
  const base: NrtViewRecord = previous ?? emptyRecord(day);
  const fromHour = input.fromHour ?? nrtFromHour(previous, input);
  const ahead = input.changes;
  const changes =
    ahead && ahead.day === day && ahead.fromHour === fromHour
      ? ahead.rows
      : await deps.engine.query(view.changesSql(day, fromHour));
  const counted: Record<string, number> = { ...(part?.counts ?? {}) };
  const touched: string[] = [];
  for (const r of changes) {
    const hour = String(r.hour);
    // An hour after the current one (a clock ahead of ours) is counted once it is due.
    if (hour > currentHour) continue;
    const n = Number(r.n);
    if (counted[hour] !== n) touched.push(hour);
    counted[hour] = n;
  }
  const newest = changes
    .filter((r) => String(r.hour) <= currentHour)
    .map((r) => String(r.newest))
    .reduce<string | null>((a, b) => (a === null || Date.parse(b) > Date.parse(a) ? b : a), watermark);
  const hours = new Set(hoursOfDay.filter((h) => h <= currentHour && !written.has(h)));
  for (const h of touched) hours.add(h);
  const at = (input.at ?? input.now).getTime();
  const isOver = (h: string) => Date.parse(`${day}T${h}:00:00.000Z`) + 3_600_000 <= at;
  const earliest = (xs: readonly string[]) =>
    xs.reduce<string | undefined>((a, b) => (a === undefined || b < a ? b : a), undefined);
  // A carry-over view rewrites every hour from the first one touched: each continues from the
  // state of the hour before.
  const firstTouched = earliest(touched);
  if (view.carryState && firstTouched !== undefined) {
    for (const h of hoursOfDay) if (h >= firstTouched && h <= currentHour) hours.add(h);
  }
  const toWrite = [...hours].sort();
  // Its state is written for every hour over from the first one touched, or written while it was
  // current and over since without its state: the next refresh starts from that state. Such an
  // hour untouched since keeps its view partition, which the view computed from the same events.
  // The first hour written (a state or the view) is where the carry-over state continues from.
  const unsettled = view.carryState ? [...written].filter((h) => isOver(h) && !carried.has(h)) : [];
  const first = earliest([...unsettled, ...toWrite]);
  const settled = view.carryState
    ? hoursOfDay.filter((h) => first !== undefined && h >= first && h <= currentHour && isOver(h))
    : [];
  return {
    day,
    base,
    hours: toWrite,
    scope: { hours: toWrite, ...carryOf(view, previous, day, first, carried, input.rebuild) },
    newest,
    counts: counted,
    written: [...written],
    carried: [...carried],
    settled,
  };
}

/** Whether a refresh of `plan` writes anything: hours of the view, or only carry-over states. */
export function nrtPlanWrites(plan: NrtPlan): boolean {
  return plan.hours.length > 0 || settledOf(plan).length > 0;
}

/** The hours whose carry-over state a refresh of `plan` writes (a plan from before `settled`: all). */
function settledOf(plan: NrtPlan): readonly string[] {
  return plan.settled ?? plan.hours;
}

/**
 * Where a carry-over view continues from: its state at the end of the hour before the first one
 * written, when that state was written (today's, or yesterday's last hour before today's first);
 * otherwise, or on a rebuild, from all history.
 */
function carryOf(
  view: NrtView,
  record: NrtViewRecord | undefined,
  day: string,
  firstHour: string | undefined,
  carried: ReadonlySet<string>,
  rebuild: boolean | undefined,
): { carry?: { dt: string; hour: string } } {
  if (!view.carryState || rebuild) return {};
  const before = hoursOfDay[hoursOfDay.indexOf(firstHour ?? '00') - 1];
  if (before !== undefined) return carried.has(before) ? { carry: { dt: day, hour: before } } : {};
  const yesterday = nrtDayBefore(day);
  return nrtDayRecord(record, yesterday)?.carried?.includes('23')
    ? { carry: { dt: yesterday, hour: '23' } }
    : {};
}

/**
 * The record after a refresh that wrote `plan.hours` of `plan.day`. Today's (or a new day's, whose
 * record keeps the day before as `previous`), or yesterday's: then a carry-over view's hours of
 * today are forgotten, as they continued from a state of yesterday that has just changed, and the
 * next pass writes them all again.
 */
export function refreshedRecord(
  view: NrtView,
  plan: NrtPlan,
  result: { readonly rows: number; readonly durationMs: number; readonly refreshedAt: Date },
): NrtViewRecord {
  const { base } = plan;
  const part: NrtDayRecord = {
    day: plan.day,
    watermark: plan.newest,
    counts: plan.counts,
    hours: [...new Set([...plan.written, ...plan.hours])].sort(),
    ...(view.carryState ? { carried: carriedAfter(plan) } : {}),
  };
  // A refresh that wrote only carry-over states keeps the figures of the last one that wrote the view.
  const last = plan.hours.length
    ? {
        rows: result.rows,
        lastHours: plan.hours,
        durationMs: result.durationMs,
        refreshedAt: result.refreshedAt.toISOString(),
        lastError: null,
      }
    : { refreshedAt: result.refreshedAt.toISOString(), lastError: null };
  if (base.previous?.day === plan.day && base.day > plan.day) {
    const forget = view.carryState && plan.hours.length > 0 ? { hours: [], carried: [] } : {};
    return { ...base, ...forget, previous: part, ...last };
  }
  const { previous, ...rest } = base;
  const kept =
    plan.day === base.day ? previous : base.day === nrtDayBefore(plan.day) ? dayPart(base) : undefined;
  return { ...rest, ...part, ...(kept ? { previous: kept } : {}), ...last };
}

/**
 * Hours whose carry-over state is current after a refresh of `plan`: those written before and not
 * rewritten now, and the settled hours written now (an hour rewritten without its state has a
 * stale one, if any).
 */
function carriedAfter(plan: NrtPlan): string[] {
  const settled = settledOf(plan);
  const rewritten = new Set(plan.hours);
  return [...new Set([...plan.carried.filter((h) => !rewritten.has(h)), ...settled])].sort();
}

/** The day part of a record (without `previous` and the last refresh's figures). */
function dayPart(record: NrtViewRecord): NrtDayRecord {
  return {
    day: record.day,
    watermark: record.watermark,
    ...(record.counts ? { counts: record.counts } : {}),
    hours: record.hours,
    ...(record.carried ? { carried: record.carried } : {}),
  };
}

/**
 * The writes of a refresh of `plan`. A carry-over view's state of the settled hours first (absent
 * when none is: a tick within the hour), which reads its own partition of `scope.carry` (if any);
 * then the view (absent when only states are written), which reads the state of the settled hours
 * and computes the current hour's from the last settled state (or `scope.carry`) and its events
 * (`NrtScope.open`). Each names the partitions it reads (`reads`): the local engine then lists only
 * those folders instead of every partition of the state's history.
 */
export function nrtWrites(
  view: NrtView,
  plan: NrtPlan,
): { readonly state?: WritePartitionsInput; readonly view?: WritePartitionsInput } {
  const at = (hour: string) => ({ dt: plan.day, hour });
  const partitions = plan.hours.map(at);
  const { carryState } = view;
  if (!carryState) {
    if (!plan.hours.length) return {};
    return { view: { table: view.table, sql: view.sql(plan.day, plan.scope), partitions } };
  }
  const { carry } = plan.scope;
  const settled = settledOf(plan);
  const open = plan.hours.filter((h) => !settled.includes(h));
  const last = settled[settled.length - 1];
  const openCarry = last === undefined ? carry : at(last);
  const scope: NrtScope = {
    ...plan.scope,
    ...(open.length ? { open: { hours: open, ...(openCarry ? { carry: openCarry } : {}) } } : {}),
  };
  const viewWrite: WritePartitionsInput | undefined = plan.hours.length
    ? {
        table: view.table,
        sql: view.sql(plan.day, scope),
        partitions,
        reads: [
          {
            table: carryState.table,
            partitions: [...settled.map(at), ...(open.length && openCarry ? [openCarry] : [])],
          },
        ],
      }
    : undefined;
  const viewPart = viewWrite ? { view: viewWrite } : {};
  if (!settled.length) return viewPart;
  return {
    state: {
      table: carryState.table,
      sql: carryState.sql(plan.day, { hours: settled, ...(carry ? { carry } : {}) }),
      partitions: settled.map(at),
      reads: [{ table: carryState.table, partitions: carry ? [{ dt: carry.dt, hour: carry.hour }] : [] }],
    },
    ...viewPart,
  };
}

/** `nrt.refreshed` of a refresh that wrote `plan.hours`. */
export function refreshedEvent(
  view: NrtView,
  plan: NrtPlan,
  result: {
    readonly rows: number;
    readonly durationMs: number;
    readonly refreshedAt: Date;
    readonly runId: string;
  },
): PublishedEvent {
  const { newest } = plan;
  const freshness =
    newest === null ? 0 : Math.max(0, (result.refreshedAt.getTime() - Date.parse(newest)) / 1000);
  return {
    source: nrtSource,
    detailType: 'nrt.refreshed',
    detail: {
      v: 1,
      view: view.name,
      dt: plan.day,
      rows: result.rows,
      refreshed_at: result.refreshedAt.toISOString(),
      freshness_seconds: freshness,
      duration_ms: result.durationMs,
      run_id: result.runId,
    },
  };
}

/** The record and the `nrt.refresh.failed` event of a refresh that failed. */
export function failedRefresh(
  view: NrtView,
  base: NrtViewRecord,
  error: unknown,
  input: { readonly day: string; readonly failedAt: Date; readonly runId: string },
): { record: NrtViewRecord; event: PublishedEvent; reason: string } {
  const failure =
    error instanceof NrtRefreshFailedError ? error : new NrtRefreshFailedError(view.name, error);
  const reason = `${failure.code}: ${failure.message}`.slice(0, 4000);
  const { failedAt } = input;
  const lastGood = base.refreshedAt === null ? undefined : Date.parse(base.refreshedAt);
  return {
    reason,
    record: { ...base, lastError: reason, lastErrorAt: failedAt.toISOString() },
    event: {
      source: nrtSource,
      detailType: 'nrt.refresh.failed',
      detail: {
        v: 1,
        view: view.name,
        dt: input.day,
        failed_at: failedAt.toISOString(),
        error: reason,
        run_id: input.runId,
        ...(lastGood === undefined
          ? {}
          : { freshness_seconds: Math.max(0, (failedAt.getTime() - lastGood) / 1000) }),
      },
    },
  };
}

/**
 * Staleness: one ALARM when the lag (now − last time the view was current) passes the limit, one
 * OK when it is back under; the record's `stale` flag remembers which was sent last.
 */
export function settleStaleness(
  view: string,
  record: NrtViewRecord,
  now: Date,
  staleAfterSeconds: number,
): { record: NrtViewRecord; alarm?: PublishedEvent } {
  const lagSeconds =
    record.refreshedAt === null
      ? Number.POSITIVE_INFINITY
      : (now.getTime() - Date.parse(record.refreshedAt)) / 1000;
  const stale = lagSeconds > staleAfterSeconds;
  if (stale === record.stale) return { record };
  return { record: { ...record, stale }, alarm: staleAlarm(view, stale, lagSeconds, staleAfterSeconds) };
}

/**
 * Refreshes the NRT views for today (UTC): per view, under a lease in the state port, it writes
 * only the hours touched since the view's watermark (and, for carry-over views, every later hour
 * up to now), plus any hour of today not yet written, each hour swapped atomically by the engine.
 * A held lease is recorded as a skip; a view that fails emits `nrt.refresh.failed` and the
 * others still refresh. One `alarm.triggered` (ALARM) when a view's lag passes the limit, one
 * (OK) when it recovers.
 *
 * @example
 * ```ts
 * const result = await refreshNrtViews({ engine, state, events, clock }, { views, runId: 'nrt-1' });
 * ```
 */
export async function refreshNrtViews(
  deps: { engine: QueryEngine; state: StateStore; events: EventPublisher; clock: Clock },
  input: RefreshNrtViewsInput,
): Promise<RefreshNrtViewsResult> {
  // One version of the engine's cached sources for the whole run (where it caches any): the
  // changes found and every view written read the same Bronze.
  const { engine } = deps;
  if (engine.withPinnedSources) {
    return engine.withPinnedSources((pinned) => refreshViews({ ...deps, engine: pinned }, input));
  }
  return refreshViews(deps, input);
}

async function refreshViews(
  deps: { engine: QueryEngine; state: StateStore; events: EventPublisher; clock: Clock },
  input: RefreshNrtViewsInput,
): Promise<RefreshNrtViewsResult> {
  const { engine, state, events, clock } = deps;
  const leaseSeconds = input.leaseSeconds ?? 240;
  const staleAfter = input.staleAfterSeconds ?? 900;
  const retention = input.retentionDays ?? nrtRetentionDays;
  const day = clock.now().toISOString().slice(0, 10);
  const outcomes: NrtViewOutcome[] = [];
  const alarms: { view: string; state: 'ALARM' | 'OK' }[] = [];
  const rebuild = {
    ...(input.rebuild ? { rebuild: true } : {}),
    ...(input.lateHours === undefined ? {} : { lateHours: input.lateHours }),
  };
  const changes = await findNrtChanges({ engine, state }, input.views, { now: clock.now(), ...rebuild });

  for (const view of input.views) {
    let lease = await acquireLease(
      { state, clock },
      { name: nrtLeaseName(view.name), owner: input.runId, ttlSeconds: leaseSeconds },
    );
    if (!lease) {
      await recordNrtSkip(state, view.name, clock.now().toISOString());
      outcomes.push({ view: view.name, status: 'skipped', heldBy: 'another refresh' });
      continue;
    }
    try {
      let record = (await readNrtViewRecord(state, view.name)) ?? null;
      const firstToday = record?.day !== day;
      const began = performance.now();
      try {
        let hours: readonly string[] = [];
        let late: { dt: string; hours: readonly string[] } | undefined;
        let rows = 0;
        for (const pass of nrtPasses(record ?? undefined, { now: clock.now(), ...rebuild })) {
          const plan = await planNrtRefresh({ engine, state }, view, {
            now: pass.now,
            fromHour: pass.fromHour,
            at: clock.now(),
            ...rebuild,
            changes: pass.day === day ? changes.get(view.name) : undefined,
          });
          record = plan.base;
          if (!nrtPlanWrites(plan)) continue;
          // Fencing: a refresh whose lease was taken over (it ran past its TTL) stops here.
          lease = await renewLease({ state, clock }, lease, leaseSeconds);
          // The carry-over state of the settled hours first (if any): the view reads it. A run
          // killed in between leaves the record as it was, so the next run redoes both from the
          // same earlier state. Only a state to write (an hour over, untouched since the view
          // wrote it): the view's files stay as they are, and no `nrt.refreshed` is sent.
          const writes = nrtWrites(view, plan);
          if (writes.state) await engine.writePartitions(writes.state);
          const result = writes.view ? await engine.writePartitions(writes.view) : { rows: 0 };
          const done = {
            rows: result.rows,
            durationMs: Math.round(performance.now() - began),
            refreshedAt: clock.now(),
          };
          record = refreshedRecord(view, plan, done);
          rows += result.rows;
          if (plan.hours.length) {
            await events.publish([refreshedEvent(view, plan, { ...done, runId: input.runId })]);
          }
          if (pass.day === day) hours = plan.hours;
          else {
            if (plan.hours.length) late = { dt: pass.day, hours: plan.hours };
            // Yesterday's hours are recorded before today's pass, which reads the record.
            await state.put(nrtRecordKey(view.name), record as unknown as StateValue);
          }
        }
        // Once a day, after the view is current: its expired days go. A failure is shown in the
        // record (and tried again the next day, over the same window); the refresh stands.
        let expiryError: string | undefined;
        if (firstToday && retention > 0) {
          try {
            for (const table of [view.table, ...(view.carryState ? [view.carryState.table] : [])])
              await engine.writePartitions(nrtExpiryWrite(table, day, retention));
          } catch (error) {
            expiryError = `NrtExpiryFailed: ${error instanceof Error ? error.message : String(error)}`.slice(
              0,
              4000,
            );
          }
        }
        if (record !== null && expiryError !== undefined) {
          record = { ...record, lastError: expiryError, lastErrorAt: clock.now().toISOString() };
        }
        if (record === null || (hours.length === 0 && late === undefined)) {
          record = { ...(record ?? emptyRecord(day)), refreshedAt: clock.now().toISOString() };
          outcomes.push({ view: view.name, status: 'unchanged' });
        } else {
          outcomes.push({
            view: view.name,
            status: 'refreshed',
            hours,
            ...(late ? { late } : {}),
            rows,
            durationMs: Math.round(performance.now() - began),
          });
        }
      } catch (error) {
        const failed = failedRefresh(view, record ?? emptyRecord(day), error, {
          day,
          failedAt: clock.now(),
          runId: input.runId,
        });
        record = failed.record;
        outcomes.push({ view: view.name, status: 'failed', error: failed.reason });
        await events.publish([failed.event]);
      }
      const settled = settleStaleness(view.name, record, clock.now(), staleAfter);
      record = settled.record;
      if (settled.alarm) {
        await events.publish([settled.alarm]);
        alarms.push({ view: view.name, state: record.stale ? 'ALARM' : 'OK' });
      }
      await state.put(nrtRecordKey(view.name), record as unknown as StateValue);
    } finally {
      await releaseLease({ state }, lease);
    }
  }
  return { runId: input.runId, day, views: outcomes, alarms };
}

/** The record of a view never refreshed. */
export function emptyRecord(day: string): NrtViewRecord {
  return {
    day,
    watermark: null,
    hours: [],
    rows: 0,
    lastHours: [],
    durationMs: 0,
    refreshedAt: null,
    lastError: null,
    lastErrorAt: null,
    stale: false,
  };
}

/** The `alarm.triggered` event of a view's staleness (name `nrt-stale#<view>`). */
export function staleAlarm(
  view: string,
  stale: boolean,
  lagSeconds: number,
  limitSeconds: number,
): PublishedEvent {
  const lag = Number.isFinite(lagSeconds) ? `${Math.round(lagSeconds)} s` : 'never refreshed';
  return {
    source: nrtSource,
    detailType: 'alarm.triggered',
    detail: {
      v: 1,
      alarm_name: `nrt-stale#${view}`,
      state: stale ? 'ALARM' : 'OK',
      previous_state: stale ? 'OK' : 'ALARM',
      severity: stale ? 'error' : 'info',
      reason: stale
        ? `${view} is stale: last current ${lag} ago (limit ${limitSeconds} s)`
        : `${view} is fresh again (lag ${lag}, limit ${limitSeconds} s)`,
      service: 'lakeops-nrt',
      metric: 'lakeops/nrt/freshness_lag_seconds',
    },
  };
}
