import { type ComponentConfig, type Distance, SimkitError, invalidArgument } from '@simkit/core';
import { type DistanceConfig, distanceConfig, distanceNameFromConfig } from './distance-config.js';
import { checkBatch, checkVectorPair, nonFiniteError } from './input-checks.js';

/**
 * Filled in by `@simkit/distances/tensor` through declaration merging (it adds
 * `tensor2d: tf.Tensor2D`), so that the main entry's types need no tfjs installed.
 */
// biome-ignore lint/suspicious/noEmptyInterface: module augmentation fills it.
export interface PairwiseTensorTypes {}

/**
 * The tensor type of `pairwise`: tfjs' `Tensor2D` wherever `@simkit/distances/tensor` is
 * imported (the entry that provides `pairwise` at run time), `unknown` elsewhere.
 */
export type PairwiseTensor = PairwiseTensorTypes extends { readonly tensor2d: infer T } ? T : unknown;

/** A distance's differentiable [Q, D] × [K, D] → [Q, K] op, checks included. */
export type TensorPairwise = (a: PairwiseTensor, b: PairwiseTensor) => PairwiseTensor;

// Filled by '@simkit/distances/tensor', the only module here that loads tfjs-core.
const tensorOps = new Map<string, TensorPairwise>();

/** Gives the distance named `name` its tensor op (called by '@simkit/distances/tensor'). */
export function registerTensorPairwise(name: string, op: TensorPairwise): void {
  tensorOps.set(name, op);
}

/**
 * What the six distances share: input checks, the finiteness check on kernel
 * results, and config. A subclass supplies its name and two Float32Array kernels;
 * its tensor op comes from '@simkit/distances/tensor'.
 */
export abstract class BaseDistance implements Distance<PairwiseTensor> {
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

  /**
   * Differentiable pairwise distances between the rows of two tfjs tensors. Needs the
   * tensor ops: `import '@simkit/distances/tensor'` once (it loads @tensorflow/tfjs-core);
   * without it this fails with MISSING_COMPONENT.
   */
  pairwise(a: PairwiseTensor, b: PairwiseTensor): PairwiseTensor {
    const op = tensorOps.get(this.name);
    if (op === undefined) {
      throw new SimkitError(
        'MISSING_COMPONENT',
        `${this.name}.pairwise needs the tensor ops: add \`import '@simkit/distances/tensor';\` once (it needs @tensorflow/tfjs-core installed).`,
        { details: { package: '@simkit/distances/tensor' } },
      );
    }
    return op(a, b);
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
