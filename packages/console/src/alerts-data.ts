import {
  addSilence,
  alertStateKeys,
  expireSilence,
  type LabelMatcher,
  listSilences,
  matchesAll,
  parseMatcher,
  queryAll,
  type Silence,
  SilenceInvalidError,
} from '@lakeops/core';
import type { ConsoleDeps, SentNotification } from './console-deps.ts';
import { ConsoleRequestInvalidError } from './errors.ts';

export interface OpenAlert {
  readonly title: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly silenced: boolean;
}

export interface AlertGroupView {
  readonly receiver: string;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly lastNotifiedAt: string | null;
  readonly alerts: readonly OpenAlert[];
}

interface StoredGroup {
  readonly receiver?: unknown;
  readonly groupLabels?: unknown;
  readonly flushedAt?: unknown;
  readonly alerts?: unknown;
}

const stringRecord = (v: unknown): Record<string, string> =>
  v && typeof v === 'object'
    ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : {};

/**
 * The alert groups the router keeps in the state store (`alert#group`), their firing alerts
 * (resolved ones and those past their resolve timeout left out), the silences, and the last
 * notifications. Read only: the router in `@lakeops/core` owns these items.
 */
export async function readAlerts(deps: ConsoleDeps): Promise<{
  groups: AlertGroupView[];
  silences: Silence[];
  notifications: readonly SentNotification[] | null;
}> {
  const now = deps.clock.now().getTime();
  const silences = await listSilences(deps);
  const muting = silences.map((s) =>
    s.matchers.map((m) => parseMatcher(m)).filter((m): m is LabelMatcher => m !== undefined),
  );
  const groups: AlertGroupView[] = [];
  for await (const item of queryAll(deps.state, { pk: alertStateKeys.group })) {
    const g = item.value as StoredGroup;
    const alerts: OpenAlert[] = [];
    for (const raw of Object.values(g.alerts && typeof g.alerts === 'object' ? g.alerts : {})) {
      const a = raw as {
        labels?: unknown;
        title?: unknown;
        status?: unknown;
        startsAt?: unknown;
        endsAt?: unknown;
      };
      if (a.status !== 'firing' || typeof a.endsAt !== 'string' || Date.parse(a.endsAt) <= now) continue;
      const labels = stringRecord(a.labels);
      alerts.push({
        title: typeof a.title === 'string' ? a.title : '',
        labels,
        startsAt: typeof a.startsAt === 'string' ? a.startsAt : '',
        silenced: muting.some((ms) => ms.length > 0 && matchesAll(ms, labels)),
      });
    }
    if (alerts.length === 0) continue;
    groups.push({
      receiver: typeof g.receiver === 'string' ? g.receiver : '',
      groupLabels: stringRecord(g.groupLabels),
      lastNotifiedAt: typeof g.flushedAt === 'string' ? g.flushedAt : null,
      alerts,
    });
  }
  const notifications = deps.notifications ? await deps.notifications(20) : null;
  return { groups, silences, notifications };
}

const maxMatchers = 20;
const maxText = 256;

/**
 * A silence from the API's JSON (`{"matchers": [...], "until": "<ISO-8601>", "comment"?}`) or the
 * page's form, stored by `addSilence` of `@lakeops/core` (the router mutes what it matches).
 */
export async function createSilence(deps: ConsoleDeps, body: unknown): Promise<Silence> {
  const invalid = (why: string) => new ConsoleRequestInvalidError(400, 'SilenceInvalid', why);
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw invalid('the body must be a JSON object');
  const { matchers, until, comment } = body as Record<string, unknown>;
  if (!Array.isArray(matchers) || matchers.length === 0 || matchers.length > maxMatchers)
    throw invalid(
      `matchers must be a list of 1 to ${maxMatchers} matchers, e.g. ["alertname=\\"expectation.failed\\""]`,
    );
  const texts = matchers.map((m) => (typeof m === 'string' ? m.trim() : ''));
  if (texts.some((m) => m === '' || m.length > maxText))
    throw invalid(`each matcher must be a non-empty string of at most ${maxText} characters`);
  if (typeof until !== 'string' || Number.isNaN(Date.parse(until)))
    throw invalid('until must be an ISO-8601 time, e.g. 2026-12-02T08:00:00Z');
  if (comment !== undefined && (typeof comment !== 'string' || comment.length > maxText))
    throw invalid(`comment must be a string of at most ${maxText} characters`);
  try {
    return await addSilence(deps, {
      matchers: texts,
      until: new Date(until),
      ...(typeof comment === 'string' && comment.trim() ? { comment: comment.trim() } : {}),
    });
  } catch (error) {
    if (error instanceof SilenceInvalidError)
      throw new ConsoleRequestInvalidError(400, 'SilenceInvalid', error.message.replace('--until', 'until'), {
        cause: error,
      });
    throw error;
  }
}

export async function endSilence(deps: ConsoleDeps, id: string): Promise<void> {
  if (!/^[0-9a-f]{1,64}$/.test(id) || !(await expireSilence(deps, id)))
    throw new ConsoleRequestInvalidError(404, 'SilenceUnknown', `no active silence '${id.slice(0, 64)}'`);
}
