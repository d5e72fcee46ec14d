import { type ComponentConfig, type Distance, invalidArgument } from '@simkit/core';
import { BaseDistance, distanceOfClass, type PairwiseTensor } from './base-distance.js';
import { noiseSumOfSquaresAt, rowSumsOfSquares, snrKernel } from './snr-kernel.js';

/**
 * Signal-to-noise distance `var(q−k) / var(q)` with population variances,
 * anchored on the query row (not symmetric). A constant query row has no
 * variance to compare against and is an error.
 */
export class SNRDistance extends BaseDistance implements Distance<PairwiseTensor> {
  readonly name = 'snr';
  readonly aliases: readonly string[] = ['snrdistance', 'signal-to-noise-ratio'];

  /** An SNRDistance from its saved config; a config that names another distance is INVALID_ARGUMENT. */
  static fromConfig(config: ComponentConfig): SNRDistance {
    return distanceOfClass(SNRDistance, config);
  }

  protected computeChecked(a: Float32Array, b: Float32Array): number {
    const querySS = querySumsOfSquares(a, a.length, 1, 'compute');
    const ss = this.checkedSum(noiseSumOfSquaresAt(a, 0, b, 0, a.length), a, b);
    return Math.max(ss, 0) / (querySS[0] as number);
  }

  protected batchChecked(q: Float32Array, k: Float32Array, dim: number, rows: number, cols: number, out: Float32Array) {
    return snrKernel(q, k, dim, rows, cols, out, querySumsOfSquares(q, dim, rows, 'batch'));
  }
}

/** Each query row's sum of squared deviations; throws for a constant (zero-variance) row. */
export function querySumsOfSquares(data: Float32Array, dim: number, rows: number, method: string): Float64Array {
  const out = new Float64Array(rows);
  rowSumsOfSquares(data, dim, rows, out);
  for (let i = 0; i < rows; i++) {
    if (out[i] === 0) {
      throw invalidArgument(
        `snr.${method}: query row ${i} is constant (zero variance), so signal-to-noise is undefined; use another distance for such vectors or drop the row.`,
        { row: i },
      );
    }
  }
  return out;
}
