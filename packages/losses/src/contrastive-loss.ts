import { type ComponentConfig, type Configurable, invalidArgument, SimkitError } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkEmbeddings, finiteOption, lossName } from './loss-input.js';

/** Options every contrastive (self-supervised, two-view) loss takes. */
export interface ContrastiveLossOptions {
  /** Name of the loss instance. */
  readonly name?: string;
}

/** Smallest squared norm `l2Normalize` divides by, as TF's `tf.math.l2_normalize` (epsilon 1e-12). */
const L2_EPSILON = 1e-12;

/**
 * The shared mechanics of TF Similarity's self-supervised losses, which compare two
 * views of one batch instead of labels: `call(za, zb)` checks both views (float32
 * [B, D], same shape, at least `minBatch` rows) and returns the mean of the loss the
 * subclass computes, per sample [B] or for the whole batch (a scalar).
 *
 * They have no `asLossFn`: a tfjs-layers loss sees one target and one output, not two views;
 * compute them in a custom training loop (`optimizer.minimize(() => loss.call(za, zb))`).
 */
export abstract class ContrastiveLoss implements Configurable {
  readonly name: string;
  /** Fewest rows a batch needs for the loss to be defined. */
  readonly minBatch: number;

  protected constructor(defaultName: string, minBatch: number, options: ContrastiveLossOptions) {
    this.name = lossName(options, defaultName);
    this.minBatch = minBatch;
  }

  /**
   * The loss of a batch of two views: the mean of the per-sample losses, or the batch loss itself.
   * @param za float32 [B, D], the first view (for SimSiam, the projector output)
   * @param zb float32 [B, D], the second view (for SimSiam, the predictor output)
   * @throws SimkitError INVALID_ARGUMENT for a wrong type, rank or dtype or a batch smaller than `minBatch`,
   *   DIMENSION_MISMATCH when the views differ in shape
   */
  call(za: tf.Tensor2D, zb: tf.Tensor2D): tf.Scalar {
    this.checkViews(za, zb);
    return tf.tidy(() => tf.mean(this.lossOf(za, zb)) as tf.Scalar);
  }

  /** The loss's name and settings, to rebuild it with its class's `fromConfig`. */
  abstract toConfig(): ComponentConfig;

  /** The loss of checked views: per sample [B], or a scalar for a loss defined on the whole batch. */
  protected abstract lossOf(za: tf.Tensor2D, zb: tf.Tensor2D): tf.Tensor;

  /** Checks the two views: float32 rank-2 tensors of one shape with at least `minBatch` rows. */
  protected checkViews(za: unknown, zb: unknown): void {
    checkEmbeddings(za, `${this.name} (za)`);
    checkEmbeddings(zb, `${this.name} (zb)`);
    const [ra, da] = za.shape;
    const [rb, db] = zb.shape;
    if (ra !== rb || da !== db) {
      throw new SimkitError(
        'DIMENSION_MISMATCH',
        `${this.name}: the views have shapes [${ra}, ${da}] and [${rb}, ${db}]; pass two views of the same batch, row i of each from sample i.`,
        { details: { expected: [ra, da], actual: [rb, db] } },
      );
    }
    if (ra < this.minBatch) {
      throw invalidArgument(
        `${this.name}: got a batch of ${ra}; this loss needs at least ${this.minBatch} samples per batch (use a larger batch size).`,
        { batch: ra, minBatch: this.minBatch },
      );
    }
  }

  /** Settings shared by every contrastive loss config. */
  protected baseConfig(): { name: string } {
    return { name: this.name };
  }
}

/** A contrastive loss that has one loss per sample, whose mean is `call`. */
export abstract class PerSampleContrastiveLoss extends ContrastiveLoss {
  /** The per-sample losses [B] whose mean is `call`. Same arguments and checks as `call`. */
  perSample(za: tf.Tensor2D, zb: tf.Tensor2D): tf.Tensor1D {
    this.checkViews(za, zb);
    return tf.tidy(() => tf.reshape(this.lossOf(za, zb), [za.shape[0]]) as tf.Tensor1D);
  }
}

/** Rows scaled to unit length, as TF's `tf.math.l2_normalize(x, axis=1)`: x / √max(|x|², 1e-12). */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), 1, true), L2_EPSILON)));
}

/** Checks a finite number option ≥ 0. */
export function nonNegativeOption(value: unknown, name: string, loss: string): number {
  const v = finiteOption(value, name, loss);
  if (v < 0) throw invalidArgument(`${loss}: ${name} must be ≥ 0; got ${v}.`);
  return v;
}

/** 1 off the diagonal and 0 on it, float32 [n, n]. */
export function offDiagonalOnes(n: number): tf.Tensor2D {
  return tf.sub(1, tf.eye(n)) as tf.Tensor2D;
}
