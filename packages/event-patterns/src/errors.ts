/**
 * An event pattern that EventBridge would reject. `message` is event-ruler's own text, the part AWS
 * returns after `Event pattern is not valid. Reason: `.
 */
export class InvalidEventPatternError extends Error {
  readonly code = 'InvalidEventPattern';
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidEventPatternError';
  }

  /** The message as the EventBridge API words it (InvalidEventPatternException). */
  get awsMessage(): string {
    return `Event pattern is not valid. Reason: ${this.message}`;
  }
}

/**
 * The `Event` given to TestEventPattern is not valid JSON, not an object, or lacks one of id, source,
 * detail-type, account, region, time (AWS: `ValidationException: Parameter Event is not valid`).
 */
export class InvalidTestEventError extends Error {
  readonly code = 'ValidationException';
  readonly retryable = false;

  constructor(message = 'Parameter Event is not valid', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidTestEventError';
  }
}
