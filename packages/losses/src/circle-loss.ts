import type { ComponentConfig } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { finiteOption, positiveOption } from './loss-input.js';
import { maskedLogSumExpPlusOne } from './masked-log-sum-exp.js';
import { lossConfig, lossSettings, MetricLoss, type MetricLossOptions } from './metric-loss.js';
import { anyPerRow, type PairMasks } from './pair-masks.js';

export interface CircleLossOptions extends MetricLossOptions {
  /** Scale; large values make the LogSumExp approach the hardest pair. Default 80. */
  readonly gamma?: number;
  /** Relaxation margin m: optimum 0+m / 1+m, decision bounds m / 1−m. Default 0.4. */
  readonly margin?: number;
}

/** Config `type` of CircleLoss. */
export const CIRCLE_LOSS_TYPE = 'circle-loss';

/**
 * Circle loss (Sun et al. 2020, arXiv:2002.10857) on distances, as TF Similarity's
 * `CircleLoss`: with self-paced weights `[m + d]₊` (positives) and `[1 + m − d]₊`
 * (negatives), per anchor `log(1 + Σ_P exp(−γ w (m − d))) + log(1 + Σ_N exp(γ w (1 − m − d)))`;
 * anchors without a positive or a negative count 0. Defaults: distance `cosine`, γ 80, m 0.4.
 */
export class CircleLoss extends MetricLoss {
  readonly gamma: number;
  readonly margin: number;

  constructor(options: CircleLossOptions = {}) {
    super('circle_loss', 'cosine', options);
    this.gamma = positiveOption(options.gamma ?? 80, 'gamma', this.name);
    this.margin = finiteOption(options.margin ?? 0.4, 'margin', this.name);
  }

  /** A CircleLoss from the config its `toConfig` wrote. */
  static fromConfig(config: ComponentConfig): CircleLoss {
    return new CircleLoss(lossSettings(config, CIRCLE_LOSS_TYPE));
  }

  toConfig(): ComponentConfig {
    return lossConfig(CIRCLE_LOSS_TYPE, { ...this.baseConfig(), gamma: this.gamma, margin: this.margin });
  }

  protected perAnchor(d: tf.Tensor2D, { positive, negative }: PairMasks): tf.Tensor {
    const { gamma, margin } = this;
    const valid = tf.mul(anyPerRow(positive), anyPerRow(negative));
    const posF = tf.cast(positive, 'float32');
    const negF = tf.cast(negative, 'float32');
    const posWeights = tf.maximum(tf.mul(tf.add(d, margin), posF), 0);
    const negWeights = tf.maximum(tf.mul(tf.sub(1 + margin, d), negF), 0);
    const posLogits = tf.mul(tf.mul(posWeights, tf.sub(margin, d)), -gamma) as tf.Tensor2D;
    const negLogits = tf.mul(tf.mul(negWeights, tf.sub(1 - margin, d)), gamma) as tf.Tensor2D;
    const pLoss = maskedLogSumExpPlusOne(posLogits, positive);
    const nLoss = maskedLogSumExpPlusOne(negLogits, negative);
    return tf.mul(tf.reshape(tf.add(pLoss, nLoss), [-1]), valid);
  }
}
