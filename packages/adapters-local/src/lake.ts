export {
  DuckDbQueryEngine,
  type DuckDbQueryEngineOptions,
  QueryRefusedError,
  type QueryTable,
  readingStatements,
} from './duckdb-query-engine.ts';
export { FsCatalog } from './fs-catalog.ts';
export { FsObjectStore } from './fs-object-store.ts';
export { swapDir } from './fs-swap.ts';
export { type Membership, membershipFile, PartitionMembership } from './partition-membership.ts';
