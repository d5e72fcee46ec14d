import type { Configurable } from './config.js';
import type { Distance } from './distance.js';
import type { EmbeddingBatch } from './embeddings.js';

/**
 * What a Search backend can do; tests and callers check these flags. A flag that is false
 * means the operation is really missing: it fails with `SimkitError` code `UNSUPPORTED`
 * before changing anything, and never silently does less.
 */
export interface SearchSupports {
  /** `remove(ids)` works. When false, `remove` throws UNSUPPORTED and removes nothing. */
  readonly delete: boolean;
  /**
   * `lookup(..., { filter })` works. When false, a lookup given a `filter` throws UNSUPPORTED
   * (it never ignores the filter); lookups without one work as usual.
   */
  readonly filter: boolean;
  /**
   * `save`/`load` write and read real data. When false, both throw UNSUPPORTED without
   * touching the directory (nothing is created or written) or the instance (its content stays).
   */
  readonly persistence: boolean;
  /**
   * Results are exact (ties in insertion order). False for approximate search: results are
   * still sorted by true distance, but may miss some of the true neighbours (recall < 1).
   */
  readonly exact: boolean;
  /**
   * Vectors live on a server that other processes may change at the same time (a pgvector
   * table). `size()` and `dim` then report what this instance last saw, `refresh()` reads
   * them again, and `save(dir)` records where the vectors live rather than copying them.
   * Absent means false.
   */
  readonly shared?: boolean;
}

/** Neighbours of one query: ids and distances, closest first. */
export interface Neighbors {
  readonly ids: Int32Array;
  readonly distances: Float32Array;
}

/** Options of a single `Search.add` call. */
export interface AddOptions {
  /**
   * The records' labels (integers, or null), one per vector, for backends that keep them next
   * to the vectors to filter on (a pgvector table's `label` column). Others ignore them.
   */
  readonly labels?: ArrayLike<number | null> | null;
}

/** Options of a single `Search.lookup` call. */
export interface LookupOptions {
  /** Keep only ids for which this returns true (needs `supports.filter`). */
  readonly filter?: (id: number) => boolean;
}

/**
 * A nearest-neighbour index over (id, vector) pairs.
 * Ids are chosen by the caller (the store assigns them); vectors are row-major batches.
 */
export interface Search extends Configurable {
  readonly supports: SearchSupports;
  readonly distance: Distance;
  /** Vector dimension, or undefined until the first add when not configured. */
  readonly dim: number | undefined;
  /** Number of vectors in the index. */
  size(): number;
  /** Adds `embeddings.rows` vectors under `ids`. All or nothing: bad input changes nothing. */
  add(ids: ArrayLike<number>, embeddings: EmbeddingBatch, options?: AddOptions): Promise<void>;
  /** Removes ids (needs `supports.delete`); unknown ids fail with NOT_FOUND and remove nothing. */
  remove(ids: ArrayLike<number>): Promise<void>;
  /**
   * The k nearest neighbours of each query, sorted by distance ascending
   * (ties in insertion order when exact). Fewer than k when the index is smaller.
   */
  lookup(queries: EmbeddingBatch, k: number, options?: LookupOptions): Promise<Neighbors[]>;
  /** Forgets every vector. */
  reset(): Promise<void>;
  /**
   * Writes the index into the directory `dir` (created if needed).
   * Without `supports.persistence` it throws UNSUPPORTED and writes nothing.
   */
  save(dir: string): Promise<void>;
  /**
   * Replaces this instance's content with what `save(dir)` wrote; a directory without a
   * valid save fails with CORRUPT_INDEX. Without `supports.persistence` it throws
   * UNSUPPORTED and leaves the instance as it was.
   */
  load(dir: string): Promise<void>;
  /**
   * Reads `size()` and `dim` again from where the vectors live; needed only by searches with
   * `supports.shared`, whose vectors other processes change. Connection problems are UNAVAILABLE.
   */
  refresh?(): Promise<void>;
  /** Frees what the backend holds outside the JS heap (a wasm graph, a pool); optional. */
  close?(): Promise<void>;
}
