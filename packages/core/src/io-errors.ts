import { SimkitError } from './errors.js';

/** errno codes that mean the operating system failed, not that the files are wrong. */
const OS_FAILURES = new Set([
  'ENOSPC',
  'EDQUOT',
  'EACCES',
  'EPERM',
  'EROFS',
  'EIO',
  'EMFILE',
  'ENFILE',
  'EBUSY',
  'ENOMEM',
  'ETXTBSY',
  'EAGAIN',
]);

/** The errno code of a Node.js error, if it has one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `error` is a failure of the OS (full disk, no permission, read-only mount, I/O error). */
export function isOsFailure(error: unknown): boolean {
  const code = errnoCode(error);
  return code !== undefined && OS_FAILURES.has(code);
}

const ADVICE: Record<string, string> = {
  ENOSPC: 'the disk is full; free some space and try again',
  EDQUOT: 'the disk quota is exhausted; free some space and try again',
  EACCES: 'permission denied; check who owns the directory',
  EPERM: 'the operation is not permitted; check who owns the directory',
  EROFS: 'the file system is mounted read-only',
  EIO: 'the device reported an I/O error; check the disk',
  EMFILE: 'too many open files in this process; close some and try again',
  ENFILE: 'too many open files on this system; try again later',
};

/** An IO_ERROR for an OS failure, with the cause attached and advice in the message. */
export function ioError(what: string, cause: unknown, details?: Record<string, unknown>): SimkitError {
  const code = errnoCode(cause) ?? 'unknown';
  const advice = ADVICE[code] ?? (cause instanceof Error ? cause.message : String(cause));
  return new SimkitError('IO_ERROR', `${what} failed: ${advice} (${code}).`, {
    cause,
    details: { ...details, errno: code },
  });
}

/**
 * Turns whatever a file operation threw into a SimkitError: SimkitErrors pass through,
 * OS failures become IO_ERROR, and anything else is handed to `other`.
 */
export function fileError(what: string, cause: unknown, other: (cause: unknown) => SimkitError): SimkitError {
  if (SimkitError.isInstance(cause)) return cause;
  if (isOsFailure(cause)) return ioError(what, cause);
  return other(cause);
}
