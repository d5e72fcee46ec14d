import type { ComponentConfig } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { choiceOption, finiteOption } from './loss-input.js';
import { maskedLogSumExpPlusOne } from './masked-log-sum-exp.js';
import { lossConfig, lossSettings, MetricLoss, type MetricLossOptions } from './metric-loss.js';
import { POSITIVE_MINING, type PositiveMining, positiveDistances } from './mining.js';
import type { PairMasks } from './pair-masks.js';
import { constant } from './stop-gradient.js';

export interface LiftedStructLossOptions extends MetricLossOptions {
  /** Which same-class example is each anchor's positive: the farthest (`'hard'`) or the nearest (`'easy'`). Default `'hard'`. */
  readonly positiveMining?: PositiveMining;
  /** The margin α in `log(1 + Σ exp(α − d))` over negative pairs. Default 1. */
  readonly margin?: number;
}

/** Config `type` of LiftedStructLoss. */
export const LIFTED_STRUCT_LOSS_TYPE = 'lifted-struct-loss';

/**
 * Lifted structured loss (Oh Song et al. 2016, arXiv:1511.06452), as TF Similarity's
 * `LiftedStructLoss`. Each anchor i mines one positive p(i) (`positiveMining`), then
 * `(log(1 + Σ_{j ∈ N(i)} exp(α − d_ij) + Σ_{k: i, p(k) negative} exp(α − d_{i,p(k)})) + d_{i,p(i)}) / 2`,
 * and the loss is the mean over anchors, without the paper's hinge and square.
 *
 * The second sum is TF Similarity's exactly: it gathers the distance matrix along
 * columns at the mined positive indices, so it adds anchor i's own distances to the
 * positives p(k) of the other anchors (those of another class than i), not the
 * negatives of i's positive. An anchor without a positive takes TF Similarity's
 * `masked_max` / `masked_min` fallback (its row's min − 1e-6 / max + 1e-6, index 0)
 * and is not dropped; a lone sample therefore scores about −5e-7.
 * Defaults: distance `cosine`, positive `hard`, margin 1.
 */
export class LiftedStructLoss extends MetricLoss {
  readonly positiveMining: PositiveMining;
  readonly margin: number;

  constructor(options: LiftedStructLossOptions = {}) {
    super('lifted_struct_loss', 'cosine', options);
    this.positiveMining = choiceOption(options.positiveMining ?? 'hard', POSITIVE_MINING, 'positiveMining', this.name);
    this.margin = finiteOption(options.margin ?? 1, 'margin', this.name);
  }

  /** A LiftedStructLoss from the config its `toConfig` wrote. */
  static fromConfig(config: ComponentConfig): LiftedStructLoss {
    return new LiftedStructLoss(lossSettings(config, LIFTED_STRUCT_LOSS_TYPE));
  }

  toConfig(): ComponentConfig {
    const { positiveMining, margin } = this;
    return lossConfig(LIFTED_STRUCT_LOSS_TYPE, { ...this.baseConfig(), positiveMining, margin });
  }

  protected perAnchor(d: tf.Tensor2D, { positive, negative }: PairMasks): tf.Tensor {
    const pos = positiveDistances(this.positiveMining, d, positive);
    // [B, B] one-hot rows: row k marks p(k), TF Similarity's masked_max / masked_min index (0 for a row without a positive).
    const pick = pos.pick();
    // tf.gather(·, p, axis=1) as TF Similarity, as a product with the one-hot (tfjs' gather has no gradient
    // through computed indices): column k of the second block is column p(k) of the first.
    const distances = tf.concat([d, tf.matMul(d, pick, false, true)], 1);
    const gatheredNegative = constant(
      (nm, pk) => tf.greater(tf.matMul(tf.cast(nm, 'float32'), pk, false, true), 0.5),
      negative,
      pick,
    );
    const mask = tf.concat([negative, gatheredNegative], 1) as tf.Tensor2D;
    const negativeTerm = maskedLogSumExpPlusOne(tf.sub(this.margin, distances) as tf.Tensor2D, mask);
    return tf.div(tf.add(negativeTerm, pos.value), 2);
  }
}
