import {
  type CompiledPattern,
  type Condition,
  compilePattern,
  isCompiledPattern,
  type SubRule,
} from './compile.ts';
import { type FlatEvent, flattenEvent } from './flatten.ts';
import { IntervalIndex } from './interval-index.ts';
import { canonicalIp, looksLikeIp } from './ip.ts';
import { JsonRawNumber } from './json.ts';
import { matchesSubRule } from './match.ts';
import type { EventValue, ValueMatcher } from './matchers.ts';
import { Trie } from './trie.ts';

/** One sub-rule of one rule, as the index stores it. */
interface Ref {
  readonly id: string;
  readonly seq: number;
  readonly subRule: SubRule;
  /** The condition the sub-rule is indexed under; undefined for the fallback list. */
  readonly anchor: Condition | undefined;
}

/** Where one indexable matcher goes in a path's index. */
type Slot =
  | { readonly in: 'exact'; readonly key: string | number }
  | { readonly in: 'tagged' | 'folded'; readonly key: string }
  | { readonly in: 'prefix' | 'suffix' | 'folded-prefix' | 'folded-suffix'; readonly key: string }
  | { readonly in: 'range'; readonly matcher: Extract<ValueMatcher, { kind: 'numeric' }> }
  | { readonly in: 'present' };

/** Key of a leaf that is not a string or a number (those are keys themselves): raw numbers, literals. */
const taggedKey = (v: boolean | null | JsonRawNumber): string =>
  v instanceof JsonRawNumber ? `r${v.text}` : `l${String(v)}`;

/** The slot of an indexable matcher, or undefined when the matcher cannot select rules. */
function slotOf(m: ValueMatcher): Slot | undefined {
  switch (m.kind) {
    case 'string':
    case 'number':
      return { in: 'exact', key: m.value };
    case 'literal':
      return { in: 'tagged', key: taggedKey(m.value) };
    case 'raw-number':
      return { in: 'tagged', key: `r${m.text}` };
    case 'ip':
      return { in: 'tagged', key: `i${m.hex}` };
    // a case-insensitive ASCII pattern only matches text whose lower case equals it (or starts or
    // ends with it); other patterns may match other spellings, so they are not hashed
    case 'equals-ignore-case':
      return m.value.ascii ? { in: 'folded', key: m.value.folded } : undefined;
    case 'prefix-ignore-case':
      return m.value.ascii ? { in: 'folded-prefix', key: m.value.folded } : undefined;
    case 'suffix-ignore-case':
      return m.value.ascii ? { in: 'folded-suffix', key: m.value.folded } : undefined;
    case 'prefix':
    case 'suffix':
      return { in: m.kind, key: m.value };
    case 'wildcard': {
      const first = m.segments[0] ?? '';
      const last = m.segments[m.segments.length - 1] ?? '';
      if (m.segments.length === 1) return { in: 'exact', key: first };
      if (first === '' && last === '') return undefined;
      return first.length >= last.length ? { in: 'prefix', key: first } : { in: 'suffix', key: last };
    }
    case 'numeric':
      return { in: 'range', matcher: m };
    case 'exists':
      return { in: 'present' };
    default:
      // anything-but and cidr leaves are only checked on rules another field selected
      return undefined;
  }
}

/** Adds or removes `ref` under `key`; true when that changed the map. */
function putIn<K>(map: Map<K, Set<Ref>>, key: K, ref: Ref, add: boolean): boolean {
  const set = map.get(key) ?? new Set<Ref>();
  const had = set.has(ref);
  if (add) set.add(ref);
  else set.delete(ref);
  if (set.size > 0) map.set(key, set);
  else map.delete(key);
  return had !== add;
}

/** The rules of one event path, indexed by how they select values. */
class PathIndex {
  /** Strings and numbers (numbers by value: `300` and `300.0` are one key). */
  readonly exact = new Map<string | number, Set<Ref>>();
  readonly tagged = new Map<string, Set<Ref>>();
  readonly folded = new Map<string, Set<Ref>>();
  readonly prefix = new Trie<Ref>();
  readonly suffix = new Trie<Ref>();
  readonly foldedPrefix = new Trie<Ref>();
  readonly foldedSuffix = new Trie<Ref>();
  readonly ranges = new IntervalIndex<Ref>();
  readonly present = new Set<Ref>();
  /** Rules held under exact IP keys: only then are event strings parsed as IPs. */
  ipKeys = 0;

  /** Rough number of rules a lookup through this slot would return: how selective it is. */
  cost(slot: Slot): number {
    switch (slot.in) {
      case 'exact':
        return 1 + (this.exact.get(slot.key)?.size ?? 0);
      case 'tagged':
        return 1 + (this.tagged.get(slot.key)?.size ?? 0);
      case 'folded':
        return 2 + (this.folded.get(slot.key)?.size ?? 0);
      case 'prefix':
      case 'suffix':
      case 'folded-prefix':
      case 'folded-suffix': {
        const trie = this.#trie(slot.in);
        return 3 + trie.countAt(slot.key, slot.in.endsWith('suffix')) + (slot.key.length < 2 ? 20 : 0);
      }
      case 'range':
        // a stabbing query returns the overlapping ranges only: usually few, whatever the total
        return 8;
      case 'present':
        return 50 + this.present.size;
    }
  }

  #trie(kind: 'prefix' | 'suffix' | 'folded-prefix' | 'folded-suffix'): Trie<Ref> {
    if (kind === 'prefix') return this.prefix;
    if (kind === 'suffix') return this.suffix;
    return kind === 'folded-prefix' ? this.foldedPrefix : this.foldedSuffix;
  }

  put(slot: Slot, ref: Ref, add: boolean): void {
    switch (slot.in) {
      case 'exact':
        putIn(this.exact, slot.key, ref, add);
        return;
      case 'folded':
        putIn(this.folded, slot.key, ref, add);
        return;
      case 'tagged':
        if (putIn(this.tagged, slot.key, ref, add) && slot.key.startsWith('i')) this.ipKeys += add ? 1 : -1;
        return;
      case 'range':
        if (add) this.ranges.add(slot.matcher, ref);
        else this.ranges.delete(ref);
        return;
      case 'present':
        if (add) this.present.add(ref);
        else this.present.delete(ref);
        return;
      default: {
        const trie = this.#trie(slot.in);
        const reverse = slot.in.endsWith('suffix');
        if (add) trie.add(slot.key, ref, reverse);
        else trie.delete(slot.key, ref, reverse);
      }
    }
  }

  /** Adds to `out` the rules this leaf value may satisfy. */
  collect(v: EventValue, out: Set<Ref>): void {
    const exact =
      typeof v === 'string' || typeof v === 'number' ? this.exact.get(v) : this.tagged.get(taggedKey(v));
    if (exact) for (const r of exact) out.add(r);
    for (const r of this.present) out.add(r);
    if (typeof v === 'string') {
      if (this.ipKeys > 0 && looksLikeIp(v)) {
        const hex = canonicalIp(v);
        const ip = hex === undefined ? undefined : this.tagged.get(`i${hex}`);
        if (ip) for (const r of ip) out.add(r);
      }
      if (this.prefix.size > 0) this.prefix.collect(v, out);
      if (this.suffix.size > 0) this.suffix.collect(v, out, true);
      if (this.folded.size > 0 || this.foldedPrefix.size > 0 || this.foldedSuffix.size > 0) {
        const f = v.toLowerCase();
        const folded = this.folded.get(f);
        if (folded) for (const r of folded) out.add(r);
        if (this.foldedPrefix.size > 0) this.foldedPrefix.collect(f, out);
        if (this.foldedSuffix.size > 0) this.foldedSuffix.collect(f, out, true);
      }
    } else if (typeof v === 'number' && this.ranges.size > 0) {
      this.ranges.collect(v, out);
    }
  }
}

const EMPTY_PATH_INDEX = new PathIndex();

/**
 * Many rules, matched without a loop over them. Each sub-rule (one per `$or` combination) is indexed
 * under its most selective field: exact values in hash maps, prefixes and suffixes in tries, numeric
 * ranges in sorted bounds. A match looks up the event's leaves, then checks only the selected rules in
 * full, so `anything-but`, `exists: false` and `cidr` leaves are tested only on rules another field
 * selected. Sub-rules with no indexable field sit in a fallback list checked for every event.
 *
 * Answers are exactly those of calling `matchesPattern` on each rule.
 *
 * @example
 * const index = new RuleIndex();
 * index.add('s3-created', { source: ['aws.s3'], 'detail-type': ['Object Created'] });
 * index.add('big-orders', { detail: { total: [{ numeric: ['>=', 1000] }] } });
 * index.match({ source: 'aws.s3', 'detail-type': 'Object Created', detail: { total: 5 } }); // ['s3-created']
 */
export class RuleIndex {
  readonly #rules = new Map<string, readonly Ref[]>();
  readonly #paths = new Map<string, PathIndex>();
  readonly #fallback = new Set<Ref>();
  #seq = 0;

  /** Number of rules. */
  get size(): number {
    return this.#rules.size;
  }

  /** Number of sub-rules no field could index (checked on every event). */
  get fallbackSize(): number {
    return this.#fallback.size;
  }

  /**
   * Adds (or replaces) rule `id`. `pattern` is a parsed pattern or a {@link CompiledPattern}.
   * @throws InvalidEventPatternError when the pattern is invalid (the index is then unchanged).
   */
  add(id: string, pattern: unknown): void {
    const compiled: CompiledPattern = isCompiledPattern(pattern) ? pattern : compilePattern(pattern);
    this.remove(id);
    const seq = this.#seq++;
    const refs = compiled.subRules.map((subRule) => {
      const chosen = this.#chooseAnchor(subRule);
      const ref: Ref = { id, seq, subRule, anchor: chosen?.condition };
      if (chosen === undefined) this.#fallback.add(ref);
      else for (const slot of chosen.slots) this.#pathIndex(chosen.condition.path).put(slot, ref, true);
      return ref;
    });
    this.#rules.set(id, refs);
  }

  /** Removes rule `id`; false when there was none. */
  remove(id: string): boolean {
    const refs = this.#rules.get(id);
    if (refs === undefined) return false;
    for (const ref of refs) {
      if (ref.anchor === undefined) {
        this.#fallback.delete(ref);
        continue;
      }
      const index = this.#pathIndex(ref.anchor.path);
      for (const m of ref.anchor.matchers) {
        const slot = slotOf(m);
        if (slot) index.put(slot, ref, false);
      }
    }
    this.#rules.delete(id);
    return true;
  }

  /** Ids of the rules the event matches, in the order the rules were added. */
  match(event: unknown): string[] {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return [];
    const flat = flattenEvent(event as Record<string, unknown>);
    const matched: Ref[] = [];
    const ids = new Set<string>();
    for (const ref of this.#candidates(flat)) {
      if (!ids.has(ref.id) && matchesSubRule(ref.subRule, flat)) {
        ids.add(ref.id);
        matched.push(ref);
      }
    }
    if (matched.length > 1) matched.sort((a, b) => a.seq - b.seq);
    return matched.map((ref) => ref.id);
  }

  /**
   * How many sub-rules a match of this event would check in full: the rules its leaves select plus
   * the fallback list. For tests and tuning; a good index keeps it near the number of matches.
   */
  candidateCount(event: unknown): number {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return 0;
    return this.#candidates(flattenEvent(event as Record<string, unknown>)).size;
  }

  #candidates(flat: FlatEvent): Set<Ref> {
    const candidates = new Set<Ref>(this.#fallback);
    for (const [path, fields] of flat) {
      const index = this.#paths.get(path);
      if (index !== undefined) for (const field of fields) index.collect(field.value, candidates);
    }
    return candidates;
  }

  #pathIndex(path: string): PathIndex {
    let index = this.#paths.get(path);
    if (index === undefined) {
      index = new PathIndex();
      this.#paths.set(path, index);
    }
    return index;
  }

  /** The condition whose lookups would select this sub-rule most narrowly, with its slots. */
  #chooseAnchor(subRule: SubRule): { condition: Condition; slots: Slot[] } | undefined {
    let best: { condition: Condition; slots: Slot[]; cost: number } | undefined;
    for (const condition of subRule.conditions) {
      if (condition.absent || condition.matchers.length === 0) continue;
      const slots = condition.matchers.map(slotOf);
      if (slots.some((s) => s === undefined)) continue;
      const index = this.#paths.get(condition.path) ?? EMPTY_PATH_INDEX;
      const cost = (slots as Slot[]).reduce((sum, s) => sum + index.cost(s), 0);
      if (best === undefined || cost < best.cost) best = { condition, slots: slots as Slot[], cost };
    }
    return best;
  }
}
