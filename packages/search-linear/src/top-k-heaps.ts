/**
 * Bounded top-k selection for a block of queries: one max-heap of at most `k`
 * (distance, key) pairs per query, held in shared typed arrays so that selecting
 * never allocates. Distances are kept in float64, so float32 distances and float64
 * scores are both held exactly. Pairs are ordered by distance, then by key; keys are positions
 * in insertion order, so equal distances keep insertion order.
 */
export class TopKHeaps {
  private distances: Float64Array = new Float64Array(0);
  private keys: Int32Array = new Int32Array(0);
  private sizes: Int32Array = new Int32Array(0);
  private k = 0;

  /** Prepares `heaps` empty heaps of capacity `k`, reusing memory when it is large enough. */
  reset(heaps: number, k: number): void {
    const need = heaps * k;
    if (this.distances.length < need) {
      this.distances = new Float64Array(need);
      this.keys = new Int32Array(need);
    }
    if (this.sizes.length < heaps) this.sizes = new Int32Array(heaps);
    this.sizes.fill(0, 0, heaps);
    this.k = k;
  }

  /**
   * Offers `n` candidates to heap `h`: distances `block[from + j]` for keys `firstKey + j`.
   * With a `mask`, a key is skipped when `mask[key]` is 0. Keys must grow from call to call.
   */
  offer(h: number, block: Float32Array, from: number, n: number, firstKey: number, mask: Uint8Array | null): void {
    const k = this.k;
    const off = h * k;
    const dist = this.distances;
    let size = this.sizes[h] as number;
    let j = 0;
    // Filling phase: every eligible candidate enters until the heap is full.
    for (; j < n && size < k; j++) {
      const key = firstKey + j;
      if (mask !== null && mask[key] === 0) continue;
      this.siftUp(off, size, block[from + j] as number, key);
      size++;
    }
    this.sizes[h] = size;
    if (j === n) return;
    // Steady phase: keys only grow, so a candidate wins exactly when its distance is below the worst kept one.
    let worst = dist[off] as number;
    if (mask === null) {
      for (; j < n; j++) {
        const d = block[from + j] as number;
        if (d < worst) {
          this.siftDown(off, k, d, firstKey + j);
          worst = dist[off] as number;
        }
      }
    } else {
      for (; j < n; j++) {
        const d = block[from + j] as number;
        if (d < worst && mask[firstKey + j] !== 0) {
          this.siftDown(off, k, d, firstKey + j);
          worst = dist[off] as number;
        }
      }
    }
  }

  /** The largest distance heap `h` keeps, or +Infinity while it holds fewer than k pairs. */
  worst(h: number): number {
    return (this.sizes[h] as number) < this.k ? Number.POSITIVE_INFINITY : (this.distances[h * this.k] as number);
  }

  /**
   * Offers one candidate to heap `h`. Keys must grow from call to call; callers skip a
   * candidate whose distance is not below `worst(h)`, which then cannot enter.
   */
  push(h: number, d: number, key: number): void {
    const size = this.sizes[h] as number;
    if (size < this.k) {
      this.siftUp(h * this.k, size, d, key);
      this.sizes[h] = size + 1;
    } else {
      this.siftDown(h * this.k, this.k, d, key);
    }
  }

  /** Number of pairs held by heap `h`. */
  size(h: number): number {
    return this.sizes[h] as number;
  }

  /**
   * Empties heap `h` into `outKeys`/`outDistances` (length ≥ its size), sorted ascending
   * by (distance, key). Returns how many pairs were written.
   */
  drain(h: number, outKeys: Int32Array, outDistances: Float32Array | Float64Array): number {
    const off = h * this.k;
    const dist = this.distances;
    const keys = this.keys;
    const size = this.sizes[h] as number;
    // Heap sort in place: move the current maximum behind the shrinking heap.
    for (let end = size - 1; end > 0; end--) {
      const d = dist[off + end] as number;
      const key = keys[off + end] as number;
      dist[off + end] = dist[off] as number;
      keys[off + end] = keys[off] as number;
      this.siftDown(off, end, d, key);
    }
    for (let i = 0; i < size; i++) {
      outDistances[i] = dist[off + i] as number;
      outKeys[i] = keys[off + i] as number;
    }
    this.sizes[h] = 0;
    return size;
  }

  /** Places (d, key) at position `size` and moves it up to restore the heap. */
  private siftUp(off: number, size: number, d: number, key: number): void {
    const dist = this.distances;
    const keys = this.keys;
    let i = size;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pd = dist[off + parent] as number;
      const pk = keys[off + parent] as number;
      if (pd > d || (pd === d && pk > key)) break;
      dist[off + i] = pd;
      keys[off + i] = pk;
      i = parent;
    }
    dist[off + i] = d;
    keys[off + i] = key;
  }

  /** Puts (d, key) at the root of a heap of `size` pairs and moves it down to restore the heap. */
  private siftDown(off: number, size: number, d: number, key: number): void {
    const dist = this.distances;
    const keys = this.keys;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      let child = left;
      let cd = dist[off + left] as number;
      let ck = keys[off + left] as number;
      const right = left + 1;
      if (right < size) {
        const rd = dist[off + right] as number;
        const rk = keys[off + right] as number;
        if (rd > cd || (rd === cd && rk > ck)) {
          child = right;
          cd = rd;
          ck = rk;
        }
      }
      if (cd < d || (cd === d && ck < key)) break;
      dist[off + i] = cd;
      keys[off + i] = ck;
      i = child;
    }
    dist[off + i] = d;
    keys[off + i] = key;
  }
}
