// Pattern compiler. Structure, checks and messages follow event-ruler's JsonRuleCompiler
// (aws/event-ruler, Apache-2.0, Amazon.com, Inc.), so errors read as EventBridge returns them.
import { InvalidEventPatternError } from './errors.ts';
import { caseless } from './ignore-case.ts';
import { canonicalIp, looksLikeIp, parseCidr } from './ip.ts';
import { JsonRawNumber } from './json.ts';
import type { ValueMatcher } from './matchers.ts';
import { parseWildcard, type WildcardSegments, wildcardComplexity } from './wildcard.ts';

/** One field test of a sub-rule: the leaf at `path` matches any of `matchers`, or is absent when `absent`. */
export interface Condition {
  readonly path: string;
  readonly matchers: readonly ValueMatcher[];
  /** `{"exists": false}` is one of the alternatives. */
  readonly absent: boolean;
}

/** An AND of conditions, sorted by path (the order event-ruler walks them). */
export interface SubRule {
  readonly conditions: readonly Condition[];
}

/** A compiled pattern: it matches when any sub-rule (one per `$or` combination) matches. */
export interface CompiledPattern {
  readonly subRules: readonly SubRule[];
}

const compiledPatterns = new WeakSet<CompiledPattern>();

/** True for a value `compilePattern` returned. */
export function isCompiledPattern(value: unknown): value is CompiledPattern {
  return typeof value === 'object' && value !== null && compiledPatterns.has(value as CompiledPattern);
}

/** EventBridge rejects patterns whose `$or`s expand to more combinations than this. */
export const MAX_COMBINATIONS = 1000;
/**
 * Wildcard complexity EventBridge accepts per field (event-ruler's MachineComplexityEvaluator). AWS
 * does not publish it; 10 is the per-rule limit event-ruler's README gives as example, and it agrees
 * with AWS's recorded answers (LocalStack's `content_wildcard_repeating` scores 7 and is accepted,
 * `*:*:*:*:*:event-bus/*` scores 11 and is rejected).
 */
export const MAX_WILDCARD_COMPLEXITY = 10;

const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

type Absent = { readonly kind: 'absent' };
type Entry = ValueMatcher | Absent;
type Draft = Map<string, Entry[]>;

const fail = (message: string, cause?: unknown): never => {
  throw new InvalidEventPatternError(message, cause === undefined ? undefined : { cause });
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonRawNumber);

const isNumber = (v: unknown): v is number | JsonRawNumber =>
  (typeof v === 'number' && Number.isFinite(v)) || v instanceof JsonRawNumber;

/** The number a pattern operand stands for; event-ruler refuses numbers a double cannot hold. */
const comparable = (v: number | JsonRawNumber): number =>
  v instanceof JsonRawNumber ? fail(`Cannot compare number : ${v.text}`) : v;

/** How the JSON token would print, for messages that quote it. */
const tokenText = (v: unknown): string => {
  if (v === undefined) return ']';
  if (v instanceof JsonRawNumber) return v.text;
  if (Array.isArray(v)) return '[';
  if (typeof v === 'object' && v !== null) return '{';
  return String(v);
};

const TOO_MANY = 'Too many elements in numeric expression';
const ONE_KEY = 'Only one key allowed in match expression';

/**
 * Compiles an EventBridge event pattern (already parsed from JSON).
 *
 * @throws InvalidEventPatternError when EventBridge would reject the pattern; `message` is the reason
 *   AWS gives (event-ruler's text).
 * @example
 * const rule = compilePattern({ source: ['aws.s3'], detail: { size: [{ numeric: ['>', 0] }] } });
 * matchesPattern(rule, { source: 'aws.s3', detail: { size: 42 } }); // true
 */
export function compilePattern(pattern: unknown): CompiledPattern {
  if (!isObject(pattern)) fail('Filter is not an object');
  const drafts: Draft[] = [];
  parseObject(drafts, '', pattern as Record<string, unknown>, false);
  checkWildcardComplexity(drafts);
  const compiled: CompiledPattern = {
    subRules: drafts.map((draft) => ({
      conditions: [...draft.keys()].sort().map((path) => {
        const entries = draft.get(path) ?? [];
        return {
          path,
          matchers: entries.filter((e): e is ValueMatcher => e.kind !== 'absent'),
          absent: entries.some((e) => e.kind === 'absent'),
        };
      }),
    })),
  };
  compiledPatterns.add(compiled);
  return compiled;
}

function parseObject(drafts: Draft[], path: string, obj: Record<string, unknown>, insideOr: boolean): void {
  let fields = 0;
  for (const key of Object.keys(obj)) {
    fields++;
    const value = obj[key];
    if (key === '$or') {
      parseOr(drafts, path, value);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      fail(`${key} is Ruler reserved fieldName which cannot be used inside $or.`);
    }
    const name = path === '' ? key : `${path}.${key}`;
    if (isObject(value)) parseObject(drafts, name, value, insideOr);
    else if (Array.isArray(value)) writeRules(drafts, name, value);
    else fail(`"${key}" must be an object or an array`);
  }
  if (fields === 0) fail('Empty objects are not allowed');
}

function parseOr(drafts: Draft[], path: string, value: unknown): void {
  const current = drafts.map((d) => new Map(d));
  drafts.length = 0;
  if (!Array.isArray(value)) fail('It must be an Array followed with $or.');
  let branches = 0;
  for (const element of value as unknown[]) {
    branches++;
    if (!isObject(element)) fail('Only JSON object is allowed in array of $or relationship.');
    const next = current.length === 0 ? [new Map() as Draft] : current.map((d) => new Map(d));
    parseObject(next, path, element as Record<string, unknown>, true);
    drafts.push(...next);
    if (drafts.length > MAX_COMBINATIONS) {
      fail(`Event pattern has more than ${MAX_COMBINATIONS} combinations through $or; simplify it`);
    }
  }
  if (branches < 2) fail('There must have at least 2 Objects in $or relationship.');
}

function writeRules(drafts: Draft[], name: string, values: unknown[]): void {
  const entries: Entry[] = [];
  for (const v of values) {
    if (isObject(v)) entries.push(matchExpression(v));
    else if (typeof v === 'string') {
      const hex = looksLikeIp(v) ? canonicalIp(v) : undefined;
      entries.push(hex === undefined ? { kind: 'string', value: v } : { kind: 'ip', hex });
    } else if (typeof v === 'number' && Number.isFinite(v)) entries.push({ kind: 'number', value: v });
    else if (v instanceof JsonRawNumber) entries.push({ kind: 'raw-number', text: v.text });
    else if (v === null || typeof v === 'boolean') entries.push({ kind: 'literal', value: v });
    else fail('Match value must be String, number, true, false, or null');
  }
  if (entries.length === 0) fail('Empty arrays are not allowed');
  if (drafts.length === 0) drafts.push(new Map());
  for (const draft of drafts) draft.set(name, entries);
}

function matchExpression(expr: Record<string, unknown>): Entry {
  const keys = Object.keys(expr);
  const type = keys[0];
  if (type === undefined) return fail('Match expression name not found');
  const value = expr[type];
  const extra = keys.length > 1;
  const single = <T>(result: T, message = ONE_KEY): T => (extra ? fail(message) : result);
  switch (type) {
    case 'exactly':
      if (typeof value !== 'string') fail('exact match pattern must be a string');
      return single({ kind: 'string', value: value as string });
    case 'prefix':
    case 'suffix': {
      if (isObject(value)) return single(ignoreCaseAffix(type, value));
      if (typeof value !== 'string') fail(`${type} match pattern must be a string`);
      return single({ kind: type, value: value as string });
    }
    case 'numeric':
      if (!Array.isArray(value)) fail('Value of numeric must be an array.');
      return single(numeric(value as unknown[]), TOO_MANY);
    case 'anything-but':
      return single(anythingBut(value), TOO_MANY);
    case 'exists':
      if (typeof value !== 'boolean') fail('exists match pattern must be either true or false.');
      return single(value ? { kind: 'exists' } : { kind: 'absent' });
    case 'cidr': {
      if (typeof value !== 'string') fail('prefix match pattern must be a string');
      let range: ReturnType<typeof parseCidr> | undefined;
      try {
        range = parseCidr(value as string);
      } catch (e) {
        fail((e as Error).message, e);
      }
      return single({ kind: 'cidr', range: range as ReturnType<typeof parseCidr> });
    }
    case 'equals-ignore-case':
      if (typeof value !== 'string') fail('equals-ignore-case match pattern must be a string');
      return single({ kind: 'equals-ignore-case', value: caseless(value as string) });
    case 'wildcard':
      if (typeof value !== 'string') fail('wildcard match pattern must be a string');
      return single({ kind: 'wildcard', text: value as string, segments: wildcard(value as string) });
    default:
      return fail(`Unrecognized match type ${type}`);
  }
}

function wildcard(text: string): ReturnType<typeof parseWildcard> {
  try {
    return parseWildcard(text);
  } catch (e) {
    return fail((e as Error).message, e);
  }
}

function ignoreCaseAffix(type: 'prefix' | 'suffix', inner: Record<string, unknown>): ValueMatcher {
  const keys = Object.keys(inner);
  const op = keys[0];
  const Type = type === 'prefix' ? 'Prefix' : 'Suffix';
  if (op === undefined) fail(`${Type} expression name not found`);
  if (op !== 'equals-ignore-case') fail(`Unsupported ${type} pattern: ${op}`);
  const value = inner[op as string];
  if (typeof value !== 'string') fail('equals-ignore-case match pattern must be a string');
  if (keys.length > 1) fail(ONE_KEY);
  return { kind: `${type}-ignore-case`, value: caseless(value as string) };
}

function numeric(items: unknown[]): ValueMatcher {
  const [op, first, op2, second] = items;
  if (typeof op !== 'string') return fail(`Invalid member in numeric match: ${tokenText(op)}`);
  const range = (low: number, lowOpen: boolean, high: number, highOpen: boolean): ValueMatcher => ({
    kind: 'numeric',
    low,
    lowOpen,
    high,
    highOpen,
  });
  switch (op) {
    case '=': {
      if (!isNumber(first)) fail('Value of equals must be numeric');
      if (items.length > 2) fail(TOO_MANY);
      const n = comparable(first as number);
      return range(n, false, n, false);
    }
    case '<':
    case '<=':
      if (!isNumber(first)) fail(`Value of ${op} must be numeric`);
      if (items.length > 2) fail(TOO_MANY);
      return range(Number.NEGATIVE_INFINITY, false, comparable(first as number), op === '<');
    case '>':
    case '>=': {
      if (!isNumber(first)) fail(`Value of ${op} must be numeric`);
      if (items.length === 2)
        return range(comparable(first as number), op === '>', Number.POSITIVE_INFINITY, false);
      if (typeof op2 !== 'string') fail(`Bad value in numeric range: ${tokenText(op2)}`);
      if (op2 !== '<' && op2 !== '<=') fail(`Bad numeric range operator: ${op2 as string}`);
      if (!isNumber(second)) fail(`Value of ${op2 as string} must be numeric`);
      if (items.length > 4) fail('Too many terms in numeric range expression');
      const low = comparable(first as number);
      const high = comparable(second as number);
      if (!(low < high)) fail('Bottom must be less than top');
      return range(low, op === '>', high, op2 === '<');
    }
    default:
      return fail(`Unrecognized numeric range operator: ${op}`);
  }
}

type SetKind = 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard';

function anythingBut(raw: unknown): ValueMatcher {
  let kind: SetKind | undefined;
  let value = raw;
  let innerExtra = false;
  if (isObject(raw)) {
    const keys = Object.keys(raw);
    const op = keys[0];
    if (op === undefined) return fail('Anything-But expression name not found');
    if (op !== 'equals-ignore-case' && op !== 'prefix' && op !== 'suffix' && op !== 'wildcard') {
      return fail(`Unsupported anything-but pattern: ${op}`);
    }
    kind = op;
    value = raw[op];
    innerExtra = keys.length > 1;
  }
  if (!Array.isArray(value) && typeof value !== 'string' && !isNumber(value)) {
    fail('Value of anything-but must be an array or single string/number value.');
  }
  const list = Array.isArray(value) ? value : [value];
  if (kind === undefined) {
    const strings = new Set<string>();
    const numbers: number[] = [];
    for (const v of list) {
      if (typeof v === 'string') strings.add(v);
      else if (isNumber(v)) numbers.push(comparable(v));
      else fail('Inside anything but list, start|null|boolean is not supported.');
    }
    if (strings.size > 0 === numbers.length > 0) {
      fail('Inside anything but list, either all values are number or string, mixed type is not supported');
    }
    return { kind: 'anything-but', strings, numbers };
  }
  const texts: string[] = [];
  for (const v of list) {
    if (typeof v !== 'string') {
      if (kind === 'equals-ignore-case') {
        fail('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
      }
      fail(
        kind === 'wildcard'
          ? 'wildcard match pattern must be a string'
          : 'prefix/suffix match pattern must be a string',
      );
    }
    if ((kind === 'prefix' || kind === 'suffix') && v === '') fail('Null prefix/suffix not allowed');
    texts.push(v as string);
  }
  const segments = kind === 'wildcard' ? texts.map(wildcard) : [];
  if (innerExtra) fail(TOO_MANY);
  switch (kind) {
    case 'equals-ignore-case':
      return { kind: 'anything-but-ignore-case', values: texts.map(caseless) };
    case 'prefix':
      return { kind: 'anything-but-prefix', values: texts };
    case 'suffix':
      return { kind: 'anything-but-suffix', values: texts };
    case 'wildcard':
      return { kind: 'anything-but-wildcard', values: segments };
  }
}

/** EventBridge also rejects wildcard patterns whose matching gets too non-deterministic. */
function checkWildcardComplexity(drafts: readonly Draft[]): void {
  const perField = new Map<string, Map<string, WildcardSegments>>();
  for (const draft of drafts) {
    for (const [path, entries] of draft) {
      for (const e of entries) {
        const found =
          e.kind === 'wildcard' ? [e.segments] : e.kind === 'anything-but-wildcard' ? e.values : [];
        for (const segments of found) {
          const seen = perField.get(path) ?? new Map<string, WildcardSegments>();
          seen.set(`${e.kind}:${JSON.stringify(segments)}`, segments);
          perField.set(path, seen);
        }
      }
    }
  }
  for (const seen of perField.values()) {
    if (wildcardComplexity([...seen.values()], MAX_WILDCARD_COMPLEXITY) > MAX_WILDCARD_COMPLEXITY) {
      fail(
        'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
      );
    }
  }
}
