/** The errors of the contracts package: a stable `code`, `retryable`, and the original error as `cause`. */

/** A schema the checker cannot read (not JSON Schema, or a `$ref` it cannot resolve). */
export class SchemaUnreadableError extends Error {
  readonly code = 'SchemaUnreadable';
  readonly retryable = false;
  /** Which of two compared schemas it was, when known. */
  readonly side: 'original' | 'update' | undefined;
  constructor(message: string, options: { cause?: unknown; side?: 'original' | 'update' } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SchemaUnreadableError';
    this.side = options.side;
  }
}

/** The base ref given to the gate is not a commit of the repository. */
export class GateBaseUnknownError extends Error {
  readonly code = 'GateBaseUnknown';
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GateBaseUnknownError';
  }
}

/** The gate needs each schema's whole history, and the clone is shallow (or not a git work tree). */
export class GateHistoryUnavailableError extends Error {
  readonly code = 'GateHistoryUnavailable';
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GateHistoryUnavailableError';
  }
}
