import { type ExactPeer, type KnnRows, reasonOf } from './exact-peer.js';

export type Usearch = typeof import('usearch');

/** The usearch module (native, prebuilt), or why it could not load. */
export async function loadUsearch(): Promise<Usearch | string> {
  try {
    const mod = await import('usearch');
    if (typeof mod.exactSearch !== 'function') return 'usearch has no exactSearch export';
    return mod;
  } catch (error) {
    return reasonOf(error);
  }
}

/** A copy when `a` is a view into a larger buffer, else `a` itself. */
function owning(a: Float32Array): Float32Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
}

/**
 * usearch's `exactSearch` (l2sq) over the caller's keys array: no index is built or copied.
 * Queries go in blocks of `queryBlock`: one call allocates a queries × n matrix of
 * (offset, distance) pairs twice (1.6 GB for 1,000 queries over 100k keys), which measured
 * slower than small blocks that stay in cache.
 */
export class UsearchExact implements ExactPeer {
  readonly label: string;
  readonly settings: Record<string, string | number | boolean>;
  private readonly keys: Float32Array;

  constructor(
    private readonly usearch: Usearch,
    keys: Float32Array,
    private readonly dim: number,
    private readonly threads: number,
    private readonly queryBlock: number,
  ) {
    // The binding reads a typed array from the start of its ArrayBuffer, ignoring byteOffset.
    this.keys = owning(keys);
    this.label = `usearch exactSearch, ${threads} thread${threads === 1 ? '' : 's'}`;
    this.settings = { metric: 'l2sq', threads, queryBlock, keys: "the caller's Float32Array, not copied" };
  }

  search(queries: Float32Array, rows: number, k: number): KnnRows {
    const { usearch, dim, queryBlock } = this;
    const ids = new Int32Array(rows * k);
    const distances = new Float32Array(rows * k);
    for (let start = 0; start < rows; start += queryBlock) {
      const r = Math.min(queryBlock, rows - start);
      const block = queries.slice(start * dim, (start + r) * dim);
      const found = usearch.exactSearch(this.keys, block, dim, k, usearch.MetricKind.L2sq, this.threads);
      const base = start * k;
      for (let j = 0; j < r * k; j++) {
        ids[base + j] = Number(found.keys[j]);
        distances[base + j] = Math.sqrt(found.distances[j] as number);
      }
    }
    return { ids, distances };
  }

  dispose(): void {}
}
