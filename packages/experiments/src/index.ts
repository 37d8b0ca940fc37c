export { type Assignment, assignVariant } from './assign.ts';
export { BUCKETS, type BucketRange, bucketOf, bucketRanges, variantOfBucket } from './bucketing.ts';
export { ExperimentConfigInvalidError, ExperimentNotFoundError, StatsInputInvalidError } from './errors.ts';
export { type Experiment, ExperimentCatalog } from './flags.ts';
export { sha256 } from './sha256.ts';
