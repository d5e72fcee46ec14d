import { type ComponentConfig, type Distance, invalidArgument } from '@simkit/core';
import type * as tf from '@tensorflow/tfjs-core';
import { type DistanceConfig, distanceConfig, distanceNameFromConfig } from './distance-config.js';
import { checkBatch, checkVectorPair, nonFiniteError } from './input-checks.js';
import { checkTensorPair } from './tensor-pairwise.js';

/**
 * What the six distances share: input checks, the finiteness check on kernel
 * results, and config. A subclass supplies its name and three kernels.
 */
export abstract class BaseDistance implements Distance<tf.Tensor2D> {
  abstract readonly name: string;
  abstract readonly aliases: readonly string[];
  readonly normalize: boolean = false;

  compute(a: Float32Array, b: Float32Array): number {
    checkVectorPair(a, b, this.name);
    return this.computeChecked(a, b);
  }

  batch(queries: Float32Array, keys: Float32Array, dim: number, out?: Float32Array): Float32Array {
    const shape = checkBatch(queries, keys, dim, out, this.name);
    const guard = this.batchChecked(queries, keys, dim, shape.rows, shape.cols, shape.out);
    if (guard - guard !== 0) throw nonFiniteError(this.name, queries, keys, dim);
    return shape.out;
  }

  pairwise(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
    checkTensorPair(a, b, this.name);
    return this.pairwiseChecked(a, b as tf.Tensor2D);
  }

  toConfig(): DistanceConfig {
    return distanceConfig(this.name);
  }

  /** True when `name` (any case) is this distance's canonical name or one of its aliases. */
  answersTo(name: string): boolean {
    const lower = name.toLowerCase();
    return lower === this.name || this.aliases.includes(lower);
  }

  /** `compute` on checked vectors; throws for non-finite input (see `checkedSum`). */
  protected abstract computeChecked(a: Float32Array, b: Float32Array): number;
  /** Fills `out` [rows, cols]; returns a number that is finite exactly when every input value is. */
  protected abstract batchChecked(
    queries: Float32Array,
    keys: Float32Array,
    dim: number,
    rows: number,
    cols: number,
    out: Float32Array,
  ): number;
  protected abstract pairwiseChecked(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D;

  /** Returns `sum` when finite; otherwise the inputs held NaN or Infinity and this throws. */
  protected checkedSum(sum: number, a: Float32Array, b: Float32Array): number {
    if (sum - sum !== 0) throw nonFiniteError(this.name, a, b, a.length);
    return sum;
  }
}

/** Builds a distance of class `Type` from its config; the saved name must be one this class answers to. */
export function distanceOfClass<T extends BaseDistance>(Type: new () => T, config: ComponentConfig): T {
  const name = distanceNameFromConfig(config);
  const distance = new Type();
  if (!distance.answersTo(name)) {
    throw invalidArgument(
      `This config is for the '${name}' distance, not '${distance.name}'; use distanceFromConfig(config) to build whichever distance it names.`,
    );
  }
  return distance;
}
