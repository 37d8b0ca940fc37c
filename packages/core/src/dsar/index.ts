export {
  type CompletedDeletion,
  DeletionQueue,
  deletionKeys,
  type PendingDeletion,
} from './deletion-queue.ts';
export { dropTombstonedUsers, type TombstonedDropReport } from './drop-tombstoned-users.ts';
export {
  type PartitionPurge,
  PurgeAlreadyRunningError,
  type PurgeDeps,
  type PurgeInput,
  type PurgeReport,
  PurgeVerificationFailedError,
  purgeDeletedUsers,
  readPurgePartitions,
  removeIds,
  type TablePurge,
} from './purge-deleted-users.ts';
export type { PurgeIds, PurgeSql } from './purge-sql.port.ts';
export {
  recordTombstone,
  type TombstoneDetail,
  type TombstoneEvent,
  type TombstoneRecorded,
} from './record-tombstone.ts';
export {
  runScheduledPurge,
  type ScheduledPurgeInput,
  type ScheduledPurgeOutcome,
} from './run-scheduled-purge.ts';
export { hashUserId, type SaltSource } from './salt.port.ts';
export { type BronzeSweepReport, sweepBronze } from './sweep-bronze.ts';
