export type { Catalog } from './catalog.port.ts';
export {
  ObjectMissingError,
  PartitionCorruptError,
  QueryCancelledError,
  QueryFailedError,
  TableUnknownError,
} from './errors.ts';
export type { ObjectStore, StoredObject } from './object-store.port.ts';
export type {
  PartitionProfile,
  PartitionReads,
  PartitionSubset,
  QueryEngine,
  QueryOptions,
  RewritePartitionsInput,
  RewrittenPartition,
  Row,
  SqlValue,
  WritePartitionsInput,
  WritePartitionsResult,
} from './query-engine.port.ts';
export type { StagedPartitionWriter, StartedWrite, WriteQueryState } from './staged-write.port.ts';
export {
  type ColumnChecks,
  type ColumnDefinition,
  type ColumnType,
  isUnderPrefix,
  type Partition,
  parsePartitionPath,
  partitionPath,
  partitionPrefixPath,
  type QualifiedTableName,
  qualifiedName,
  type Sensitivity,
  type TableDefinition,
  type Zone,
  zones,
} from './table.ts';
