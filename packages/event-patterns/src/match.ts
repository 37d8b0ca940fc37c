import type { CompiledPattern, Condition, SubRule } from './compile.ts';
import { type FlatEvent, flattenEvent, mergeMembership } from './flatten.ts';
import { type EventValue, matchesValue, type ValueMatcher } from './matchers.ts';

/**
 * Walks the conditions in path order. A leaf may serve a condition only if it sits in the same
 * elements of shared arrays as the leaves already used; `exists: false` holds when no leaf at the
 * path is consistent with the elements chosen so far (as event-ruler's array-consistent finder does).
 */
function matchFrom(
  conditions: readonly Condition[],
  i: number,
  event: FlatEvent,
  soFar: readonly number[],
): boolean {
  const condition = conditions[i];
  if (condition === undefined) return true;
  const fields = event.get(condition.path);
  let present = false;
  if (fields !== undefined) {
    for (const field of fields) {
      const merged = mergeMembership(soFar, field.membership);
      if (merged === undefined) continue;
      present = true;
      if (anyMatches(condition.matchers, field.value) && matchFrom(conditions, i + 1, event, merged))
        return true;
    }
  }
  return condition.absent && !present && matchFrom(conditions, i + 1, event, soFar);
}

function anyMatches(matchers: readonly ValueMatcher[], value: EventValue): boolean {
  for (const m of matchers) if (matchesValue(m, value)) return true;
  return false;
}

/** True when one sub-rule matches an already flattened event. */
export function matchesSubRule(subRule: SubRule, event: FlatEvent): boolean {
  return matchFrom(subRule.conditions, 0, event, []);
}

/** True when the compiled pattern matches an already flattened event. */
export function matchesFlat(compiled: CompiledPattern, event: FlatEvent): boolean {
  return compiled.subRules.some((s) => matchesSubRule(s, event));
}

/**
 * True when the event matches the compiled pattern. `event` is the parsed event object; anything
 * else never matches.
 *
 * @example
 * const rule = compilePattern({ 'detail-type': [{ prefix: 'Object ' }] });
 * matchesPattern(rule, { 'detail-type': 'Object Created' }); // true
 */
export function matchesPattern(compiled: CompiledPattern, event: unknown): boolean {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return false;
  return matchesFlat(compiled, flattenEvent(event as Record<string, unknown>));
}
