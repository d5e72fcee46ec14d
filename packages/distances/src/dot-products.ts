import { checkFloat64Out, checkRows, nonFiniteError } from './input-checks.js';

/**
 * Raw dot products `q·k` of every query row with every key row, in float64, into
 * `out` [rows, cols] row-major (allocated when not given; it may be longer than
 * `rows·cols`). Each pair sums its products in index order, the same order as
 * `squaredNorms`, so `q·q` equals `squaredNorms(q)` bit for bit and the expansion
 * `‖q‖² − 2q·k + ‖k‖²` of a vector against itself is exactly 0.
 * Throws `INVALID_ARGUMENT` for NaN or ±Infinity in the inputs.
 */
export function dotProducts(queries: Float32Array, keys: Float32Array, dim: number, out?: Float64Array): Float64Array {
  const rows = checkRows(queries, dim, 'dotProducts: queries');
  const cols = checkRows(keys, dim, 'dotProducts: keys');
  const res = checkFloat64Out(out, rows * cols, `dotProducts: ${rows} queries × ${cols} keys`);
  const guard = dotProductKernel(queries, keys, dim, rows, cols, res);
  if (guard - guard !== 0) throw nonFiniteError('dotProducts', queries, keys, dim);
  return res;
}

/**
 * The unchecked kernel of `dotProducts`. Register blocking: four query rows against
 * two key rows per pass (eight float64 accumulators), with the loop over `dim`
 * unrolled twice; unrolling keeps each pair's summation in index order. Measured
 * (Node 20, 64 × 256 × dim 128) about 1.15× the direct-difference kernel; 4 × 4
 * blocks and ×4 unrolling were no faster or slower (registers spill).
 * Returns the sum of all dot products: finite exactly when every input value is
 * (float32 inputs cannot overflow a float64 sum).
 */
export function dotProductKernel(
  queries: Float32Array,
  keys: Float32Array,
  dim: number,
  rows: number,
  cols: number,
  out: Float64Array,
): number {
  let guard = 0;
  const blockRows = rows - (rows % 4);
  const blockCols = cols - (cols % 2);
  const pairedDim = dim - (dim % 2);
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
      let t = 0;
      for (; t < pairedDim; t += 2) {
        let x = keys[k0 + t] as number;
        let y = keys[k1 + t] as number;
        let v0 = queries[q0 + t] as number;
        let v1 = queries[q1 + t] as number;
        let v2 = queries[q2 + t] as number;
        let v3 = queries[q3 + t] as number;
        a0 += v0 * x;
        b0 += v0 * y;
        a1 += v1 * x;
        b1 += v1 * y;
        a2 += v2 * x;
        b2 += v2 * y;
        a3 += v3 * x;
        b3 += v3 * y;
        x = keys[k0 + t + 1] as number;
        y = keys[k1 + t + 1] as number;
        v0 = queries[q0 + t + 1] as number;
        v1 = queries[q1 + t + 1] as number;
        v2 = queries[q2 + t + 1] as number;
        v3 = queries[q3 + t + 1] as number;
        a0 += v0 * x;
        b0 += v0 * y;
        a1 += v1 * x;
        b1 += v1 * y;
        a2 += v2 * x;
        b2 += v2 * y;
        a3 += v3 * x;
        b3 += v3 * y;
      }
      if (t < dim) {
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
      out[o] = a0;
      out[o + 1] = b0;
      out[o + cols] = a1;
      out[o + cols + 1] = b1;
      out[o + 2 * cols] = a2;
      out[o + 2 * cols + 1] = b2;
      out[o + 3 * cols] = a3;
      out[o + 3 * cols + 1] = b3;
    }
  }
  // Pairs outside the blocks: the odd last key of each query block, then the last rows % 4 queries.
  for (let i = 0; i < rows; i++) {
    for (let j = i < blockRows ? blockCols : 0; j < cols; j++) {
      const s = dotAt(queries, i * dim, keys, j * dim, dim);
      guard += s;
      out[i * cols + j] = s;
    }
  }
  return guard;
}

/** Dot product of `dim` values of `a` from `ao` and of `b` from `bo`, in float64, summed in index order. */
export function dotAt(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0;
  for (let t = 0; t < dim; t++) s += (a[ao + t] as number) * (b[bo + t] as number);
  return s;
}
