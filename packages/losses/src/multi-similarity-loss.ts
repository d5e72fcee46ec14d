import type { ComponentConfig } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { finiteOption, positiveOption } from './loss-input.js';
import { maskedExtremeValue } from './masked-extremes.js';
import { maskedLogSumExpPlusOne } from './masked-log-sum-exp.js';
import { lossConfig, lossSettings, MetricLoss, type MetricLossOptions } from './metric-loss.js';
import type { PairMasks } from './pair-masks.js';
import { constant } from './stop-gradient.js';

export interface MultiSimilarityLossOptions extends MetricLossOptions {
  /** Exponential weight of positive pairs. Default 2. */
  readonly alpha?: number;
  /** Exponential weight of negative pairs. Default 40. */
  readonly beta?: number;
  /** Margin of pair mining: keep positives farther than (nearest negative − epsilon) and negatives nearer than (farthest positive + epsilon). Default 0.1. */
  readonly epsilon?: number;
  /** Distance below which negatives are up-weighted and positives down-weighted. Default 0.5. */
  readonly lmda?: number;
  /** Expected distance, used to centre the distances (1 for cosine). Default 1. */
  readonly center?: number;
}

/** Config `type` of MultiSimilarityLoss. */
export const MULTI_SIMILARITY_LOSS_TYPE = 'multi-similarity-loss';

/**
 * Multi-similarity loss (Wang et al. 2019, arXiv:1904.06627), as TF Similarity's
 * `MultiSimilarityLoss`: mines informative pairs per anchor, then
 * `log(1 + Σ_P exp(α(d + λ − c)))/α + log(1 + Σ_N exp(−β(d + λ − c)))/β`;
 * anchors left without a positive or a negative pair count 0.
 * Defaults: distance `cosine`, α 2, β 40, ε 0.1, λ 0.5, centre 1.
 */
export class MultiSimilarityLoss extends MetricLoss {
  readonly alpha: number;
  readonly beta: number;
  readonly epsilon: number;
  readonly lmda: number;
  readonly center: number;

  constructor(options: MultiSimilarityLossOptions = {}) {
    super('multisim_loss', 'cosine', options);
    this.alpha = positiveOption(options.alpha ?? 2, 'alpha', this.name);
    this.beta = positiveOption(options.beta ?? 40, 'beta', this.name);
    this.epsilon = finiteOption(options.epsilon ?? 0.1, 'epsilon', this.name);
    this.lmda = finiteOption(options.lmda ?? 0.5, 'lmda', this.name);
    this.center = finiteOption(options.center ?? 1, 'center', this.name);
  }

  /** A MultiSimilarityLoss from the config its `toConfig` wrote. */
  static fromConfig(config: ComponentConfig): MultiSimilarityLoss {
    return new MultiSimilarityLoss(lossSettings(config, MULTI_SIMILARITY_LOSS_TYPE));
  }

  toConfig(): ComponentConfig {
    const { alpha, beta, epsilon, lmda, center } = this;
    return lossConfig(MULTI_SIMILARITY_LOSS_TYPE, { ...this.baseConfig(), alpha, beta, epsilon, lmda, center });
  }

  protected perAnchor(d: tf.Tensor2D, { positive, negative }: PairMasks): tf.Tensor {
    const { alpha, beta, epsilon } = this;
    // Similarity-P mining: positives farther than the nearest negative − ε ...
    const positiveKept = constant(
      (dd, pm, nm) =>
        tf.logicalAnd(
          tf.greater(dd, tf.sub(maskedExtremeValue(dd as tf.Tensor2D, nm as tf.Tensor2D, 'min'), epsilon)),
          pm,
        ),
      d,
      positive,
      negative,
    ) as tf.Tensor2D;
    // ... and negatives nearer than the farthest positive + ε.
    const negativeKept = constant(
      (dd, pm, nm) =>
        tf.logicalAnd(
          tf.less(dd, tf.add(maskedExtremeValue(dd as tf.Tensor2D, pm as tf.Tensor2D, 'max'), epsilon)),
          nm,
        ),
      d,
      positive,
      negative,
    ) as tf.Tensor2D;
    const valid = constant(
      (p, n) => tf.cast(tf.logicalAnd(tf.any(p, 1, true), tf.any(n, 1, true)), 'float32'),
      positiveKept,
      negativeKept,
    );
    const shifted = tf.add(d, this.lmda - this.center);
    const pLoss = tf.div(maskedLogSumExpPlusOne(tf.mul(shifted, alpha) as tf.Tensor2D, positiveKept), alpha);
    const nLoss = tf.div(maskedLogSumExpPlusOne(tf.mul(shifted, -beta) as tf.Tensor2D, negativeKept), beta);
    return tf.mul(tf.add(pLoss, nLoss), valid);
  }
}
