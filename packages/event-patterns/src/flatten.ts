import { JsonRawNumber } from './json.ts';
import type { EventValue } from './matchers.ts';

/**
 * One leaf of an event. `membership` lists, as flat pairs `[arrayId, index, …]`, the event arrays the
 * leaf sits in and at which element, so a match never combines leaves from different elements of
 * one array (event-ruler's array consistency).
 */
export interface Field {
  readonly value: EventValue;
  readonly membership: readonly number[];
}

/** An event flattened to its leaves, keyed by dotted path (`detail.state`). */
export type FlatEvent = ReadonlyMap<string, readonly Field[]>;

const NONE: readonly number[] = [];

/**
 * Flattens an event object. Objects nest with `.`, arrays contribute each element at the same path,
 * empty arrays and empty objects contribute nothing (they count as absent).
 */
export function flattenEvent(event: Readonly<Record<string, unknown>>): FlatEvent {
  const out = new Map<string, Field[]>();
  let nextArray = 0;
  const add = (path: string, value: EventValue, membership: readonly number[]): void => {
    const list = out.get(path);
    if (list) list.push({ value, membership });
    else out.set(path, [{ value, membership }]);
  };
  const walk = (path: string, value: unknown, membership: readonly number[]): void => {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') {
      add(path, value, membership);
    } else if (typeof value === 'number') {
      if (Number.isFinite(value)) add(path, value, membership);
    } else if (value instanceof JsonRawNumber) {
      add(path, value, membership);
    } else if (Array.isArray(value)) {
      const id = nextArray++;
      for (let i = 0; i < value.length; i++) walk(path, value[i], [...membership, id, i]);
    } else if (typeof value === 'object') {
      for (const key in value) {
        walk(path === '' ? key : `${path}.${key}`, (value as Record<string, unknown>)[key], membership);
      }
    }
  };
  for (const key in event) walk(key, event[key], NONE);
  return out;
}

/**
 * Combines the array memberships chosen so far with a leaf's; undefined when the leaf sits in a
 * different element of an array the match already uses.
 */
export function mergeMembership(
  soFar: readonly number[],
  field: readonly number[],
): readonly number[] | undefined {
  if (field.length === 0) return soFar;
  if (soFar.length === 0) return field;
  let merged: number[] | undefined;
  for (let i = 0; i < field.length; i += 2) {
    const id = field[i];
    let found = false;
    for (let j = 0; j < soFar.length; j += 2) {
      if (soFar[j] === id) {
        if (soFar[j + 1] !== field[i + 1]) return undefined;
        found = true;
        break;
      }
    }
    if (!found) {
      merged ??= [...soFar];
      merged.push(id ?? 0, field[i + 1] ?? 0);
    }
  }
  return merged ?? soFar;
}
