import { isRetryable, LakeopsError } from '@lakeops/core';

/** A model could not be built; its table keeps the data it had. */
export class ModelBuildFailedError extends LakeopsError {
  readonly model: string;
  constructor(model: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('ModelBuildFailed', `model ${model} failed: ${reason}`, {
      retryable: isRetryable(cause),
      cause,
    });
    this.model = model;
  }
}

/** The lake holds no Bronze data to build from. */
export class LakeEmptyError extends LakeopsError {
  constructor(message = 'the lake has no Bronze events: run `lakeops seed` first') {
    super('LakeEmpty', message, { retryable: false });
  }
}

/** The seed was stopped (Ctrl-C) before it finished; Bronze holds the days before `day`. */
export class SeedCancelledError extends LakeopsError {
  constructor(day: string) {
    super('SeedCancelled', `seed cancelled before ${day}; run lakeops seed again for a whole lake`, {
      retryable: true,
    });
  }
}

/** The lineage cannot be derived: a model reads a table the catalog does not know, a table has no producer, … */
export class LineageInvalidError extends LakeopsError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('LineageInvalid', `lineage: ${problems.join('; ')}`, { retryable: false });
    this.problems = problems;
  }
}
