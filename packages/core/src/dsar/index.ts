export {
  type CompletedDeletion,
  DeletionQueue,
  deletionKeys,
  type PendingDeletion,
} from './deletion-queue.ts';
export {
  recordTombstone,
  type TombstoneDetail,
  type TombstoneEvent,
  type TombstoneRecorded,
} from './record-tombstone.ts';
export { hashUserId, type SaltSource } from './salt.port.ts';
