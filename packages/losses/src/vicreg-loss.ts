import type { ComponentConfig } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  type ContrastiveLossOptions,
  nonNegativeOption,
  offDiagonalOnes,
  PerSampleContrastiveLoss,
} from './contrastive-loss.js';
import { positiveOption } from './loss-input.js';
import { lossConfig, lossSettings } from './metric-loss.js';

export interface VicRegLossOptions extends ContrastiveLossOptions {
  /** Added to each column's variance before the square root. Default 1e-4. */
  readonly stdConst?: number;
  /** Weight λ of the invariance (mean squared error) term. Default 25. */
  readonly lambda?: number;
  /** Weight μ of the variance (hinge on the standard deviation) term. Default 25. */
  readonly mu?: number;
  /** Weight ν of the covariance term. Default 1. */
  readonly nu?: number;
}

/** Config `type` of VicRegLoss. */
export const VICREG_LOSS_TYPE = 'vicreg-loss';

/**
 * VICReg loss (Bardes et al. 2022, arXiv:2105.04906), as TF Similarity's `VicReg`:
 * per sample `λ · mean_k (za_ik − zb_ik)² + μ · v + ν · c`, where, on each view's
 * columns centred over the batch, v is the mean over both views of
 * `mean_k max(0, 1 − √(Var_k + stdConst))` (variance over B) and c the sum over both views of
 * `Σ_{k≠l} Cov_kl² / D` (covariance over B − 1). `call` is the mean over the batch.
 * Defaults: stdConst 1e-4, λ 25, μ 25, ν 1. Needs a batch of at least 2.
 */
export class VicRegLoss extends PerSampleContrastiveLoss {
  readonly stdConst: number;
  readonly lambda: number;
  readonly mu: number;
  readonly nu: number;

  constructor(options: VicRegLossOptions = {}) {
    // The covariance divides by B − 1: TF Similarity returns NaN for a batch of one.
    super('vicreg_loss', 2, options);
    this.stdConst = positiveOption(options.stdConst ?? 1e-4, 'stdConst', this.name);
    this.lambda = nonNegativeOption(options.lambda ?? 25, 'lambda', this.name);
    this.mu = nonNegativeOption(options.mu ?? 25, 'mu', this.name);
    this.nu = nonNegativeOption(options.nu ?? 1, 'nu', this.name);
  }

  /** A VicRegLoss from the config its `toConfig` wrote. */
  static fromConfig(config: ComponentConfig): VicRegLoss {
    return new VicRegLoss(lossSettings(config, VICREG_LOSS_TYPE));
  }

  toConfig(): ComponentConfig {
    return lossConfig(VICREG_LOSS_TYPE, {
      ...this.baseConfig(),
      stdConst: this.stdConst,
      lambda: this.lambda,
      mu: this.mu,
      nu: this.nu,
    });
  }

  protected lossOf(za: tf.Tensor2D, zb: tf.Tensor2D): tf.Tensor {
    const sim = tf.mean(tf.square(tf.sub(za, zb)), 1);
    const ca = tf.sub(za, tf.mean(za, 0, true)) as tf.Tensor2D;
    const cb = tf.sub(zb, tf.mean(zb, 0, true)) as tf.Tensor2D;
    const std = tf.add(tf.div(this.stdHinge(ca), 2), tf.div(this.stdHinge(cb), 2));
    const cov = tf.add(covarianceTerm(ca), covarianceTerm(cb));
    return tf.add(tf.mul(sim, this.lambda), tf.add(tf.mul(std, this.mu), tf.mul(cov, this.nu)));
  }

  /** mean_k max(0, 1 − √(Var_k + stdConst)) of centred columns. */
  private stdHinge(centred: tf.Tensor2D): tf.Scalar {
    const std = tf.sqrt(tf.add(tf.mean(tf.square(centred), 0), this.stdConst));
    return tf.mean(tf.relu(tf.sub(1, std)));
  }
}

/** Σ_{k≠l} C_kl² / D with C = xᵀx / (B − 1) of centred columns x [B, D]. */
function covarianceTerm(centred: tf.Tensor2D): tf.Scalar {
  const [b, d] = centred.shape;
  const c = tf.div(tf.matMul(centred, centred, true, false), b - 1);
  return tf.div(tf.sum(tf.mul(tf.square(c), offDiagonalOnes(d))), d);
}
