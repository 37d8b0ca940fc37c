export { aDeployFailedEvent, anEvent } from './events.ts';
export { InMemoryDeadLetter, RecordingNotifier } from './fakes.ts';
export { InMemoryLakePermissions } from './in-memory-lake-permissions.ts';
export {
  changedFolders,
  filesUnder,
  payoutBacklogAgainstSilverSql,
  writeBronzeEvents,
} from './lake-files.ts';
export { seededRandom } from './seeded-random.ts';
export { readConformance, repoRoot, sharedDir } from './shared-data.ts';
export { type Bundle, bundleAsSst, bundledInputs, localOnlyInputs } from './sst-bundle.ts';
export * from './suites/index.ts';
