/**
 * Sum of squared deviations from the mean of each row (`D · var`, population),
 * two-pass in float64, into `out[row]`. A constant row gives exactly 0.
 */
export function rowSumsOfSquares(data: Float32Array, dim: number, rows: number, out: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    const o = i * dim;
    let sum = 0;
    for (let t = 0; t < dim; t++) sum += data[o + t] as number;
    const mean = sum / dim;
    let ss = 0;
    for (let t = 0; t < dim; t++) {
      const c = (data[o + t] as number) - mean;
      ss += c * c;
    }
    out[i] = ss;
  }
}

/**
 * `var(q−k) / var(q)` for every query row against every key row, given each query
 * row's sum of squares `querySS` (must be > 0). The noise variance is accumulated
 * in one pass, shifted by the first difference to avoid cancellation. Four query
 * rows share each pass over a key row. Returns a sum that is finite exactly when
 * every input value is.
 */
export function snrKernel(
  queries: Float32Array,
  keys: Float32Array,
  dim: number,
  rows: number,
  cols: number,
  out: Float32Array,
  querySS: Float64Array,
): number {
  let guard = 0;
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const q0 = i * dim;
    const q1 = q0 + dim;
    const q2 = q1 + dim;
    const q3 = q2 + dim;
    const r0 = i * cols;
    const r1 = r0 + cols;
    const r2 = r1 + cols;
    const r3 = r2 + cols;
    const v0 = querySS[i] as number;
    const v1 = querySS[i + 1] as number;
    const v2 = querySS[i + 2] as number;
    const v3 = querySS[i + 3] as number;
    for (let j = 0; j < cols; j++) {
      const k0 = j * dim;
      const kf = keys[k0] as number;
      const c0 = (queries[q0] as number) - kf;
      const c1 = (queries[q1] as number) - kf;
      const c2 = (queries[q2] as number) - kf;
      const c3 = (queries[q3] as number) - kf;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let t = 1; t < dim; t++) {
        const kv = keys[k0 + t] as number;
        const d0 = (queries[q0 + t] as number) - kv - c0;
        const d1 = (queries[q1 + t] as number) - kv - c1;
        const d2 = (queries[q2 + t] as number) - kv - c2;
        const d3 = (queries[q3 + t] as number) - kv - c3;
        a0 += d0;
        a1 += d1;
        a2 += d2;
        a3 += d3;
        b0 += d0 * d0;
        b1 += d1 * d1;
        b2 += d2 * d2;
        b3 += d3 * d3;
      }
      guard += c0 + c1 + c2 + c3 + b0 + b1 + b2 + b3;
      out[r0 + j] = noiseRatio(a0, b0, dim, v0);
      out[r1 + j] = noiseRatio(a1, b1, dim, v1);
      out[r2 + j] = noiseRatio(a2, b2, dim, v2);
      out[r3 + j] = noiseRatio(a3, b3, dim, v3);
    }
  }
  for (; i < rows; i++) {
    const q0 = i * dim;
    const r0 = i * cols;
    const v0 = querySS[i] as number;
    for (let j = 0; j < cols; j++) {
      const ss = noiseSumOfSquaresAt(queries, q0, keys, j * dim, dim);
      guard += ss;
      out[r0 + j] = Math.max(ss, 0) / v0;
    }
  }
  return guard;
}

/** Sum of squares about the mean from shifted sums, clamped at 0, over the query's sum of squares. */
function noiseRatio(sum: number, sumSq: number, dim: number, querySS: number): number {
  const ss = sumSq - (sum * sum) / dim;
  return Math.max(ss, 0) / querySS;
}

/**
 * `D · var(a−b)` over `dim` values of `a` from `ao` and of `b` from `bo`, shifted by
 * the first difference; not clamped, so it is non-finite exactly when an input is.
 */
export function noiseSumOfSquaresAt(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  const c = (a[ao] as number) - (b[bo] as number);
  let sum = 0;
  // c − c is 0, or NaN when c is not finite, so the result reports bad input.
  let sumSq = c - c;
  for (let t = 1; t < dim; t++) {
    const d = (a[ao + t] as number) - (b[bo + t] as number) - c;
    sum += d;
    sumSq += d * d;
  }
  return sumSq - (sum * sum) / dim;
}
