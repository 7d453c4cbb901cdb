/**
 * The one error type the domain throws. `code` is the stable UPPER_SNAKE string that the API maps to
 * an HTTP status and that workflows use to mark business failures non-retryable; `message` is for
 * humans only and may change.
 */
export class DomainError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    // Keeps `instanceof DomainError` true even if a consumer compiles to an ES5 target.
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Narrows a caught `unknown`; with `code`, also checks which business rule failed. */
export function isDomainError(error: unknown, code?: string): error is DomainError {
  if (!(error instanceof DomainError)) return false;
  return code === undefined || error.code === code;
}
