import { SimkitError } from '@simkit/core';

/** Version of the on-disk format this package writes and reads. */
export const LEVEL_STORE_FORMAT_VERSION = 1;

const FORMAT_NAME = 'simkit-level-store';

/** The reserved key of the meta record: 0xff sorts after every record key. */
export const META_KEY: Uint8Array = Uint8Array.of(0xff, ...new TextEncoder().encode('simkit:meta'));

/** What the store keeps beside its records, written in the same atomic batch as them. */
export interface StoreMeta {
  /** Embedding dimension, null until the first record is added. */
  readonly dim: number | null;
  /** The id the next added record gets; ids are never reused until reset. */
  readonly nextId: number;
  /** Number of live records. */
  readonly size: number;
}

export const EMPTY_META: StoreMeta = Object.freeze({ dim: null, nextId: 0, size: 0 });

export function encodeMeta(meta: StoreMeta): Uint8Array {
  const body = { format: FORMAT_NAME, version: LEVEL_STORE_FORMAT_VERSION, ...meta };
  return new TextEncoder().encode(JSON.stringify(body));
}

/**
 * Parses and checks a meta record. `where` names the location for messages.
 * A newer format version fails with UNSUPPORTED; anything malformed with CORRUPT_INDEX.
 */
export function decodeMeta(bytes: Uint8Array, where: string): StoreMeta {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw badMeta(where, 'is not readable JSON', cause);
  }
  if (typeof parsed !== 'object' || parsed === null) throw badMeta(where, 'is not an object');
  const m = parsed as Record<string, unknown>;
  if (m.format !== FORMAT_NAME) throw badMeta(where, `names format ${JSON.stringify(m.format)}`);
  if (typeof m.version !== 'number' || !Number.isInteger(m.version) || m.version < 1) {
    throw badMeta(where, `has version ${JSON.stringify(m.version)}`);
  }
  if (m.version > LEVEL_STORE_FORMAT_VERSION) {
    throw new SimkitError(
      'UNSUPPORTED',
      `The level store at ${where} uses format version ${m.version}, newer than this package reads (${LEVEL_STORE_FORMAT_VERSION}); upgrade @simkit/store-level.`,
      { details: { location: where, version: m.version } },
    );
  }
  const { dim, nextId, size } = m;
  const isCount = (v: unknown): v is number =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0x80000000;
  if (dim !== null && !(isCount(dim) && dim >= 1)) throw badMeta(where, `has dimension ${JSON.stringify(dim)}`);
  if (!isCount(nextId) || !isCount(size) || size > nextId) {
    throw badMeta(where, `has next id ${JSON.stringify(nextId)} and size ${JSON.stringify(size)}`);
  }
  if (dim === null && size > 0) throw badMeta(where, `has ${size} records but no dimension`);
  return { dim, nextId, size };
}

function badMeta(where: string, what: string, cause?: unknown): SimkitError {
  return new SimkitError(
    'CORRUPT_INDEX',
    `The meta record of the level store at ${where} ${what}; the store is damaged or was written by another program. Restore it from a saved snapshot or open a new location.`,
    { details: { location: where }, ...(cause === undefined ? {} : { cause }) },
  );
}
