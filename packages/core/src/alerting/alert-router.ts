import { createHash } from 'node:crypto';
import type { Clock } from '../shared/clock.port.ts';
import type { DeadLetter } from '../shared/dead-letter.port.ts';
import { LakeopsError } from '../shared/errors.ts';
import type { Notification, NotificationSeverity, Notifier } from '../shared/notifier.port.ts';
import { StateConditionFailedError } from '../state/errors.ts';
import type { StateItem, StateStore, StateValue } from '../state/state-store.port.ts';
import { queryAll } from '../state/state-store.port.ts';
import {
  type AlertingConfig,
  type LabelMatcher,
  matchesAll,
  matchRoutes,
  parseMatcher,
  type RouteNode,
} from './alertmanager-config.ts';
import { type DeliveryPolicy, defaultDeliveryPolicy, deliverNotification } from './deliver-notification.ts';

/** One alert as the router sees it: labels (its identity, `severity` aside), text, firing or resolved. */
export interface Alert {
  readonly labels: Readonly<Record<string, string>>;
  readonly title: string;
  readonly text: string;
  readonly link?: string;
  readonly status: 'firing' | 'resolved';
}

/** The state items the router uses (`pk`): groups, notification claims, silences. */
export const alertStateKeys = { group: 'alert#group', sent: 'alert#sent', silence: 'alert#silence' } as const;

/** A firing alert not seen again within this long is resolved (Alertmanager's `resolve_timeout`). */
export const defaultResolveTimeoutMs = 5 * 60_000;
/** A claim left `sending` this long is a crashed sender's: the next flush takes it over. */
export const sendingLeaseMs = 60_000;

const severityRank: Record<NotificationSeverity, number> = { info: 0, warning: 1, error: 2, critical: 3 };

/** The alert's identity: a hash of its labels without `severity` (a resolve may carry another). */
export function alertFingerprint(labels: Readonly<Record<string, string>>): string {
  const identity = Object.entries(labels)
    .filter(([k]) => k !== 'severity')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
}

interface StoredAlert {
  labels: Record<string, string>;
  title: string;
  text: string;
  link?: string;
  status: 'firing' | 'resolved';
  startsAt: string;
  lastSeenAt: string;
  endsAt: string;
}

interface GroupValue {
  receiver: string;
  routeId: string;
  groupLabels: Record<string, string>;
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  createdAt: string;
  /** When the last notification went out, and which firing/resolved alerts it told about. */
  flushedAt?: string;
  notifiedFiring: string[];
  alerts: Record<string, StoredAlert>;
}

const toValue = (v: GroupValue) => v as unknown as StateValue;
const fromValue = (item: StateItem) => item.value as unknown as GroupValue;

function groupKeyOf(
  route: RouteNode,
  labels: Readonly<Record<string, string>>,
): { key: string; labels: Record<string, string> } {
  const names = route.groupBy === '...' ? Object.keys(labels).sort() : [...route.groupBy];
  const groupLabels: Record<string, string> = {};
  for (const n of names) if (labels[n] !== undefined) groupLabels[n] = labels[n];
  return { key: `${route.id}:${route.receiver}:${JSON.stringify(groupLabels)}`, labels: groupLabels };
}

/** Conditional read-modify-write of one item, retried while another invocation wins the race. */
async function update(
  state: StateStore,
  key: { pk: string; sk: string },
  change: (current: StateItem | undefined) => StateValue | undefined,
): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const current = await state.get(key);
    const next = change(current);
    if (next === undefined) return;
    try {
      await state.put(key, next, { if: current ? current.version : 'absent' });
      return;
    } catch (error) {
      if (!(error instanceof StateConditionFailedError)) throw error;
    }
  }
  throw new Error(`state item ${key.pk}/${key.sk} kept changing under 50 attempts`);
}

/**
 * Records one alert in the group of every route it matches (Alertmanager's dispatcher, with the
 * groups in the state port so it works on Lambda): nothing is sent here; `flushAlertGroups`, run
 * on a schedule, sends what is due. A resolved alert marks its firing copies resolved in every
 * group that holds them (by fingerprint, not by route: its severity may differ). Returns the
 * number of groups touched.
 *
 * @example
 * ```ts
 * await recordAlert({ state, clock }, config, alertFromEvent(event));
 * ```
 */
export async function recordAlert(
  deps: { readonly state: StateStore; readonly clock: Clock },
  config: AlertingConfig,
  alert: Alert,
  resolveTimeoutMs = defaultResolveTimeoutMs,
): Promise<number> {
  const now = deps.clock.now();
  const fp = alertFingerprint(alert.labels);
  if (alert.status === 'resolved') {
    // A resolve may carry another severity than its alert (kpi.anomaly.resolved has none, an
    // alarm back to OK is `info`), so it would match other routes: it ends the alert in every
    // group that holds it firing, found by fingerprint, wherever the alert was routed.
    let groups = 0;
    for await (const item of queryAll(deps.state, { pk: alertStateKeys.group })) {
      if (fromValue(item).alerts[fp]?.status !== 'firing') continue;
      groups++;
      await update(deps.state, item, (current) => {
        if (!current) return undefined;
        const value = structuredClone(fromValue(current));
        const before = value.alerts[fp];
        if (!before || before.status === 'resolved') return undefined;
        value.alerts[fp] = {
          ...before,
          status: 'resolved',
          endsAt: now.toISOString(),
          lastSeenAt: now.toISOString(),
        };
        return toValue(value);
      });
    }
    return groups;
  }
  const routes = matchRoutes(config.route, alert.labels);
  for (const route of routes) {
    const group = groupKeyOf(route, alert.labels);
    await update(deps.state, { pk: alertStateKeys.group, sk: group.key }, (current) => {
      const value: GroupValue = current
        ? structuredClone(fromValue(current))
        : {
            receiver: route.receiver,
            routeId: route.id,
            groupLabels: group.labels,
            groupWaitMs: route.groupWaitMs,
            groupIntervalMs: route.groupIntervalMs,
            repeatIntervalMs: route.repeatIntervalMs,
            createdAt: now.toISOString(),
            notifiedFiring: [],
            alerts: {},
          };
      const before = value.alerts[fp];
      value.alerts[fp] = {
        labels: { ...alert.labels },
        title: alert.title,
        text: alert.text,
        ...(alert.link ? { link: alert.link } : {}),
        status: 'firing',
        startsAt: before && before.status === 'firing' ? before.startsAt : now.toISOString(),
        lastSeenAt: now.toISOString(),
        endsAt: new Date(now.getTime() + resolveTimeoutMs).toISOString(),
      };
      return toValue(value);
    });
  }
  return routes.length;
}

/** An active silence: alerts matching all its matchers are muted until `until`. */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly string[];
  readonly until: string;
  readonly createdAt: string;
  readonly comment?: string;
}

/**
 * Adds a silence (`lakeops silence add --match … --until …`): stored with its end as the
 * item's expiry, so it disappears by itself.
 */
export async function addSilence(
  deps: { readonly state: StateStore; readonly clock: Clock },
  input: { readonly matchers: readonly string[]; readonly until: Date; readonly comment?: string },
): Promise<Silence> {
  const now = deps.clock.now();
  for (const m of input.matchers) if (!parseMatcher(m)) throw new SilenceInvalidError(`bad matcher: ${m}`);
  if (input.matchers.length === 0) throw new SilenceInvalidError('a silence needs at least one --match');
  if (!(input.until.getTime() > now.getTime()))
    throw new SilenceInvalidError('--until must be in the future');
  const id = createHash('sha256')
    .update(`${now.toISOString()}|${input.matchers.join(',')}|${Math.random()}`)
    .digest('hex')
    .slice(0, 12);
  const silence: Silence = {
    id,
    matchers: [...input.matchers],
    until: input.until.toISOString(),
    createdAt: now.toISOString(),
    ...(input.comment ? { comment: input.comment } : {}),
  };
  await deps.state.put({ pk: alertStateKeys.silence, sk: id }, silence as unknown as StateValue, {
    if: 'absent',
    expiresAt: Math.ceil(input.until.getTime() / 1000),
  });
  return silence;
}

/** The silences still active (expired ones are invisible: the state port filters them). */
export async function listSilences(deps: { readonly state: StateStore }): Promise<Silence[]> {
  const out: Silence[] = [];
  for await (const item of queryAll(deps.state, { pk: alertStateKeys.silence }))
    out.push(item.value as unknown as Silence);
  return out;
}

/** Ends a silence now; `false` when there was no active silence with this id. */
export async function expireSilence(deps: { readonly state: StateStore }, id: string): Promise<boolean> {
  const key = { pk: alertStateKeys.silence, sk: id };
  if (!(await deps.state.get(key))) return false;
  await deps.state.delete(key);
  return true;
}

/** A silence that cannot be stored: no matcher, a malformed one, or an end in the past. */
export class SilenceInvalidError extends LakeopsError {
  constructor(message: string) {
    super('SilenceInvalid', message, { retryable: false });
  }
}

/** Notifiers per receiver kind; a kind without one goes to `fallback` (the outbox locally). */
export interface ReceiverNotifiers {
  readonly slack?: Notifier;
  readonly pagerduty?: Notifier;
  readonly fallback: Notifier;
}

export interface FlushReport {
  readonly groups: number;
  readonly sent: number;
  readonly parked: number;
  readonly muted: number;
}

/**
 * Sends every group that is due (run by a schedule every minute: nothing waits in memory).
 * A group is due `group_wait` after its first alert, then `group_interval` after its last
 * notification when its alerts changed, or `repeat_interval` after it when unchanged and firing.
 * Alerts matching an active silence, or inhibited by a firing source alert with the same `equal`
 * labels, are left out. Each notification is claimed first (`alert#sent`, put-if-absent, expiring
 * after `repeat_interval`), then sent, then recorded: a crash between sending and recording leaves a
 * `sending` claim that the next flush takes over after `sendingLeaseMs`, resending with the same
 * stable key — PagerDuty's `dedup_key` — so no second incident opens, and then records it.
 *
 * @example
 * ```ts
 * await flushAlertGroups({ state, clock, notifiers, deadLetter, sleep, random: Math.random, routeId: 'alert-flush' }, config);
 * ```
 */
export async function flushAlertGroups(
  deps: {
    readonly state: StateStore;
    readonly clock: Clock;
    readonly notifiers: ReceiverNotifiers;
    readonly deadLetter: DeadLetter;
    readonly sleep: (ms: number) => Promise<void>;
    readonly random: () => number;
    /** Test hook: runs after a notification was sent, before it is recorded. */
    readonly afterSend?: (key: string) => Promise<void>;
    /** The route running the flush (`alert-flush`): parked notifications name it. */
    readonly routeId: string;
  },
  config: AlertingConfig,
  policy: DeliveryPolicy = defaultDeliveryPolicy,
): Promise<FlushReport> {
  const now = deps.clock.now();
  const groups: StateItem[] = [];
  for await (const item of queryAll(deps.state, { pk: alertStateKeys.group })) groups.push(item);
  const silences = (await listSilences(deps)).map((s) =>
    s.matchers.map((m) => parseMatcher(m)).filter((m): m is LabelMatcher => m !== undefined),
  );
  const firingEverywhere: Record<string, string>[] = [];
  for (const g of groups)
    for (const a of Object.values(fromValue(g).alerts))
      if (a.status === 'firing' && Date.parse(a.endsAt) > now.getTime()) firingEverywhere.push(a.labels);
  const silenced = (labels: Record<string, string>) =>
    silences.some((ms) => ms.length > 0 && matchesAll(ms, labels));
  const inhibited = (labels: Record<string, string>) =>
    config.inhibitRules.some(
      (rule) =>
        matchesAll(rule.targetMatchers, labels) &&
        firingEverywhere.some(
          (source) =>
            source !== labels &&
            matchesAll(rule.sourceMatchers, source) &&
            !matchesAll(rule.targetMatchers, source) &&
            rule.equal.every((l) => (source[l] ?? '') === (labels[l] ?? '')),
        ),
    );

  let sent = 0;
  let parked = 0;
  let muted = 0;
  for (const item of groups) {
    const g = fromValue(item);
    const receiver = config.receivers.get(g.receiver);
    const firing: [string, StoredAlert][] = [];
    const resolved: [string, StoredAlert][] = [];
    for (const [fp, a] of Object.entries(g.alerts)) {
      const isResolved = a.status === 'resolved' || Date.parse(a.endsAt) <= now.getTime();
      if (!isResolved && (silenced(a.labels) || inhibited(a.labels))) {
        muted++;
        continue;
      }
      (isResolved ? resolved : firing).push([fp, a]);
    }
    const firingFps = firing.map(([fp]) => fp).sort();
    const newlyResolved = resolved.filter(([fp]) => g.notifiedFiring.includes(fp));
    const changed = firingFps.join(',') !== [...g.notifiedFiring].sort().join(',');
    const last = g.flushedAt ? Date.parse(g.flushedAt) : undefined;
    const due =
      last === undefined
        ? firing.length > 0 && now.getTime() >= Date.parse(g.createdAt) + g.groupWaitMs
        : changed
          ? now.getTime() >= last + g.groupIntervalMs
          : firing.length > 0 && now.getTime() >= last + g.repeatIntervalMs;
    if (!due || (firing.length === 0 && newlyResolved.length === 0)) {
      if (
        firing.length === 0 &&
        resolved.length === Object.keys(g.alerts).length &&
        newlyResolved.length === 0 &&
        g.notifiedFiring.length === 0
      )
        await deps.state.delete(item, { ifVersion: item.version }).catch(() => undefined);
      continue;
    }
    // The same inputs give the same key: a retry after a crash finds the claim it left.
    const contentKey = createHash('sha256')
      .update(
        JSON.stringify([firingFps, newlyResolved.map(([fp]) => fp).sort(), g.flushedAt ?? 'first', changed]),
      )
      .digest('hex')
      .slice(0, 16);
    const groupHash = createHash('sha256').update(item.sk).digest('hex').slice(0, 32);
    const claimKey = { pk: alertStateKeys.sent, sk: `${groupHash}#${contentKey}` };
    const existing = await deps.state.get(claimKey);
    if (existing) {
      const v = existing.value as { status: string; at: string };
      if (v.status !== 'sending' || Date.parse(v.at) + sendingLeaseMs > now.getTime()) {
        if (v.status !== 'sending') await recordFlush(deps.state, item, now, firingFps);
        continue;
      }
    }
    const claim = { status: 'sending', at: now.toISOString() };
    try {
      await deps.state.put(claimKey, claim, {
        if: existing ? existing.version : 'absent',
        expiresAt: Math.ceil((now.getTime() + g.repeatIntervalMs) / 1000),
      });
    } catch (error) {
      if (error instanceof StateConditionFailedError) continue; // another flush holds it
      throw error;
    }
    const notifications = groupNotifications(g, groupHash, firing, newlyResolved, receiver);
    let outcome: 'sent' | 'parked' = 'sent';
    for (const { notification, kind } of notifications) {
      const notifier = deps.notifiers[kind] ?? deps.notifiers.fallback;
      const result = await deliverNotification(
        {
          notifier,
          deadLetter: deps.deadLetter,
          sleep: deps.sleep,
          random: deps.random,
          now: () => deps.clock.now(),
          routeId: deps.routeId,
          channel: kind === 'fallback' || !deps.notifiers[kind] ? 'outbox' : kind,
        },
        notification,
        policy,
      );
      if (result.status === 'parked') outcome = 'parked';
    }
    if (deps.afterSend) await deps.afterSend(claimKey.sk);
    await deps.state.put(
      claimKey,
      { status: outcome, at: now.toISOString() },
      { expiresAt: Math.ceil((now.getTime() + g.repeatIntervalMs) / 1000) },
    );
    await recordFlush(deps.state, item, now, firingFps);
    if (outcome === 'sent') sent += notifications.length;
    else parked += notifications.length;
  }
  return { groups: groups.length, sent, parked, muted };
}

async function recordFlush(
  state: StateStore,
  item: StateItem,
  now: Date,
  firingFps: string[],
): Promise<void> {
  await update(state, item, (current) => {
    if (!current) return undefined;
    const g = structuredClone(fromValue(current));
    g.flushedAt = now.toISOString();
    g.notifiedFiring = firingFps;
    // Resolved alerts that were told about are done with.
    for (const [fp, a] of Object.entries(g.alerts))
      if ((a.status === 'resolved' || Date.parse(a.endsAt) <= now.getTime()) && !firingFps.includes(fp))
        delete g.alerts[fp];
    return toValue(g);
  });
}

function groupNotifications(
  g: GroupValue,
  groupHash: string,
  firing: [string, StoredAlert][],
  resolved: [string, StoredAlert][],
  receiver: AlertingConfig['receivers'] extends ReadonlyMap<string, infer R> ? R | undefined : never,
): { notification: Notification; kind: 'slack' | 'pagerduty' | 'fallback' }[] {
  const all = firing.length > 0 ? firing : resolved;
  const severity = all
    .map(([, a]) => (a.labels.severity ?? 'warning') as NotificationSeverity)
    .reduce<NotificationSeverity>((m, s) => ((severityRank[s] ?? 1) > severityRank[m] ? s : m), 'info');
  const groupText = Object.entries(g.groupLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const lines = all.slice(0, 10).map(([, a]) => `• ${a.title}${a.text ? ` — ${a.text.split('\n')[0]}` : ''}`);
  if (all.length > 10) lines.push(`… and ${all.length - 10} more`);
  const base = {
    // PagerDuty dedup_key: one per receiver group, stable across retries, restarts and invocations.
    key: `lakeops:${g.receiver}:${groupHash}`,
    severity,
    fields: { ...g.groupLabels, alerts: String(all.length) },
    sourceEventId: groupHash,
  };
  const firingNotice: Notification = {
    ...base,
    title: `[FIRING:${firing.length}] ${groupText}`.slice(0, 150),
    text: lines.join('\n'),
    ...(all[0]?.[1].link ? { link: all[0][1].link } : {}),
  };
  const resolvedNotice: Notification = {
    ...base,
    action: 'resolve',
    title: `[RESOLVED] ${groupText}`,
    text: lines.join('\n'),
  };
  const out: { notification: Notification; kind: 'slack' | 'pagerduty' | 'fallback' }[] = [];
  const slack = receiver?.slack ?? [];
  const pd = receiver?.pagerduty ?? [];
  for (const s of slack) {
    if (firing.length > 0)
      out.push({
        notification: {
          ...firingNotice,
          fields: { ...firingNotice.fields, ...(s.channel ? { channel: s.channel } : {}) },
        },
        kind: 'slack',
      });
    else if (s.sendResolved) out.push({ notification: resolvedNotice, kind: 'slack' });
  }
  for (const p of pd) {
    if (firing.length > 0) out.push({ notification: firingNotice, kind: 'pagerduty' });
    else if (p.sendResolved) out.push({ notification: resolvedNotice, kind: 'pagerduty' });
  }
  if (slack.length === 0 && pd.length === 0)
    out.push({ notification: firing.length > 0 ? firingNotice : resolvedNotice, kind: 'fallback' });
  return out;
}
