import { SchemaUnreadableError } from '../errors.ts';
import type { CompatibilityPolicy } from './change-types.ts';
import { compareSchemas, type SchemaChange } from './compare-schemas.ts';
import { readSchema, type SchemaNode } from './schema-model.ts';

/**
 * Confluent's compatibility modes. BACKWARD: consumers on the new schema read data written with
 * the old one. FORWARD: consumers on the old schema read data written with the new one (BACKWARD
 * with the schemas swapped). FULL: both.
 */
export type CompatibilityMode = 'BACKWARD' | 'FORWARD' | 'FULL';

export interface CompatibilityChange extends SchemaChange {
  /** Which check found it: BACKWARD (old → new) or FORWARD (new → old, pointers into the new schema). */
  readonly direction: 'BACKWARD' | 'FORWARD';
}

export interface CompatibilityResult {
  readonly compatible: boolean;
  readonly mode: CompatibilityMode;
  /** Every difference found, breaking or not. */
  readonly changes: CompatibilityChange[];
  /** The differences that break compatibility under `mode`. */
  readonly breaking: CompatibilityChange[];
}

/**
 * Whether `update` may replace `original` under a compatibility mode (BACKWARD by default),
 * with every difference, its JSON pointer into the schema, and whether it breaks.
 * Throws `SchemaUnreadableError` when a schema cannot be read.
 *
 * @example
 * ```ts
 * const result = checkCompatibility(oldSchema, newSchema, { mode: 'FULL' });
 * for (const c of result.breaking) console.log(`${c.pointer || '/'} ${c.type}`);
 * ```
 */
export function checkCompatibility(
  original: unknown,
  update: unknown,
  options: { mode?: CompatibilityMode; policy?: CompatibilityPolicy } = {},
): CompatibilityResult {
  const mode = options.mode ?? 'BACKWARD';
  const before = read(original, 'original');
  const after = read(update, 'update');
  const changes: CompatibilityChange[] = [];
  if (mode !== 'FORWARD') {
    for (const c of compareSchemas(before, after, options.policy))
      changes.push({ ...c, direction: 'BACKWARD' });
  }
  if (mode !== 'BACKWARD') {
    for (const c of compareSchemas(after, before, options.policy))
      changes.push({ ...c, direction: 'FORWARD' });
  }
  const breaking = changes.filter((c) => c.breaking);
  return { compatible: breaking.length === 0, mode, changes, breaking };
}

function read(document: unknown, side: 'original' | 'update'): SchemaNode {
  try {
    return readSchema(document);
  } catch (error) {
    if (error instanceof SchemaUnreadableError)
      throw new SchemaUnreadableError(error.message, { cause: error, side });
    throw error;
  }
}
