/** The experiment definitions (an `AWS.AppConfig.FeatureFlags` document) break a rule; `message` says which. */
export class ExperimentConfigInvalidError extends Error {
  readonly code = 'ExperimentConfigInvalid';
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExperimentConfigInvalidError';
  }
}

/** No experiment (flag) with that key in the definitions. */
export class ExperimentNotFoundError extends Error {
  readonly code = 'ExperimentNotFound';
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExperimentNotFoundError';
  }
}

/** Data a statistical test cannot use (one variant, no rows, a non-numeric value, …). */
export class StatsInputInvalidError extends Error {
  readonly code = 'StatsInputInvalid';
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StatsInputInvalidError';
  }
}
