/**
 * `1 − q·k` for every query row against every key row, optionally clamped at 0.
 * Register blocking: four query rows against two key rows per pass, eight float64
 * accumulators in locals, so each key value is loaded once per four queries.
 * Every pair sums in the same order as `dotAt`, so results equal `compute`'s.
 * Returns the sum of all raw dot products: it is finite exactly when every input
 * value is, which lets callers check the inputs for free.
 */
export function oneMinusDotKernel(
  queries: Float32Array,
  keys: Float32Array,
  dim: number,
  rows: number,
  cols: number,
  out: Float32Array,
  clampAtZero: boolean,
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
        a0 += v0 * x;
        b0 += v0 * y;
        a1 += v1 * x;
        b1 += v1 * y;
        a2 += v2 * x;
        b2 += v2 * y;
        a3 += v3 * x;
        b3 += v3 * y;
      }
      guard += a0 + a1 + a2 + a3 + b0 + b1 + b2 + b3;
      const o = r0 + j;
      out[o] = oneMinus(a0, clampAtZero);
      out[o + 1] = oneMinus(b0, clampAtZero);
      out[o + cols] = oneMinus(a1, clampAtZero);
      out[o + cols + 1] = oneMinus(b1, clampAtZero);
      out[o + 2 * cols] = oneMinus(a2, clampAtZero);
      out[o + 2 * cols + 1] = oneMinus(b2, clampAtZero);
      out[o + 3 * cols] = oneMinus(a3, clampAtZero);
      out[o + 3 * cols + 1] = oneMinus(b3, clampAtZero);
    }
  }
  // Pairs outside the blocks: the odd last key of each query block, then the last rows % 4 queries.
  for (let i = 0; i < rows; i++) {
    for (let j = i < blockRows ? blockCols : 0; j < cols; j++) {
      const s = dotAt(queries, i * dim, keys, j * dim, dim);
      guard += s;
      out[i * cols + j] = oneMinus(s, clampAtZero);
    }
  }
  return guard;
}

function oneMinus(dot: number, clampAtZero: boolean): number {
  const d = 1 - dot;
  return clampAtZero && d < 0 ? 0 : d;
}

/** Dot product of `dim` values of `a` from `ao` and of `b` from `bo`, in float64. */
export function dotAt(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0;
  for (let t = 0; t < dim; t++) s += (a[ao + t] as number) * (b[bo + t] as number);
  return s;
}
