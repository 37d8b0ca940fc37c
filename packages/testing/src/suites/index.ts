export { type CatalogFixture, catalogBehaviour } from './catalog.suite.ts';
export { InMemoryCatalog, InMemoryObjectStore } from './in-memory-lake.ts';
export { encodeStateCursor, InMemoryStateStore } from './in-memory-state-store.ts';
export { type ObjectStoreFixture, objectStoreBehaviour } from './object-store.suite.ts';
export { type QueryEngineFixture, queryEngineBehaviour } from './query-engine.suite.ts';
export { ManualClock, type StateStoreFixture, stateStoreBehaviour } from './state-store.suite.ts';
