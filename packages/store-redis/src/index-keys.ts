import { describe, invalidArgument, SimkitError } from '@simkit/core';

/** Longest prefix accepted: keys stay short enough to read in redis-cli. */
export const MAX_PREFIX_LENGTH = 200;

/** Control, format and separator characters (and lone surrogates) make keys unreadable in redis-cli. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Z}]/u;

/** Why `value` is not a usable prefix, or undefined when it is. */
function prefixProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `it is ${describe(value)}`;
  if (value.length === 0) return 'it is empty';
  if (value.length > MAX_PREFIX_LENGTH) return `it has ${value.length} characters, more than ${MAX_PREFIX_LENGTH}`;
  if (value.includes('{') || value.includes('}')) {
    return `it contains '{' or '}', which the store adds itself to make the prefix a Redis Cluster hash tag`;
  }
  if (UNPRINTABLE.test(value)) return 'it contains spaces or unprintable characters';
  return undefined;
}

/** Checks a prefix given by the caller: INVALID_ARGUMENT naming `what` otherwise. */
export function checkPrefix(value: unknown, what: string): string {
  const problem = prefixProblem(value);
  if (problem !== undefined) {
    throw invalidArgument(
      `${what} must be a non-empty string of at most ${MAX_PREFIX_LENGTH} printable characters without spaces, '{' or '}' (e.g. 'products'); ${problem}.`,
    );
  }
  return value as string;
}

/** Checks a prefix read from a save: CORRUPT_INDEX otherwise, since the file is wrong, not the caller. */
export function checkSavedPrefix(value: unknown, where: string): string {
  const problem = prefixProblem(value);
  if (problem !== undefined) {
    throw new SimkitError(
      'CORRUPT_INDEX',
      `The prefix recorded in ${where} is not valid (${problem}); the save is damaged or was not written by RedisStore. Save the store again.`,
      { details: { where } },
    );
  }
  return value as string;
}

/** Characters that SCAN's MATCH pattern treats as wildcards. */
const GLOB = /[*?[\]\\]/g;

/**
 * The keys of one index. Every key starts with the hash tag `{prefix}`, so all of them live
 * in one Redis Cluster hash slot and one MULTI/EXEC can change them together.
 */
export class IndexKeys {
  readonly prefix: string;
  /** Hash: format, version, nextId, size, dim. */
  readonly meta: string;
  /** Sorted set of the live ids, each with its id as score. */
  readonly ids: string;
  /** SCAN MATCH pattern of every key of the index. */
  readonly pattern: string;
  private readonly recordStart: string;

  constructor(prefix: string) {
    this.prefix = prefix;
    const tag = `{${prefix}}:`;
    this.meta = `${tag}meta`;
    this.ids = `${tag}ids`;
    this.recordStart = `${tag}r:`;
    this.pattern = `${tag.replace(GLOB, '\\$&')}*`;
  }

  /** Hash of one record: `e` embedding, `l` label, `d` data. */
  record(id: number): string {
    return this.recordStart + id;
  }

  /** The id of a record key (`{prefix}:r:<id>`), or undefined for any other key. */
  recordId(key: string): number | undefined {
    if (!key.startsWith(this.recordStart)) return undefined;
    const digits = key.slice(this.recordStart.length);
    if (!/^(0|[1-9]\d{0,9})$/.test(digits)) return undefined;
    const id = Number(digits);
    return id <= 0x7fffffff ? id : undefined;
  }
}
