/** k nearest neighbours of a batch of queries, row-major (`k` per query), nearest first. */
export interface KnnRows {
  readonly ids: Int32Array;
  /** Euclidean distances, as the system reports them. */
  readonly distances: Float32Array;
}

/** An exact kNN peer over one fixed set of keys: built once, then queried in batches. */
export interface ExactPeer {
  /** The row label in the bench table. */
  readonly label: string;
  /** Settings worth recording next to the figures (block sizes, threads, backend flags). */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  search(queries: Float32Array, rows: number, k: number): KnnRows;
  dispose(): void;
}

/** The first line of an error's message, for an "unavailable: <reason>" line. */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] || 'unknown error';
}
