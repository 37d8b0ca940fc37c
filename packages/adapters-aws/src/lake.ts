export { AthenaQueryEngine, type AthenaQueryEngineOptions } from './athena-query-engine.ts';
export { GlueCatalog } from './glue-catalog.ts';
export { S3ObjectStore } from './s3-object-store.ts';
