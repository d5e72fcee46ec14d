import type { IndexStats } from '@simkit/indexer';

/** What `indexSummary()` returns: the Indexer's stats plus how the index and runtime are set up. */
export interface IndexSummary extends IndexStats {
  /** TensorFlow.js backend in use (`tensorflow`, `wasm`, `cpu`, …). */
  readonly backend: string;
  readonly distance: string;
  readonly embeddingSize: number;
  readonly embeddingOutput: number | null;
  /** Config type of the search backend, e.g. `linear-search`. */
  readonly search: string;
  /** Config type of the record store, e.g. `memory-store`. */
  readonly store: string;
  /** Config type of the evaluator. */
  readonly evaluator: string;
  readonly isCalibrated: boolean;
}
