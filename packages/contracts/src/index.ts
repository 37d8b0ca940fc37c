export {
  type ArchiveArea,
  type ArchiveDecision,
  type ArchiveRecord,
  archivePartition,
  archiveRecord,
} from './archive-record.ts';
export {
  type ChangeType,
  type CompatibilityPolicy,
  changeTypes,
  describeChange,
  isBreaking,
} from './compat/change-types.ts';
export {
  type CompatibilityChange,
  type CompatibilityMode,
  type CompatibilityResult,
  checkCompatibility,
} from './compat/check-compatibility.ts';
export type { SchemaChange } from './compat/compare-schemas.ts';
export {
  compatibilityModeOf,
  compatibilityModes,
  DEFAULT_COMPATIBILITY_MODE,
} from './compatibility-modes.ts';
export type { CompiledValidator, CompiledValidatorError, ValidatorTable } from './compiled-validator.ts';
export {
  type ContractEvent,
  checkDetail,
  checkEvent,
  type DetailCheck,
  type EventCheck,
  type EventOf,
  validateDetailWith,
} from './detail-check.ts';
export { GateBaseUnknownError, SchemaUnreadableError } from './errors.ts';
export { type IngestResult, ingestEvent, MAX_EVENT_BYTES } from './ingest-event.ts';
export { appendPointer, escapePointerToken } from './json-pointer.ts';
export { listSchemas, type SchemaEntry } from './list-schemas.ts';
export {
  ATHENA_QUERY_STATE_CHANGE,
  CLOUDWATCH_ALARM,
  type EventBridgeEvent,
  normaliseEvent,
} from './normalise-event.ts';
export {
  hasEmail,
  hasPhone,
  maskPii,
  maskPiiInText,
  type PiiFinding,
  type PiiKind,
  piiReasons,
  scanPii,
} from './pii-guard.ts';
export {
  examplesFileName,
  parseSchemaFileName,
  SCHEMA_DIALECT,
  SCHEMA_ID_BASE,
  schemaFileName,
  schemaId,
  typeName,
  validatorName,
} from './schema-files.ts';
export type * from './types.generated.ts';
export { validateDetail } from './validate-detail.ts';
export type { ValidationReason } from './validation-reason.ts';
