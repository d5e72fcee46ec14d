import type { Configurable } from './config.js';
import type { EmbeddingBatch } from './embeddings.js';

export interface StoreSupports {
  readonly delete: boolean;
  /** Records survive the process (on disk or IndexedDB) without an explicit save. */
  readonly persistence: boolean;
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
  reset(): Promise<void>;
  save(dir: string): Promise<void>;
  load(dir: string): Promise<void>;
  /** Releases files and handles; the default stores need nothing. */
  close?(): Promise<void>;
}
