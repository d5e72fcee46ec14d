/** Stable error codes. Codes never change between versions; messages may. */
export type SimkitErrorCode =
  | 'INVALID_ARGUMENT'
  | 'DIMENSION_MISMATCH'
  | 'NOT_CALIBRATED'
  | 'EMPTY_INDEX'
  | 'NOT_FOUND'
  | 'CORRUPT_INDEX'
  | 'UNSUPPORTED'
  | 'MISSING_COMPONENT'
  | 'LOCKED'
  | 'NOT_READY'
  | 'IO_ERROR'
  | 'UNAVAILABLE';

const MARKER = Symbol.for('@simkit/core/error');

/**
 * The one error class of simkit. `code` is stable and meant for programs;
 * `message` says what to do next and is meant for people.
 */
export class SimkitError extends Error {
  readonly code: SimkitErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly [MARKER] = true;

  constructor(
    code: SimkitErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SimkitError';
    this.code = code;
    this.details = options.details;
  }

  /** True for a SimkitError, also one thrown by another copy of this package. */
  static isInstance(error: unknown, code?: SimkitErrorCode): error is SimkitError {
    if (typeof error !== 'object' || error === null) return false;
    if ((error as Record<symbol, unknown>)[MARKER] !== true) return false;
    return code === undefined || (error as SimkitError).code === code;
  }
}

/** A SimkitError with code INVALID_ARGUMENT; `details` (if any) is attached as `error.details`. */
export function invalidArgument(message: string, details?: Record<string, unknown>): SimkitError {
  return new SimkitError('INVALID_ARGUMENT', message, details ? { details } : {});
}
