/**
 * An upper bound of a value's size as JSON in UTF-8 bytes, costing a fraction of
 * `JSON.stringify` (a JSON string takes at most 6 bytes a UTF-16 unit, `\u001f`, plus its quotes;
 * a number at most 25 characters): `budget` minus the bound, or -1 when that is below zero or the
 * value is not plain JSON data (a `toJSON`, a Date, a Map, a bigint, a cycle), which `JSON.stringify`
 * must then measure.
 */
export function jsonBytesBound(value: unknown, budget: number, depth = 0): number {
  switch (typeof value) {
    case 'string':
      return budget - 6 * value.length - 2;
    case 'number':
      return budget - 25;
    case 'boolean':
    case 'undefined':
      return budget - 5;
    case 'object':
      break;
    default:
      return -1;
  }
  if (value === null) return budget - 4;
  if (depth > 64 || !isPlainContainer(value)) return -1;
  let left = budget - 2;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && left >= 0; i++) left = jsonBytesBound(value[i], left - 1, depth + 1);
    return left;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    left = jsonBytesBound(record[key], left - 6 * key.length - 4, depth + 1);
    if (left < 0) return -1;
  }
  return left;
}

/** An array, or an object `JSON.stringify` writes as its own enumerable fields (no `toJSON`, a plain prototype). */
export function isPlainContainer(value: object): boolean {
  if (Array.isArray(value)) return Object.getPrototypeOf(value) === Array.prototype;
  const proto: unknown = Object.getPrototypeOf(value);
  return (
    (proto === Object.prototype || proto === null) &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function'
  );
}
