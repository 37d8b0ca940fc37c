export { type CatalogFixture, catalogBehaviour } from './catalog.suite.ts';
export { InMemoryCatalog, InMemoryObjectStore } from './in-memory-lake.ts';
export { type ObjectStoreFixture, objectStoreBehaviour } from './object-store.suite.ts';
export { type QueryEngineFixture, queryEngineBehaviour } from './query-engine.suite.ts';
