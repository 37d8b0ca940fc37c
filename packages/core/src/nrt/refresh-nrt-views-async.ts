import type { QueryEngine, WritePartitionsInput } from '../lake/query-engine.port.ts';
import type { StagedPartitionWriter, StartedWrite } from '../lake/staged-write.port.ts';
import type { Clock } from '../shared/clock.port.ts';
import type { EventPublisher } from '../shared/event-publisher.port.ts';
import { StateConditionFailedError } from '../state/errors.ts';
import { acquireLease, type Lease, releaseLease } from '../state/lease.ts';
import type { StateStore, StateValue } from '../state/state-store.port.ts';
import {
  emptyRecord,
  failedRefresh,
  type NrtPlan,
  type NrtView,
  type NrtViewOutcome,
  type NrtViewRecord,
  nrtLeaseName,
  nrtPasses,
  nrtPlanWrites,
  nrtRecordKey,
  nrtWrites,
  planNrtRefresh,
  readNrtViewRecord,
  recordNrtSkip,
  refreshedEvent,
  refreshedRecord,
  settleStaleness,
} from './refresh-nrt-views.ts';

/** A terminal query state, as Athena's "Athena Query State Change" event names it. */
export type NrtQueryState = 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/**
 * The refresh of one view in flight (state item `nrt#job/<view>`): the write running now (the
 * carry-over state of the hours that are over first, when there are any, then the view), the plan
 * it carries out, and the lease it holds.
 */
export interface NrtJob {
  readonly [key: string]: StateValue;
  readonly view: string;
  readonly runId: string;
  readonly step: 'state' | 'view';
  readonly write: StartedWrite;
  readonly plan: NrtPlan & { readonly [key: string]: StateValue };
  readonly lease: Lease & { readonly [key: string]: StateValue };
  readonly startedAt: string;
}

export const nrtJobKey = (view: string) => ({ pk: 'nrt#job', sk: view });
/** Which view a query belongs to (and its write), or a completion that arrived before its start was recorded. */
export const nrtQueryKey = (queryId: string) => ({ pk: 'nrt#query', sk: queryId });
/** How long a query's item is kept: far longer than any redelivery of its completion. */
const queryItemSeconds = 3 * 24 * 3600;

type QueryItem =
  | { readonly view: string; readonly write: StartedWrite }
  | { readonly early: NrtQueryState; readonly reason: string | null };

export interface StartNrtRefreshInput {
  readonly views: readonly NrtView[];
  readonly runId: string;
  readonly rebuild?: boolean;
  /** Hours before the current one recounted each tick (see `RefreshNrtViewsInput.lateHours`). */
  readonly lateHours?: number;
  /**
   * Lease time-to-live: how long a started refresh may take before another one takes the view
   * over (its late completion is then ignored and its staged data removed). Default 1800 s.
   */
  readonly leaseSeconds?: number;
  readonly staleAfterSeconds?: number;
}

export type NrtAsyncOutcome =
  | NrtViewOutcome
  | {
      readonly view: string;
      readonly status: 'started';
      readonly queryId: string;
      readonly hours: readonly string[];
    };

/**
 * The AWS driver of the NRT refresh, started by the schedule: per view it plans the hours as
 * `refreshNrtViews` does, takes the view's lease and STARTS the first write (the carry-over state
 * when an hour written is over, else the view) without waiting for it; `completeNrtQuery` carries
 * on when the engine reports the query done. A view whose previous refresh is still in flight is skipped; one whose query has
 * finished but whose completion never came (EventBridge delivers Athena's events on a best-effort
 * basis) is completed here from the writer's answer.
 *
 * @example
 * ```ts
 * await startNrtRefresh({ engine, writer, state, events, clock }, { views, runId });
 * ```
 */
export async function startNrtRefresh(
  deps: {
    engine: Pick<QueryEngine, 'query'>;
    writer: StagedPartitionWriter;
    state: StateStore;
    events: EventPublisher;
    clock: Clock;
  },
  input: StartNrtRefreshInput,
): Promise<{ readonly runId: string; readonly views: readonly NrtAsyncOutcome[] }> {
  const { engine, writer, state, events, clock } = deps;
  const leaseSeconds = input.leaseSeconds ?? 1800;
  const outcomes: NrtAsyncOutcome[] = [];
  for (const view of input.views) {
    const inFlight = (await state.get(nrtJobKey(view.name)))?.value as NrtJob | undefined;
    if (inFlight) {
      const now = await writer.queryState(inFlight.write);
      if (now === 'SUCCEEDED' || now === 'FAILED' || now === 'CANCELLED') {
        // Its completion event was lost or is late: complete it now (the event, if it comes, is a duplicate).
        await completeNrtQuery(deps, { views: input.views, queryId: inFlight.write.queryId, state: now });
      }
      await recordNrtSkip(state, view.name, clock.now().toISOString());
      outcomes.push({ view: view.name, status: 'skipped', heldBy: 'another refresh' });
      continue;
    }
    const lease = await acquireLease(
      { state, clock },
      { name: nrtLeaseName(view.name), owner: input.runId, ttlSeconds: leaseSeconds },
    );
    if (!lease) {
      await recordNrtSkip(state, view.name, clock.now().toISOString());
      outcomes.push({ view: view.name, status: 'skipped', heldBy: 'another refresh' });
      continue;
    }
    const day = clock.now().toISOString().slice(0, 10);
    let record: NrtViewRecord | undefined = await readNrtViewRecord(state, view.name);
    try {
      const options = {
        ...(input.rebuild ? { rebuild: true } : {}),
        ...(input.lateHours === undefined ? {} : { lateHours: input.lateHours }),
      };
      // One write in flight per view: yesterday's late hours first when they moved (then today
      // is written by the next tick, from yesterday's state as it is now), else today.
      let plan: NrtPlan | undefined;
      for (const pass of nrtPasses(record, { now: clock.now(), ...options })) {
        plan = await planNrtRefresh({ engine, state }, view, {
          now: pass.now,
          fromHour: pass.fromHour,
          at: clock.now(),
          ...options,
        });
        if (nrtPlanWrites(plan)) break;
      }
      if (!plan) throw new RangeError('no day to refresh');
      record = plan.base;
      if (!nrtPlanWrites(plan)) {
        await finishRecord(deps, view, { ...plan.base, refreshedAt: clock.now().toISOString() }, input);
        await releaseLease({ state }, lease);
        outcomes.push({ view: view.name, status: 'unchanged' });
        continue;
      }
      const step = nrtWrites(view, plan).state ? 'state' : 'view';
      const write = await writer.startWrite(stepWrite(view, plan, step));
      const job: NrtJob = {
        view: view.name,
        runId: input.runId,
        step,
        write,
        plan: plan as NrtJob['plan'],
        lease: lease as NrtJob['lease'],
        startedAt: clock.now().toISOString(),
      };
      await state.put(nrtJobKey(view.name), job);
      outcomes.push({ view: view.name, status: 'started', queryId: write.queryId, hours: plan.hours });
      await registerQuery(deps, input.views, view.name, write);
    } catch (error) {
      const failed = failedRefresh(view, record ?? emptyRecord(day), error, {
        day,
        failedAt: clock.now(),
        runId: input.runId,
      });
      await events.publish([failed.event]);
      await finishRecord(deps, view, failed.record, input);
      await state.delete(nrtJobKey(view.name)).catch(() => undefined);
      await releaseLease({ state }, lease);
      outcomes.push({ view: view.name, status: 'failed', error: failed.reason });
    }
  }
  return { runId: input.runId, views: outcomes };
}

export type NrtCompletion =
  | { readonly status: 'early' | 'stale' | 'duplicate' }
  | { readonly status: 'next'; readonly view: string; readonly queryId: string }
  | { readonly status: 'refreshed'; readonly view: string; readonly rows: number }
  | { readonly status: 'failed'; readonly view: string; readonly error: string };

/**
 * Carries a started NRT refresh on when its query reaches a terminal state (the route on Athena's
 * "Athena Query State Change" events): on SUCCEEDED it switches the written partitions in, then
 * starts the view's write after its carry-over state, or records the refresh and emits
 * `nrt.refreshed`; on FAILED or CANCELLED it removes what was staged and emits
 * `nrt.refresh.failed`. Idempotent: a completion delivered twice, one for a query this view no
 * longer waits for (out of order, or after a take-over), or one of a query lakeops did not start
 * changes nothing; one that arrives before its start was recorded is kept and applied by the start.
 *
 * @example
 * ```ts
 * await completeNrtQuery({ writer, state, events, clock }, { views, queryId: detail.queryExecutionId, state: detail.currentState });
 * ```
 */
export async function completeNrtQuery(
  deps: { writer: StagedPartitionWriter; state: StateStore; events: EventPublisher; clock: Clock },
  input: {
    readonly views: readonly NrtView[];
    readonly queryId: string;
    readonly state: NrtQueryState;
    readonly reason?: string;
    readonly staleAfterSeconds?: number;
  },
): Promise<NrtCompletion> {
  const { writer, state, events, clock } = deps;
  let item = await state.get(nrtQueryKey(input.queryId));
  if (!item) {
    try {
      const early: QueryItem = { early: input.state, reason: input.reason ?? null };
      await state.put(nrtQueryKey(input.queryId), early, { if: 'absent', expiresAt: expiry(clock) });
      return { status: 'early' };
    } catch (error) {
      if (!(error instanceof StateConditionFailedError)) throw error;
      item = await state.get(nrtQueryKey(input.queryId));
    }
  }
  const known = item?.value as QueryItem | undefined;
  if (!known || !('view' in known)) return { status: 'duplicate' };
  const jobItem = await state.get(nrtJobKey(known.view));
  const job = jobItem?.value as NrtJob | undefined;
  if (!jobItem || !job || job.write.queryId !== input.queryId) {
    // Not the query this view waits for: its staged data goes, unless it is live (done before).
    await writer.abandonWrite(known.write);
    return { status: 'stale' };
  }
  const view = input.views.find((v) => v.name === job.view);
  if (!view) throw new RangeError(`no NRT view named '${job.view}'`);
  const plan = job.plan;
  const opts = input.staleAfterSeconds === undefined ? {} : { staleAfterSeconds: input.staleAfterSeconds };
  try {
    if (input.state !== 'SUCCEEDED') {
      throw new Error(`query ${input.queryId} ${input.state}${input.reason ? `: ${input.reason}` : ''}`);
    }
    const result = await writer.finishWrite(job.write);
    // After the state, the view, unless only states were to be written (an hour over, untouched
    // since the view wrote it): then the refresh is recorded now, and no `nrt.refreshed` is sent.
    if (job.step === 'state' && plan.hours.length) {
      const next = await writer.startWrite(stepWrite(view, plan, 'view'));
      try {
        // Only the completion that read this version of the job moves it on.
        await state.put(nrtJobKey(view.name), { ...job, step: 'view', write: next }, { if: jobItem.version });
      } catch (error) {
        if (!(error instanceof StateConditionFailedError)) throw error;
        await writer.abandonWrite(next);
        return { status: 'duplicate' };
      }
      await registerQuery(deps, input.views, view.name, next);
      return { status: 'next', view: view.name, queryId: next.queryId };
    }
    if (!(await claim(state, view.name, jobItem.version))) return { status: 'duplicate' };
    const refreshedAt = clock.now();
    const done = {
      rows: result.rows,
      durationMs: refreshedAt.getTime() - Date.parse(job.startedAt),
      refreshedAt,
    };
    if (plan.hours.length) await events.publish([refreshedEvent(view, plan, { ...done, runId: job.runId })]);
    await finishRecord(deps, view, refreshedRecord(view, plan, done), opts);
    await releaseLease({ state }, job.lease);
    return { status: 'refreshed', view: view.name, rows: result.rows };
  } catch (error) {
    if (!(await claim(state, view.name, jobItem.version))) return { status: 'duplicate' };
    await writer.abandonWrite(job.write);
    const failed = failedRefresh(view, plan.base, error, {
      day: plan.day,
      failedAt: clock.now(),
      runId: job.runId,
    });
    await events.publish([failed.event]);
    await finishRecord(deps, view, failed.record, opts);
    await releaseLease({ state }, job.lease);
    return { status: 'failed', view: view.name, error: failed.reason };
  }
}

/** The write of one step: the carry-over state, or the view. */
function stepWrite(view: NrtView, plan: NrtPlan, step: 'state' | 'view'): WritePartitionsInput {
  const writes = nrtWrites(view, plan);
  const write = (step === 'state' ? writes.state : undefined) ?? writes.view;
  if (!write) throw new RangeError(`nothing to write for ${view.name}`);
  return write;
}

/**
 * Records which view a started query belongs to. When its completion arrived first (kept by
 * `completeNrtQuery` as an early item), that completion is applied now.
 */
async function registerQuery(
  deps: { writer: StagedPartitionWriter; state: StateStore; events: EventPublisher; clock: Clock },
  views: readonly NrtView[],
  view: string,
  write: StartedWrite,
): Promise<void> {
  const key = nrtQueryKey(write.queryId);
  const item: QueryItem = { view, write };
  try {
    await deps.state.put(key, item, { if: 'absent', expiresAt: expiry(deps.clock) });
  } catch (error) {
    if (!(error instanceof StateConditionFailedError)) throw error;
    const early = (await deps.state.get(key))?.value as QueryItem | undefined;
    if (!early || !('early' in early)) return;
    await deps.state.put(key, item, { expiresAt: expiry(deps.clock) });
    await completeNrtQuery(deps, {
      views,
      queryId: write.queryId,
      state: early.early,
      ...(early.reason ? { reason: early.reason } : {}),
    });
  }
}

/** Ends the job at the version read; false when another completion ended or moved it first. */
async function claim(state: StateStore, view: string, version: number): Promise<boolean> {
  try {
    await state.delete(nrtJobKey(view), { ifVersion: version });
    return true;
  } catch (error) {
    if (error instanceof StateConditionFailedError) return false;
    throw error;
  }
}

async function finishRecord(
  deps: { state: StateStore; events: EventPublisher; clock: Clock },
  view: NrtView,
  record: NrtViewRecord,
  input: { readonly staleAfterSeconds?: number },
): Promise<void> {
  const settled = settleStaleness(view.name, record, deps.clock.now(), input.staleAfterSeconds ?? 900);
  if (settled.alarm) await deps.events.publish([settled.alarm]);
  await deps.state.put(nrtRecordKey(view.name), settled.record as unknown as StateValue);
}

function expiry(clock: Clock): number {
  return Math.floor(clock.now().getTime() / 1000) + queryItemSeconds;
}
