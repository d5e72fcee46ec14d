/** One neighbour of a query, as returned by `singleLookup` / `batchLookup`. */
export interface Lookup {
  /** Store id of the record. */
  readonly id: number;
  /** 1 for the nearest neighbour. */
  readonly rank: number;
  readonly distance: number;
  readonly label: number | null;
  /** The embedding as it was indexed (not normalised). */
  readonly embedding: Float32Array;
  readonly data: unknown;
}
