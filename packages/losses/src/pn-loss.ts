import type { ComponentConfig } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { lossConfig, lossSettings, MetricLoss } from './metric-loss.js';
import {
  type NegativeMining,
  negativeDistances,
  type PositiveMining,
  positiveDistances,
  tripletTerm,
} from './mining.js';
import type { PairMasks } from './pair-masks.js';
import { type TripletLossOptions, type TripletSettings, tripletSettings } from './triplet-loss.js';

export type PNLossOptions = TripletLossOptions;

export const PN_LOSS_TYPE = 'pn-loss';

/**
 * PN loss (Szubert et al. 2019, ivis), as TF Similarity's `PNLoss`: a triplet loss
 * whose negative distance is `min(d(anchor, negative), d(positive, negative))`,
 * so both the anchor and its positive are pushed away from the negative.
 * Defaults: distance `cosine`, positive `hard`, negative `semi-hard`, soft margin.
 */
export class PNLoss extends MetricLoss implements TripletSettings {
  readonly positiveMining: PositiveMining;
  readonly negativeMining: NegativeMining;
  /** The margin, or null for the soft margin. */
  readonly margin: number | null;

  constructor(options: PNLossOptions = {}) {
    super('pn_loss', 'cosine', options);
    const s = tripletSettings(options, this.name);
    this.positiveMining = s.positiveMining;
    this.negativeMining = s.negativeMining;
    this.margin = s.margin;
  }

  /** True when the soft margin is used. */
  get softMargin(): boolean {
    return this.margin === null;
  }

  static fromConfig(config: ComponentConfig): PNLoss {
    return new PNLoss(lossSettings(config, PN_LOSS_TYPE));
  }

  toConfig(): ComponentConfig {
    const { positiveMining, negativeMining, margin } = this;
    return lossConfig(PN_LOSS_TYPE, { ...this.baseConfig(), positiveMining, negativeMining, margin });
  }

  protected perAnchor(d: tf.Tensor2D, { positive, negative }: PairMasks): tf.Tensor {
    const pos = positiveDistances(this.positiveMining, d, positive);
    const neg = negativeDistances(this.negativeMining, d, negative, positive);
    // d(positive_i, negative_i): row pos_i of d, column neg_i, picked with one-hot matrices.
    const pn = tf.sum(tf.mul(tf.matMul(pos.pick(), d), neg.pick()), 1, true) as tf.Tensor2D;
    return tripletTerm(pos.value, tf.minimum(pn, neg.value) as tf.Tensor2D, this.margin);
  }
}
