import { SimkitError } from '@simkit/core';

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

/** Turns a failure to open a LevelDB location into a SimkitError with an actionable message. */
export function openError(error: unknown, location: string, role: string): SimkitError {
  if (SimkitError.isInstance(error)) return error;
  const code = levelCode(error);
  if (code === 'LEVEL_LOCKED') {
    return new SimkitError(
      'LOCKED',
      `The ${role} at ${location} is already open in another process or another LevelStore of this process, and LevelDB allows only one at a time. Close the other one first, or work on a copy: save() it and load() the snapshot into a store at another location.`,
      { details: { location }, cause: error },
    );
  }
  return new SimkitError(
    'CORRUPT_INDEX',
    `Could not open the ${role} at ${location} as a LevelDB (${reason(error)}). If it is damaged, restore it from a saved snapshot; otherwise choose an empty or new location.`,
    { details: { location, levelCode: code }, cause: error },
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
  return new SimkitError(
    'CORRUPT_INDEX',
    `${operation} failed on the level store at ${location} (${reason(error)}). The store may be damaged; restore it from a saved snapshot.`,
    { details: { location, levelCode: code }, cause: error },
  );
}
