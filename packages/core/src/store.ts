import type { Configurable } from './config.js';
import type { EmbeddingBatch } from './embeddings.js';

/**
 * What a Store backend can do; tests and callers check these flags. A missing operation
 * fails with `SimkitError` code `UNSUPPORTED` before changing anything.
 */
export interface StoreSupports {
  /** `delete(ids)` works. When false, `delete` throws UNSUPPORTED and deletes nothing. */
  readonly delete: boolean;
  /**
   * Records survive the process (on disk or IndexedDB) without an explicit save: closing the
   * store and opening its location again gives them back. When false, records live in the
   * instance only; `save`/`load` still work, and are how such a store is kept.
   */
  readonly persistence: boolean;
  /**
   * Records live on a server that other processes may change at the same time (a Redis
   * store). `size()` and `dim` then report what this instance last saw, `refresh()` reads
   * them again, and `save(dir)` records where the records live rather than copying them.
   * Absent means false.
   */
  readonly shared?: boolean;
}

/** One stored record: the embedding as given, an integer label or null, JSON data or null. */
export interface StoreRecord {
  readonly id: number;
  readonly embedding: Float32Array;
  readonly label: number | null;
  readonly data: unknown;
}

/** Labels for a batch: integers, or null for "no label". */
export type LabelsInput = ArrayLike<number | null> | null | undefined;

/**
 * Keeps records under consecutive integer ids from 0 (restarting after reset).
 */
export interface Store extends Configurable {
  readonly supports: StoreSupports;
  readonly dim: number | undefined;
  /** Number of live records. */
  size(): number;
  /** Adds records; returns their ids. All or nothing: bad input stores nothing. */
  add(embeddings: EmbeddingBatch, labels?: LabelsInput, data?: ArrayLike<unknown> | null): Promise<Int32Array>;
  /** Records for `ids`, in the order asked. Unknown or deleted ids fail with NOT_FOUND. */
  get(ids: ArrayLike<number>): Promise<StoreRecord[]>;
  /** Deletes ids (needs `supports.delete`); unknown ids fail with NOT_FOUND and delete nothing. */
  delete(ids: ArrayLike<number>): Promise<void>;
  /** Every live record in id order. */
  entries(): AsyncIterable<StoreRecord>;
  /** Deletes every record; the next add gets id 0 again. */
  reset(): Promise<void>;
  /**
   * Writes every record and the next id into the directory `dir`. Every store implements it,
   * whatever `supports.persistence` says, since an index save needs it; only where its runtime
   * offers no place to save (MemoryStore in a browser) may it throw UNSUPPORTED.
   */
  save(dir: string): Promise<void>;
  /**
   * Replaces this instance's records and next id with what `save(dir)` wrote; a directory
   * without a valid save fails with CORRUPT_INDEX. Same availability as `save`.
   */
  load(dir: string): Promise<void>;
  /**
   * Reads `size()` and `dim` again from where the records live; needed only by stores with
   * `supports.shared`, whose records other processes change. Connection problems are UNAVAILABLE.
   */
  refresh?(): Promise<void>;
  /** Releases files and handles; the default stores need nothing. */
  close?(): Promise<void>;
}
