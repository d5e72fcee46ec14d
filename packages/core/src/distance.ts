import type { Configurable } from './config.js';

/**
 * A distance: smaller is closer. `T` is the tensor type of the differentiable
 * `pairwise` (tfjs Tensor2D in @simkit/distances); core knows no tensor library.
 */
export interface Distance<T = unknown> extends Configurable {
  /** Canonical name, e.g. `euclidean`. */
  readonly name: string;
  /** Other accepted names, lower case. */
  readonly aliases: readonly string[];
  /** True when vectors must be unit-normalised before comparing (cosine). */
  readonly normalize: boolean;
  /** Distance between two vectors of equal length. */
  compute(a: Float32Array, b: Float32Array): number;
  /**
   * Distances between every query row and every key row:
   * `queries` [Q, dim], `keys` [K, dim] → `out` [Q, K] row-major.
   */
  batch(queries: Float32Array, keys: Float32Array, dim: number, out?: Float32Array): Float32Array;
  /** Differentiable pairwise distances [Q, D] × [K, D] → [Q, K]. */
  pairwise(a: T, b: T): T;
}
