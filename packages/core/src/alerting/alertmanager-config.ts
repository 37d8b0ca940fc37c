import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { LakeopsError } from '../shared/errors.ts';

/** The alert routing config was refused: `line` (1-based) points at the offending key or value. */
export class AlertConfigInvalidError extends LakeopsError {
  readonly line: number | undefined;
  constructor(message: string, line: number | undefined) {
    super('AlertConfigInvalid', line === undefined ? message : `line ${line}: ${message}`, {
      retryable: false,
    });
    this.line = line;
  }
}

export type MatchOperator = '=' | '!=' | '=~' | '!~';

/** One Alertmanager matcher (`severity="critical"`, `table=~"silver\\..*"`); regexes are anchored. */
export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchOperator;
  readonly value: string;
}

export interface RouteNode {
  readonly receiver: string;
  /** Label names, or `'...'` (every label: each alert its own group). */
  readonly groupBy: readonly string[] | '...';
  readonly continue: boolean;
  readonly matchers: readonly LabelMatcher[];
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  readonly routes: readonly RouteNode[];
  /** Stable id of the node in the tree: `0`, `0.1`, `0.1.0`… (part of each group key). */
  readonly id: string;
}

export interface SlackReceiverConfig {
  readonly channel?: string;
  readonly sendResolved: boolean;
}

export interface PagerDutyReceiverConfig {
  readonly sendResolved: boolean;
  readonly url?: string;
}

export interface ReceiverConfig {
  readonly name: string;
  readonly slack: readonly SlackReceiverConfig[];
  readonly pagerduty: readonly PagerDutyReceiverConfig[];
}

export interface InhibitRule {
  readonly sourceMatchers: readonly LabelMatcher[];
  readonly targetMatchers: readonly LabelMatcher[];
  readonly equal: readonly string[];
}

/** The subset of Alertmanager's configuration lakeops routes with. */
export interface AlertingConfig {
  readonly route: RouteNode;
  readonly receivers: ReadonlyMap<string, ReceiverConfig>;
  readonly inhibitRules: readonly InhibitRule[];
}

// Alertmanager's defaults (config.go: DefaultRouteOpts).
const defaults = { groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 4 * 3_600_000 };

const keys = {
  top: ['global', 'route', 'receivers', 'inhibit_rules', 'templates'],
  global: ['resolve_timeout', 'slack_api_url', 'slack_api_url_file', 'pagerduty_url'],
  route: [
    'receiver',
    'group_by',
    'continue',
    'matchers',
    'group_wait',
    'group_interval',
    'repeat_interval',
    'routes',
  ],
  receiver: ['name', 'slack_configs', 'pagerduty_configs'],
  slack: ['send_resolved', 'api_url', 'api_url_file', 'channel', 'title', 'text', 'username'],
  pagerduty: ['send_resolved', 'routing_key', 'routing_key_file', 'url', 'severity', 'description', 'client'],
  inhibit: ['source_matchers', 'target_matchers', 'equal'],
} as const;

const unit: Record<string, number> = {
  y: 365 * 86_400_000,
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};

/** A Prometheus duration (`30s`, `5m`, `1h30m`, `1d`, `0`) in milliseconds; `undefined` when malformed. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const match = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (!match || text === '') return undefined;
  const units = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
  return units.reduce((sum, u, i) => sum + Number(match[i + 1] ?? 0) * (unit[u] ?? 0), 0);
}

/** Parses one matcher in Alertmanager's syntax: `name op value`, the value bare or double-quoted. */
export function parseMatcher(text: string): LabelMatcher | undefined {
  const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(text);
  if (!m) return undefined;
  const [, name, op, raw] = m as unknown as [string, string, MatchOperator, string];
  let value = raw;
  if (raw.startsWith('"')) {
    if (raw.length < 2 || !raw.endsWith('"')) return undefined;
    // Alertmanager unescapes \\, \" and \n in a quoted value and keeps any other backslash.
    value = raw.slice(1, -1).replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  if (op === '=~' || op === '!~') {
    try {
      new RegExp(`^(?:${value})$`);
    } catch {
      return undefined;
    }
  }
  return { name, op, value };
}

/** Whether labels satisfy a matcher (a missing label is the empty string, as in Alertmanager). */
export function matches(matcher: LabelMatcher, labels: Readonly<Record<string, string>>): boolean {
  const value = labels[matcher.name] ?? '';
  switch (matcher.op) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return new RegExp(`^(?:${matcher.value})$`).test(value);
    case '!~':
      return !new RegExp(`^(?:${matcher.value})$`).test(value);
  }
}

export const matchesAll = (ms: readonly LabelMatcher[], labels: Readonly<Record<string, string>>): boolean =>
  ms.every((m) => matches(m, labels));

/**
 * The routes an alert goes to, as Alertmanager's `Route.Match`: depth first, the first matching
 * child wins unless it has `continue: true`; a node none of whose children match takes the alert.
 */
export function matchRoutes(route: RouteNode, labels: Readonly<Record<string, string>>): RouteNode[] {
  if (!matchesAll(route.matchers, labels)) return [];
  const all: RouteNode[] = [];
  for (const child of route.routes) {
    const found = matchRoutes(child, labels);
    all.push(...found);
    if (found.length > 0 && !child.continue) break;
  }
  return all.length > 0 ? all : [route];
}

/**
 * Parses and checks an Alertmanager configuration (the subset lakeops supports: a route tree with
 * `matchers`, `continue`, `group_by`, `group_wait`, `group_interval`, `repeat_interval`;
 * `inhibit_rules` with `source_matchers` / `target_matchers` / `equal`; `receivers` with
 * `slack_configs` / `pagerduty_configs`). Unknown keys, malformed values, a root route with
 * matchers or without a receiver, undefined or duplicate receivers are refused with the line.
 * Secrets in it (`api_url`, `routing_key`) are accepted for Alertmanager compatibility but never
 * used: lakeops takes them from the environment (locally) or SSM (on AWS).
 *
 * @example
 * ```ts
 * const config = parseAlertmanagerConfig(readFileSync('alertmanager.yml', 'utf8'));
 * const routes = matchRoutes(config.route, { alertname: 'expectation.failed', table: 'silver.orders' });
 * ```
 */
export function parseAlertmanagerConfig(text: string): AlertingConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (node: unknown): number | undefined => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lines.linePos(range[0]).line : undefined;
  };
  const first = doc.errors[0];
  if (first)
    throw new AlertConfigInvalidError(
      first.message.split('\n')[0] ?? 'invalid YAML',
      first.linePos?.[0].line,
    );
  const fail = (message: string, node: unknown): never => {
    throw new AlertConfigInvalidError(message, lineOf(node));
  };

  const mapOf = (
    node: unknown,
    what: string,
    allowed: readonly string[],
  ): Map<string, { key: Node; value: unknown }> => {
    if (!isMap(node)) return fail(`${what} must be a mapping`, node);
    const out = new Map<string, { key: Node; value: unknown }>();
    for (const pair of (node as YAMLMap).items) {
      const key = pair.key;
      if (!isScalar(key) || typeof key.value !== 'string') return fail(`${what}: keys must be strings`, key);
      if (!allowed.includes(key.value)) return fail(`field ${key.value} not found in ${what}`, key);
      out.set(key.value, { key, value: pair.value });
    }
    return out;
  };
  const str = (node: unknown, what: string): string =>
    isScalar(node) && typeof node.value === 'string' ? node.value : fail(`${what} must be a string`, node);
  const bool = (node: unknown, what: string): boolean =>
    isScalar(node) && typeof node.value === 'boolean'
      ? node.value
      : fail(`${what} must be true or false`, node);
  const strings = (node: unknown, what: string): string[] =>
    isSeq(node) ? node.items.map((item) => str(item, what)) : fail(`${what} must be a list`, node);
  const duration = (node: unknown, what: string): number => {
    const ms = parseDuration(str(node, what));
    return ms === undefined ? fail(`${what}: not a valid duration`, node) : ms;
  };
  const matchers = (node: unknown, what: string): LabelMatcher[] =>
    isSeq(node)
      ? node.items.map(
          (item) =>
            parseMatcher(str(item, what)) ??
            fail(`${what}: bad matcher ${String((item as { value?: unknown }).value)}`, item),
        )
      : fail(`${what} must be a list`, node);

  const top = mapOf(doc.contents, 'config', keys.top);
  const global = top.get('global');
  if (global) {
    const g = mapOf(global.value, 'global', keys.global);
    const rt = g.get('resolve_timeout');
    if (rt) duration(rt.value, 'resolve_timeout');
  }

  const receivers = new Map<string, ReceiverConfig>();
  const receiverLines = new Map<string, unknown>();
  const rs = top.get('receivers');
  if (rs) {
    if (!isSeq(rs.value)) fail('receivers must be a list', rs.value);
    for (const item of (rs.value as { items: unknown[] }).items) {
      const r = mapOf(item, 'receiver', keys.receiver);
      const nameNode = r.get('name');
      if (!nameNode) return fail('missing name of receiver', item);
      const name = str(nameNode.value, 'name');
      if (receivers.has(name)) fail(`notification config name "${name}" is not unique`, nameNode.value);
      const configs = <T>(
        key: string,
        allowed: readonly string[],
        read: (m: Map<string, { value: unknown }>) => T,
      ): T[] => {
        const list = r.get(key);
        if (!list) return [];
        if (!isSeq(list.value)) return fail(`${key} must be a list`, list.value);
        return list.value.items.map((c) => read(mapOf(c, key, allowed)));
      };
      const sendResolved = (m: Map<string, { value: unknown }>, byDefault: boolean) => {
        const v = m.get('send_resolved');
        return v ? bool(v.value, 'send_resolved') : byDefault;
      };
      const slack = configs('slack_configs', keys.slack, (m) => {
        const channel = m.get('channel');
        return {
          sendResolved: sendResolved(m, false),
          ...(channel ? { channel: str(channel.value, 'channel') } : {}),
        };
      });
      const pagerduty = configs('pagerduty_configs', keys.pagerduty, (m) => {
        const url = m.get('url');
        return { sendResolved: sendResolved(m, true), ...(url ? { url: str(url.value, 'url') } : {}) };
      });
      receivers.set(name, { name, slack, pagerduty });
      receiverLines.set(name, nameNode.value);
    }
  }

  type Inherited = Pick<
    RouteNode,
    'receiver' | 'groupBy' | 'groupWaitMs' | 'groupIntervalMs' | 'repeatIntervalMs'
  >;
  const readRoute = (node: unknown, parent: Inherited | undefined, id: string): RouteNode => {
    const r = mapOf(node, 'route', keys.route);
    const receiverNode = r.get('receiver');
    const receiver = receiverNode ? str(receiverNode.value, 'receiver') : parent?.receiver;
    if (receiver === undefined) return fail('root route must specify a default receiver', node);
    if (!receivers.has(receiver))
      fail(`undefined receiver "${receiver}" used in route`, receiverNode?.value ?? node);
    const gb = r.get('group_by');
    let groupBy: readonly string[] | '...' = parent?.groupBy ?? [];
    if (gb) {
      const names = strings(gb.value, 'group_by');
      if (names.includes('...')) {
        if (names.length > 1)
          fail('cannot have wildcard group_by (`...`) and other labels at the same time', gb.value);
        groupBy = '...';
      } else {
        const seen = new Set<string>();
        for (const n of names) {
          if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(n))
            fail(`invalid label name "${n}" in group_by list`, gb.value);
          if (seen.has(n)) fail(`duplicated label "${n}" in group_by`, gb.value);
          seen.add(n);
        }
        groupBy = names;
      }
    }
    const opt = (key: 'group_wait' | 'group_interval' | 'repeat_interval', inherited: number): number => {
      const v = r.get(key);
      if (!v) return inherited;
      const ms = duration(v.value, key);
      if (ms === 0 && key !== 'group_wait') fail(`${key} cannot be zero`, v.value);
      return ms;
    };
    const m = r.get('matchers');
    const c = r.get('continue');
    if (parent === undefined && m) fail('root route must not have any matchers', m.key);
    if (parent === undefined && c) fail('cannot have continue in root route', c.key);
    const own: Inherited = {
      receiver,
      groupBy,
      groupWaitMs: opt('group_wait', parent?.groupWaitMs ?? defaults.groupWaitMs),
      groupIntervalMs: opt('group_interval', parent?.groupIntervalMs ?? defaults.groupIntervalMs),
      repeatIntervalMs: opt('repeat_interval', parent?.repeatIntervalMs ?? defaults.repeatIntervalMs),
    };
    const children = r.get('routes');
    if (children && !isSeq(children.value)) fail('routes must be a list', children.value);
    const routes =
      children && isSeq(children.value)
        ? children.value.items.map((child, i) => readRoute(child, own, `${id}.${i}`))
        : [];
    return {
      ...own,
      continue: c ? bool(c.value, 'continue') : false,
      matchers: m ? matchers(m.value, 'matchers') : [],
      routes,
      id,
    };
  };
  const routeNode = top.get('route');
  if (!routeNode) return fail('no routes provided', doc.contents);
  const route = readRoute(routeNode.value, undefined, '0');

  const inhibitRules: InhibitRule[] = [];
  const ir = top.get('inhibit_rules');
  if (ir) {
    if (!isSeq(ir.value)) fail('inhibit_rules must be a list', ir.value);
    for (const item of (ir.value as { items: unknown[] }).items) {
      const r = mapOf(item, 'inhibit rule', keys.inhibit);
      const s = r.get('source_matchers');
      const t = r.get('target_matchers');
      const e = r.get('equal');
      inhibitRules.push({
        sourceMatchers: s ? matchers(s.value, 'source_matchers') : [],
        targetMatchers: t ? matchers(t.value, 'target_matchers') : [],
        equal: e ? strings(e.value, 'equal') : [],
      });
    }
  }
  return { route, receivers, inhibitRules };
}

const quote = (m: LabelMatcher) => `${m.name}${m.op}${JSON.stringify(m.value)}`;

/**
 * The routing tree as `amtool config routes show` prints it (receiver names, matchers, `continue`),
 * so a test can compare lakeops's tree with Alertmanager's own reading of the same file.
 */
export function routingTreeText(route: RouteNode): string {
  const out = ['Routing tree:', `.`];
  const label = (r: RouteNode, root: boolean) => {
    const ms = root ? 'default-route' : `{${r.matchers.map(quote).join(',')}}`;
    return `${ms}${r.continue ? '  continue: true' : ''}  receiver: ${r.receiver}`;
  };
  const walk = (r: RouteNode, prefix: string, last: boolean, root: boolean) => {
    out.push(`${prefix}${last ? '└── ' : '├── '}${label(r, root)}`);
    // amtool (treeprint) indents under a continuing branch with "│", two no-break spaces, a space.
    const next = `${prefix}${last ? '    ' : '│\u00a0\u00a0 '}`;
    for (const [i, child] of r.routes.entries()) walk(child, next, i === r.routes.length - 1, false);
  };
  walk(route, '', true, true);
  return out.join('\n');
}
