import type { CompatibilityMode } from './compat/check-compatibility.ts';

/** The mode of every event type not listed below: consumers on vN read anything written as vN. */
export const DEFAULT_COMPATIBILITY_MODE: CompatibilityMode = 'BACKWARD';

/**
 * Event types held to a stricter mode. FULL also lets consumers still on the old schema read what
 * new producers write: `user.tombstoned` is sent by the account service, deployed independently of
 * the DSAR intake, and a deletion must never be missed while the two roll out.
 */
export const compatibilityModes: Readonly<Record<string, CompatibilityMode>> = {
  'user.tombstoned': 'FULL',
};

/** The compatibility mode a detail-type's schema changes are checked with. */
export function compatibilityModeOf(detailType: string): CompatibilityMode {
  return Object.hasOwn(compatibilityModes, detailType)
    ? (compatibilityModes[detailType] ?? DEFAULT_COMPATIBILITY_MODE)
    : DEFAULT_COMPATIBILITY_MODE;
}
