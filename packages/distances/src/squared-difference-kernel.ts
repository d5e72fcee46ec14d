/**
 * `Σ(q−k)²` (or its square root) for every query row against every key row,
 * from direct differences, so near-duplicates stay accurate and identical rows
 * give exactly 0. Register blocking: four query rows against two key rows per
 * pass, eight float64 accumulators in locals. Every pair sums in the same order
 * as `squaredDifferenceAt`, so results equal `compute`'s. Returns the sum of all
 * squared sums, finite exactly when every input value is.
 */
export function squaredDifferenceKernel(
  queries: Float32Array,
  keys: Float32Array,
  dim: number,
  rows: number,
  cols: number,
  out: Float32Array,
  takeRoot: boolean,
): number {
  let guard = 0;
  const blockRows = rows - (rows % 4);
  const blockCols = cols - (cols % 2);
  for (let i = 0; i < blockRows; i += 4) {
    const q0 = i * dim;
    const q1 = q0 + dim;
    const q2 = q1 + dim;
    const q3 = q2 + dim;
    const r0 = i * cols;
    for (let j = 0; j < blockCols; j += 2) {
      const k0 = j * dim;
      const k1 = k0 + dim;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let t = 0; t < dim; t++) {
        const x = keys[k0 + t] as number;
        const y = keys[k1 + t] as number;
        const v0 = queries[q0 + t] as number;
        const v1 = queries[q1 + t] as number;
        const v2 = queries[q2 + t] as number;
        const v3 = queries[q3 + t] as number;
        let d = v0 - x;
        a0 += d * d;
        d = v0 - y;
        b0 += d * d;
        d = v1 - x;
        a1 += d * d;
        d = v1 - y;
        b1 += d * d;
        d = v2 - x;
        a2 += d * d;
        d = v2 - y;
        b2 += d * d;
        d = v3 - x;
        a3 += d * d;
        d = v3 - y;
        b3 += d * d;
      }
      guard += a0 + a1 + a2 + a3 + b0 + b1 + b2 + b3;
      const o = r0 + j;
      out[o] = takeRoot ? Math.sqrt(a0) : a0;
      out[o + 1] = takeRoot ? Math.sqrt(b0) : b0;
      out[o + cols] = takeRoot ? Math.sqrt(a1) : a1;
      out[o + cols + 1] = takeRoot ? Math.sqrt(b1) : b1;
      out[o + 2 * cols] = takeRoot ? Math.sqrt(a2) : a2;
      out[o + 2 * cols + 1] = takeRoot ? Math.sqrt(b2) : b2;
      out[o + 3 * cols] = takeRoot ? Math.sqrt(a3) : a3;
      out[o + 3 * cols + 1] = takeRoot ? Math.sqrt(b3) : b3;
    }
  }
  // Pairs outside the blocks: the odd last key of each query block, then the last rows % 4 queries.
  for (let i = 0; i < rows; i++) {
    for (let j = i < blockRows ? blockCols : 0; j < cols; j++) {
      const s = squaredDifferenceAt(queries, i * dim, keys, j * dim, dim);
      guard += s;
      out[i * cols + j] = takeRoot ? Math.sqrt(s) : s;
    }
  }
  return guard;
}

/** `Σ(a−b)²` over `dim` values of `a` from `ao` and of `b` from `bo`, in float64. */
export function squaredDifferenceAt(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0;
  for (let t = 0; t < dim; t++) {
    const d = (a[ao + t] as number) - (b[bo + t] as number);
    s += d * d;
  }
  return s;
}
