import { LakeopsError } from '@lakeops/core';

/**
 * A console request the API refuses: its `status` (4xx) and a reason the JSON answer carries.
 * Codes: `NotFound`, `ViewUnknown`, `SilenceInvalid`, `BodyTooLarge`, `BodyInvalid`, `MethodNotAllowed`,
 * `UnsupportedMediaType`, `PrincipalUnknown`, `NodeUnknown`, `ParameterInvalid`.
 */
export class ConsoleRequestInvalidError extends LakeopsError {
  readonly status: number;
  constructor(status: number, code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { retryable: false, ...options });
    this.status = status;
  }
}
