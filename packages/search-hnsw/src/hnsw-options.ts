import { type Distance, type Logger, type ProgressHandler, describe, invalidArgument } from '@simkit/core';

/** Options of `new HnswSearch(...)`. */
export interface HnswSearchOptions {
  /** A distance name (`cosine`, `euclidean`, `squared_euclidean`, `inner_product`, or an alias) or a Distance. */
  readonly distance: string | Distance;
  /** Vector dimension; when omitted, the first `add` fixes it. */
  readonly dim?: number;
  /** Links per node per layer (level 0 has 2·M). Default 16. */
  readonly M?: number;
  /** Candidate list size while building. Default 200. */
  readonly efConstruction?: number;
  /** Candidate list size while searching (at least k is used). Default 50. */
  readonly efSearch?: number;
  /** Elements the graph has room for before it first grows. Default 1024. */
  readonly initialCapacity?: number;
  /** Seed of hnswlib's level generator. Default 100, as in hnswlib. */
  readonly seed?: number;
  /** Receives debug and warning messages. Default: silent. */
  readonly logger?: Logger;
  /** Receives progress of long adds. Default: none. */
  readonly onProgress?: ProgressHandler;
}

/** Largest vector dimension. */
export const MAX_DIM = 2 ** 20;

/** Largest M that hnswlib's 16-bit link counters allow at level 0 (2·M links). */
export const MAX_M = 0x7fff;

/** Checks an integer option in [min, max]. */
export function integerOption(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(`${name} must be an integer from ${min} to ${max}; got ${describe(value)}.`);
  }
  return value;
}
