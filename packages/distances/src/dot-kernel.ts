import { dotProductKernel } from './dot-products.js';

// Reused between calls: the kernel runs once per search tile, so it must not allocate each time.
let scratch = new Float64Array(0);

/**
 * `1 − q·k` for every query row against every key row, optionally clamped at 0.
 * The dot products come from `dotProductKernel`, which sums each pair in index
 * order like `dotAt`, so results equal `compute`'s.
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
  // Query rows go through in chunks so the float64 scratch stays small for huge batches.
  const chunk = Math.max(1, Math.min(rows, 64));
  if (scratch.length < chunk * cols) scratch = new Float64Array(chunk * cols);
  let guard = 0;
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const nr = Math.min(chunk, rows - r0);
    guard += dotProductKernel(queries.subarray(r0 * dim, (r0 + nr) * dim), keys, dim, nr, cols, scratch);
    const base = r0 * cols;
    for (let i = 0; i < nr * cols; i++) {
      const d = 1 - (scratch[i] as number);
      out[base + i] = clampAtZero && d < 0 ? 0 : d;
    }
  }
  return guard;
}
