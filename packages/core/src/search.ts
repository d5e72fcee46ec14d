import type { Configurable } from './config.js';
import type { Distance } from './distance.js';
import type { EmbeddingBatch } from './embeddings.js';

/** What a Search backend can do; tests and callers check these flags. */
export interface SearchSupports {
  /** `remove(ids)` works. */
  readonly delete: boolean;
  /** `lookup(..., { filter })` works. */
  readonly filter: boolean;
  /** `save`/`load` write and read real data. */
  readonly persistence: boolean;
  /** Results are exact (ties in insertion order); false for approximate search. */
  readonly exact: boolean;
}

/** Neighbours of one query: ids and distances, closest first. */
export interface Neighbors {
  readonly ids: Int32Array;
  readonly distances: Float32Array;
}

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
  size(): number;
  /** Adds `embeddings.rows` vectors under `ids`. All or nothing: bad input changes nothing. */
  add(ids: ArrayLike<number>, embeddings: EmbeddingBatch): Promise<void>;
  /** Removes ids (needs `supports.delete`); unknown ids fail with NOT_FOUND and remove nothing. */
  remove(ids: ArrayLike<number>): Promise<void>;
  /**
   * The k nearest neighbours of each query, sorted by distance ascending
   * (ties in insertion order when exact). Fewer than k when the index is smaller.
   */
  lookup(queries: EmbeddingBatch, k: number, options?: LookupOptions): Promise<Neighbors[]>;
  /** Forgets every vector. */
  reset(): Promise<void>;
  /** Writes the index into the directory `dir` (created if needed). */
  save(dir: string): Promise<void>;
  /** Replaces this instance's content with what `save(dir)` wrote. */
  load(dir: string): Promise<void>;
}
