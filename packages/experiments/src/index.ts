export { type Assignment, assignVariant } from './assign.ts';
export { BUCKETS, type BucketRange, bucketOf, bucketRanges, variantOfBucket } from './bucketing.ts';
export { ExperimentConfigInvalidError, ExperimentNotFoundError, StatsInputInvalidError } from './errors.ts';
export { type Experiment, ExperimentCatalog } from './flags.ts';
export { sha256 } from './sha256.ts';
export {
  type AnalyzeOptions,
  analyzeMetric,
  type MetricResult,
  parseUnitCsv,
  type UnitRow,
} from './stats/analyze.ts';
export {
  DEFAULT_POWER,
  detectableEffectSize,
  detectableMultiple,
  detectionProbability,
  sampleSizeForEffect,
  twoSamplePower,
} from './stats/power.ts';
export {
  chiSquareSf,
  erfc,
  lnBeta,
  lnGamma,
  normalCdf,
  normalIsf,
  normalSf,
  regularizedBeta,
  studentTIsf,
  studentTSf,
  studentTTwoSided,
} from './stats/special.ts';
export {
  type Comparison,
  type Counts,
  type CupedUnit,
  cupedAdjust,
  SEQUENTIAL_TUNING_N,
  type SrmResult,
  type Summary,
  sampleRatioMismatch,
  sequentialInterval,
  summarize,
  twoProportionZTest,
  welchTTest,
} from './stats/tests.ts';
