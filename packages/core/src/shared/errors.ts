/**
 * Base of every lakeops error: a stable `code` callers can branch on, a `retryable` flag the
 * Lambda chain's error policy reads (retryable → rethrow so Lambda/EventBridge retry; not
 * retryable → park in the dead-letter place with the reason), and the original error as `cause`.
 */
export class LakeopsError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(code: string, message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable;
  }
}

/** A domain rule refused the input: retrying cannot help. */
export class DomainRuleViolatedError extends LakeopsError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('DomainRuleViolated', message, { retryable: false, ...options });
  }
}

/** An event failed its contract (envelope, schema of its `detail-type`/`v`, PII guard). */
export class EventInvalidError extends LakeopsError {
  readonly reasons: readonly { pointer: string; message: string }[];
  constructor(message: string, reasons: readonly { pointer: string; message: string }[]) {
    super('EventInvalid', message, { retryable: false });
    this.reasons = reasons;
  }
}

/** A dependency (network, AWS API, disk) failed in a way that may pass on retry. */
export class DependencyUnavailableError extends LakeopsError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('DependencyUnavailable', message, { retryable: true, ...options });
  }
}

/**
 * Whether an error may succeed on retry. Errors that say so (`retryable`) are believed; anything
 * else is treated as transient, so that a bug or an outage is retried and then dead-lettered by
 * the platform rather than silently dropped.
 */
export function isRetryable(error: unknown): boolean {
  if (typeof error === 'object' && error !== null && 'retryable' in error) {
    return (error as { retryable: unknown }).retryable !== false;
  }
  return true;
}
