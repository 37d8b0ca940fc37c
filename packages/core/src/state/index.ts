export { LeaseLostError, StateConditionFailedError, StateItemTooLargeError } from './errors.ts';
export { acquireLease, type Lease, leaseKey, releaseLease, renewLease } from './lease.ts';
export {
  isExpired,
  queryAll,
  type StateItem,
  type StateKey,
  type StatePage,
  type StatePutOptions,
  type StateQuery,
  type StateStore,
  type StateValue,
  stateItemBytes,
  stateItemMaxBytes,
} from './state-store.port.ts';
