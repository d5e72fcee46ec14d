import { writeSave } from './atomic-save.js';
import { describe } from './embeddings.js';
import { SimkitError, invalidArgument } from './errors.js';
import { fileError } from './io-errors.js';
import { nodeFiles } from './node-files.js';
import { openSave } from './open-save.js';

/**
 * Helpers shared by backends whose data lives on a server (PostgreSQL, Redis): call
 * timeouts that end in UNAVAILABLE, connection URLs without their password, and the small
 * save that records where the data lives.
 */

/** Longest timeout a call accepts: 24 days, the largest a Node timer keeps. */
export const MAX_TIMEOUT_MS = 0x7fffffff;

/**
 * Checks a timeout option: an integer number of milliseconds from 1 to 2³¹ − 1;
 * `undefined` gives `fallback`.
 */
export function checkTimeout(value: unknown, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
    throw invalidArgument(
      `${what} must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}; got ${describe(value)}.`,
    );
  }
  return value;
}

/**
 * A SimkitError with code UNAVAILABLE: the server could not be reached, the connection was
 * lost, or a call took longer than its timeout. Nothing is known to have changed unless
 * `message` says so; retry once the server answers again.
 */
export function unavailable(message: string, cause?: unknown, details?: Record<string, unknown>): SimkitError {
  return new SimkitError('UNAVAILABLE', message, {
    ...(details === undefined ? {} : { details }),
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Settles like `work`, or rejects with `onTimeout()` when `work` has not settled after `ms`
 * milliseconds. The timer never keeps a Node process alive. `work` itself is not stopped:
 * pass a way to abandon it (closing a connection) in `onTimeout` when it matters.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    (timer as { unref?: () => void }).unref?.();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `url` without its password (user name, host, port, path and query stay), for configs,
 * saves and messages. A string that is not a URL with a host is returned unchanged when it
 * holds no `@` (a host name), and as `'(hidden)'` otherwise, so nothing secret leaks.
 */
export function withoutPassword(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  // Without a host ('user:pw@…' parses as a scheme and a path), a password cannot be told apart.
  if (parsed === undefined || parsed.host === '') return url.includes('@') ? '(hidden)' : url;
  if (parsed.password === '') return url;
  parsed.password = '';
  return parsed.toString();
}

/** Largest reference a server-backed save holds: a few hundred bytes in practice. */
const MAX_REFERENCE_BYTES = 64 * 1024;

/**
 * Writes `reference` (a JSON object saying where a server-backed backend's data lives) as
 * `file` in an atomic save of `kind` in `dir` (core's `writeSave`). It must not hold a password.
 */
export async function writeReferenceSave(dir: string, kind: string, file: string, reference: object): Promise<void> {
  const text = `${JSON.stringify(reference, null, 2)}\n`;
  const { fs, path } = await nodeFiles();
  await writeSave(dir, kind, async (gen) => {
    try {
      await fs.writeFile(path.join(gen, file), text);
    } catch (cause) {
      throw fileError(`Writing ${file}`, cause, (c) =>
        invalidArgument(`Could not write ${file} into '${dir}' (${String(c)}).`),
      );
    }
  });
}

/**
 * Reads the JSON object `writeReferenceSave` wrote: the save's manifest and checksum are
 * checked first, so a damaged or foreign directory is CORRUPT_INDEX.
 */
export async function readReferenceSave(dir: string, kind: string, file: string): Promise<Record<string, unknown>> {
  const saved = await openSave(dir, kind);
  const text = await saved.readText(file, { maxBytes: MAX_REFERENCE_BYTES });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SimkitError('CORRUPT_INDEX', `${file} in '${dir}' is not a JSON object; save the backend again.`, {
      details: { dir },
    });
  }
  return value as Record<string, unknown>;
}
