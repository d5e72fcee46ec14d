import type { ComponentConfig } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  ContrastiveLoss,
  type ContrastiveLossOptions,
  nonNegativeOption,
  offDiagonalOnes,
} from './contrastive-loss.js';
import { finiteOption } from './loss-input.js';
import { lossConfig, lossSettings } from './metric-loss.js';
import { constant } from './stop-gradient.js';

export interface BarlowLossOptions extends ContrastiveLossOptions {
  /** Weight of the off-diagonal (redundancy reduction) term. Default 5e-3. */
  readonly lambda?: number;
  /** Added to the loss. Default 1e-12. */
  readonly margin?: number;
}

/** Config `type` of BarlowLoss. */
export const BARLOW_LOSS_TYPE = 'barlow-loss';

/**
 * Barlow Twins loss (Zbontar et al. 2021, arXiv:2103.03230), as TF Similarity's
 * `Barlow`: each view's columns are standardised over the batch (mean 0, population
 * standard deviation 1; a constant column becomes 0, as `divide_no_nan` makes it);
 * with the cross-correlation `C = zaᵀ zb / B` [D, D], the loss is
 * `Σ_k (1 − C_kk)² + λ Σ_{k≠l} C_kl² + margin`, one value for the whole batch
 * (`call` returns it; there is no per-sample loss). Defaults: λ 5e-3, margin 1e-12.
 * A constant column (or a batch of one) contributes no gradient.
 */
export class BarlowLoss extends ContrastiveLoss {
  readonly lambda: number;
  readonly margin: number;

  constructor(options: BarlowLossOptions = {}) {
    super('barlow', 1, options);
    this.lambda = nonNegativeOption(options.lambda ?? 5e-3, 'lambda', this.name);
    this.margin = finiteOption(options.margin ?? 1e-12, 'margin', this.name);
  }

  /** A BarlowLoss from the config its `toConfig` wrote. */
  static fromConfig(config: ComponentConfig): BarlowLoss {
    return new BarlowLoss(lossSettings(config, BARLOW_LOSS_TYPE));
  }

  toConfig(): ComponentConfig {
    return lossConfig(BARLOW_LOSS_TYPE, { ...this.baseConfig(), lambda: this.lambda, margin: this.margin });
  }

  protected lossOf(za: tf.Tensor2D, zb: tf.Tensor2D): tf.Tensor {
    const [b, d] = za.shape;
    const c = tf.div(tf.matMul(standardizeColumns(za), standardizeColumns(zb), true, false), b);
    const eye = tf.eye(d);
    const onDiag = tf.sum(tf.square(tf.sub(1, tf.sum(tf.mul(c, eye), 1))));
    const offDiag = tf.sum(tf.mul(tf.square(c), offDiagonalOnes(d)));
    return tf.add(tf.add(tf.mul(offDiag, this.lambda), onDiag), this.margin);
  }
}

/**
 * Columns centred and divided by their population standard deviation, as TF
 * Similarity's `standardize_columns`; a column of zero variance becomes 0 (`divide_no_nan`)
 * with zero gradient, where TF's √ at 0 would send NaN back.
 */
function standardizeColumns(x: tf.Tensor2D): tf.Tensor2D {
  const centred = tf.sub(x, tf.mean(x, 0, true));
  const variance = tf.mean(tf.square(centred), 0, true);
  const varies = constant((v) => tf.cast(tf.greater(v, 0), 'float32'), variance);
  // √ of 1 where the variance is 0, so neither the value nor the gradient divides by 0.
  const std = tf.sqrt(tf.add(tf.mul(variance, varies), tf.sub(1, varies)));
  return tf.mul(tf.div(centred, std), varies) as tf.Tensor2D;
}
