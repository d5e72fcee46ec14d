/** Lookup timing summary over the sliding window, in milliseconds per query. */
export interface LookupTimeStats {
  readonly min: number;
  readonly max: number;
  readonly avg: number;
  readonly median: number;
  readonly stddev: number;
}

/** What `Indexer.stats()` returns. */
export interface IndexStats {
  /** Records in the index. */
  readonly size: number;
  /** Queries looked up since creation or the last reset. */
  readonly numLookups: number;
  /** Per-query lookup time over the last `statBufferSize` queries (zeros before any lookup). */
  readonly lookupTimeMs: LookupTimeStats;
}

/** A fixed-size ring of the latest per-query lookup times. */
export class LookupTimings {
  private readonly buffer: Float64Array;
  private next = 0;
  private filled = 0;
  numLookups = 0;

  constructor(readonly capacity: number) {
    this.buffer = new Float64Array(capacity);
  }

  /** Records `queries` lookups that took `totalMs` together: each is counted at the average. */
  record(totalMs: number, queries: number): void {
    if (queries <= 0) return;
    const each = totalMs / queries;
    this.numLookups += queries;
    const n = Math.min(queries, this.capacity);
    for (let i = 0; i < n; i++) {
      this.buffer[this.next] = each;
      this.next = (this.next + 1) % this.capacity;
    }
    this.filled = Math.min(this.capacity, this.filled + n);
  }

  clear(): void {
    this.next = 0;
    this.filled = 0;
    this.numLookups = 0;
  }

  summary(): LookupTimeStats {
    if (this.filled === 0) return { min: 0, max: 0, avg: 0, median: 0, stddev: 0 };
    const values = this.buffer.slice(0, this.filled).sort();
    let sum = 0;
    for (const v of values) sum += v;
    const avg = sum / values.length;
    let sq = 0;
    for (const v of values) sq += (v - avg) * (v - avg);
    const m = values.length >> 1;
    const median = values.length % 2 ? (values[m] as number) : ((values[m - 1] as number) + (values[m] as number)) / 2;
    return {
      min: values[0] as number,
      max: values[values.length - 1] as number,
      avg,
      median,
      stddev: Math.sqrt(sq / values.length),
    };
  }
}
