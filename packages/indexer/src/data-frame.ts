/**
 * A columnar snapshot of index records. Every numeric column is a typed array, so
 * Apache Arrow (`makeTable`, `makeData`) and similar libraries can wrap it without copying.
 */
export interface IndexDataFrame {
  readonly numRows: number;
  readonly embeddingSize: number;
  readonly columns: {
    /** Store ids. */
    readonly id: Int32Array;
    /** Labels; meaningful where `labelValid[i] === 1`. */
    readonly label: Int32Array;
    /** 1 where the record has a label, 0 where it has none. */
    readonly labelValid: Uint8Array;
    /** Row-major embeddings, `numRows × embeddingSize`. */
    readonly embedding: Float32Array;
    /** Per-record data (JSON values or null). */
    readonly data: unknown[];
  };
}
