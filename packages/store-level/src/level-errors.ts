import { ioError, isOsFailure, SimkitError } from '@simkit/core';

interface CodedError {
  code?: unknown;
  cause?: unknown;
  message?: unknown;
}

/** The most specific level error code of an error: the cause's code when opening failed. */
export function levelCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as CodedError;
  if (e.code === 'LEVEL_DATABASE_NOT_OPEN' && typeof e.cause === 'object' && e.cause !== null) {
    const inner = (e.cause as CodedError).code;
    if (typeof inner === 'string') return inner;
  }
  return typeof e.code === 'string' ? e.code : undefined;
}

function reason(error: unknown): string {
  const e = error as CodedError | null;
  const inner = e?.cause as CodedError | undefined;
  const text = typeof inner?.message === 'string' ? inner.message : e?.message;
  return typeof text === 'string' ? text : String(error);
}

/**
 * How LevelDB spells OS failures in its messages ("IO error: <file>: <strerror>"):
 * glibc and macOS strerror texts, and the Windows system messages. Longer texts first,
 * so "Too many open files in system" is not taken for "Too many open files".
 */
const OS_FAILURE_TEXTS: ReadonlyArray<readonly [string, string]> = [
  ['no space left on device', 'ENOSPC'],
  ['not enough space on the disk', 'ENOSPC'],
  ['disk quota exceeded', 'EDQUOT'],
  ['disc quota exceeded', 'EDQUOT'],
  ['read-only file system', 'EROFS'],
  ['media is write protected', 'EROFS'],
  ['permission denied', 'EACCES'],
  ['access is denied', 'EACCES'],
  ['operation not permitted', 'EPERM'],
  ['input/output error', 'EIO'],
  ['too many open files in system', 'ENFILE'],
  ['too many open files', 'EMFILE'],
  ['cannot allocate memory', 'ENOMEM'],
  ['device or resource busy', 'EBUSY'],
];

/**
 * The errno code of an OS failure behind a LevelDB error, if it is one. LevelDB reports
 * every file-system error as "IO error", including missing files of a damaged database,
 * so only the failures of the OS itself (full disk, no permission, read-only mount,
 * device error) count; the rest means the files are wrong.
 */
export function levelOsFailure(error: unknown): string | undefined {
  const code = levelCode(error);
  // A Node.js file error, itself or as the cause of a failed open (classic-level creates the directory first).
  if (code !== undefined && isOsFailure({ code })) return code;
  if (code !== 'LEVEL_IO_ERROR') return undefined;
  const text = reason(error).toLowerCase();
  for (const [fragment, errno] of OS_FAILURE_TEXTS) if (text.includes(fragment)) return errno;
  return undefined;
}

/** IO_ERROR for an OS failure behind a level or file error; undefined when it is not one. */
export function osFailureError(error: unknown, what: string, location: string): SimkitError | undefined {
  const errno = levelOsFailure(error);
  if (errno === undefined) return undefined;
  // A stand-in carrying the errno, so core words the advice; the original error stays its cause.
  const cause = isOsFailure(error) ? error : Object.assign(new Error(reason(error), { cause: error }), { code: errno });
  return ioError(what, cause, { location });
}

/** Turns a failure to open a LevelDB location into a SimkitError with an actionable message. */
export function openError(error: unknown, location: string, role: string): SimkitError {
  if (SimkitError.isInstance(error)) return error;
  const code = levelCode(error);
  if (code === 'LEVEL_LOCKED') return lockedError(location, role, error);
  const os = osFailureError(error, `Opening the ${role} at ${location}`, location);
  if (os !== undefined) return os;
  return new SimkitError(
    'CORRUPT_INDEX',
    `Could not open the ${role} at ${location} as a LevelDB (${reason(error)}). If it is damaged, restore it from a saved snapshot; otherwise choose an empty or new location.`,
    { details: { location, levelCode: code }, cause: error },
  );
}

/** LOCKED: the location is open elsewhere (another process, or another LevelStore of this one). */
export function lockedError(location: string, role: string, cause?: unknown): SimkitError {
  return new SimkitError(
    'LOCKED',
    `The ${role} at ${location} is already open in another process or another LevelStore of this process, and LevelDB allows only one at a time. Close the other one first, or work on a copy: save() it and load() the snapshot into a store at another location.`,
    { details: { location }, ...(cause === undefined ? {} : { cause }) },
  );
}

/** Wraps an unexpected level failure during an operation. */
export function operationError(error: unknown, operation: string, location: string): SimkitError {
  if (SimkitError.isInstance(error)) return error;
  const code = levelCode(error);
  if (code === 'LEVEL_DATABASE_NOT_OPEN' || code === 'LEVEL_ITERATOR_NOT_OPEN') {
    return new SimkitError(
      'NOT_READY',
      `The level store at ${location} is closed; open it again with LevelStore.open().`,
      {
        cause: error,
      },
    );
  }
  const os = osFailureError(error, `${operation} on the level store at ${location}`, location);
  if (os !== undefined) return os;
  return new SimkitError(
    'CORRUPT_INDEX',
    `${operation} failed on the level store at ${location} (${reason(error)}). The store may be damaged; restore it from a saved snapshot.`,
    { details: { location, levelCode: code }, cause: error },
  );
}
