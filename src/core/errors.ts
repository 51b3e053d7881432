/**
 * One error type for the whole product. The code is a closed union so every layer (CLI exit codes, HTTP statuses, SDK) maps it
 * the same way, and an error keeps its code when it crosses the wire.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT' // a value given by the user is wrong (names the field)
  | 'USAGE' // the command line itself is malformed
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNAVAILABLE' // a dependency (port, service) cannot be used right now
  | 'INTERNAL';

const HTTP_STATUS: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  USAGE: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  PAYLOAD_TOO_LARGE: 413,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/**
 * @example
 * throw new CapstanError('INVALID_ARGUMENT', 'target column "churn" not found in telco.csv (columns: a, b, c)');
 */
export class CapstanError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'CapstanError';
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

/** Shorthand for the most common error: a user-supplied value that is wrong. */
export function invalid(message: string): CapstanError {
  return new CapstanError('INVALID_ARGUMENT', message);
}

export function notFound(message: string): CapstanError {
  return new CapstanError('NOT_FOUND', message);
}

/** What `p` gives, or null when it fails with NOT_FOUND (other failures pass through). */
export async function orNullIfNotFound<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof CapstanError && e.code === 'NOT_FOUND') return null;
    throw e;
  }
}

export function isCapstanError(e: unknown): e is CapstanError {
  return e instanceof CapstanError;
}
