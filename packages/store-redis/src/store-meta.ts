import { SimkitError } from '@simkit/core';
import { FORMAT, REDIS_STORE_FORMAT_VERSION } from './layout-version.js';
import { type Arg, damaged } from './record-codec.js';

/** Fields of the meta hash, in the order `HMGET` asks for them. */
export const META_FIELDS = ['format', 'version', 'nextId', 'size', 'dim'] as const;

/** Ids stop below 2³¹ (they are int32). */
export const MAX_IDS = 0x80000000;

/** What the meta hash of an index says. */
export interface StoreMeta {
  /** Embedding dimension; null while nothing was ever added. */
  readonly dim: number | null;
  /** The id the next added record gets. */
  readonly nextId: number;
  /** Number of live records; always the cardinality of the ids set. */
  readonly size: number;
}

/** An index without a meta hash: nothing added since it was created or reset. */
export const EMPTY_META: StoreMeta = Object.freeze({ dim: null, nextId: 0, size: 0 });

/** The HSET that writes the whole meta hash. */
export function metaCommand(key: string, meta: StoreMeta): Arg[] {
  return [
    'HSET',
    key,
    'format',
    FORMAT,
    'version',
    String(REDIS_STORE_FORMAT_VERSION),
    'nextId',
    String(meta.nextId),
    'size',
    String(meta.size),
    'dim',
    String(meta.dim),
  ];
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
}

function count(value: string | null, min: number): number | undefined {
  if (value === null || !/^(0|[1-9]\d{0,15})$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= MAX_IDS ? n : undefined;
}

/**
 * Parses the reply of `HMGET meta format version nextId size dim`. No meta hash means an
 * empty index; anything malformed is CORRUPT_INDEX naming the key, a newer layout UNSUPPORTED.
 */
export function decodeMeta(reply: unknown, key: string): StoreMeta {
  if (!Array.isArray(reply) || reply.length !== META_FIELDS.length) throw damaged(key, 'it cannot be read as a hash');
  const [format, version, nextId, size, dim] = reply.map(text);
  if (reply.every((v) => v === null)) return EMPTY_META;
  if (format !== FORMAT) throw damaged(key, `its format is ${JSON.stringify(format)}, not '${FORMAT}'`);
  const v = count(version ?? null, 1);
  if (v === undefined) throw damaged(key, `its version is ${JSON.stringify(version)}`);
  if (v > REDIS_STORE_FORMAT_VERSION) {
    throw new SimkitError(
      'UNSUPPORTED',
      `The index at ${key} uses data layout version ${v}, newer than this package reads (${REDIS_STORE_FORMAT_VERSION}); upgrade @simkit/store-redis.`,
      { details: { key, version: v } },
    );
  }
  const n = count(nextId ?? null, 0);
  const s = count(size ?? null, 0);
  if (n === undefined || s === undefined || s > n) {
    throw damaged(key, `its nextId ${JSON.stringify(nextId)} and size ${JSON.stringify(size)} do not fit together`);
  }
  const d = count(dim ?? null, 1);
  if (d === undefined) throw damaged(key, `its dim is ${JSON.stringify(dim)}`);
  return { dim: d, nextId: n, size: s };
}

/** Checks that the meta's size is the number of ids in the ids set, read in the same transaction. */
export function checkSize(meta: StoreMeta, cardinality: unknown, metaKey: string, idsKey: string): StoreMeta {
  if (cardinality !== meta.size) {
    throw damaged(
      metaKey,
      `it says the index holds ${meta.size} records, but ${idsKey} lists ${String(cardinality)} ids`,
    );
  }
  return meta;
}
