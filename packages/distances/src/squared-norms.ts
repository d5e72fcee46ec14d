import { invalidArgument } from '@simkit/core';
import { checkFloat64Out, checkRows, firstNonFiniteRow } from './input-checks.js';

/**
 * `‖x‖² = Σ x_t²` of every row, in float64, into `out` (allocated when not given; it
 * may be longer than the number of rows). Sums in index order, the order of
 * `dotProducts`, so a row's norm equals its dot product with itself bit for bit.
 * Throws `INVALID_ARGUMENT` for NaN or ±Infinity in `data`.
 */
export function squaredNorms(data: Float32Array, dim: number, out?: Float64Array): Float64Array {
  const rows = checkRows(data, dim, 'squaredNorms: data');
  const res = checkFloat64Out(out, rows, `squaredNorms: ${rows} rows`);
  let guard = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * dim;
    let s = 0;
    for (let t = 0; t < dim; t++) {
      const v = data[o + t] as number;
      s += v * v;
    }
    res[i] = s;
    guard += s;
  }
  if (guard - guard !== 0) {
    const row = firstNonFiniteRow(data, dim);
    throw invalidArgument(`squaredNorms: row ${row} contains NaN or Infinity; fix or drop non-finite values first.`, {
      row,
    });
  }
  return res;
}
