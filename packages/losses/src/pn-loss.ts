import type { ComponentConfig } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { lossSettings } from './metric-loss.js';
import { negativeDistances, positiveDistances, tripletTerm } from './mining.js';
import type { PairMasks } from './pair-masks.js';
import { MinedTripletLoss, type TripletLossOptions } from './triplet-loss.js';

/** Options of PNLoss: the same as TripletLoss. */
export type PNLossOptions = TripletLossOptions;

/** Config `type` of PNLoss. */
export const PN_LOSS_TYPE = 'pn-loss';

/**
 * PN loss (Szubert et al. 2019, ivis), as TF Similarity's `PNLoss`: a triplet loss
 * whose negative distance is `min(d(anchor, negative), d(positive, negative))`,
 * so both the anchor and its positive are pushed away from the negative.
 * Defaults: distance `cosine`, positive `hard`, negative `semi-hard`, soft margin.
 */
export class PNLoss extends MinedTripletLoss {
  constructor(options: PNLossOptions = {}) {
    super('pn_loss', PN_LOSS_TYPE, options);
  }

  /** A PNLoss from the config its `toConfig` wrote. */
  static fromConfig(config: ComponentConfig): PNLoss {
    return new PNLoss(lossSettings(config, PN_LOSS_TYPE));
  }

  protected perAnchor(d: tf.Tensor2D, { positive, negative }: PairMasks): tf.Tensor {
    const pos = positiveDistances(this.positiveMining, d, positive);
    const neg = negativeDistances(this.negativeMining, d, negative, positive);
    // d(positive_i, negative_i): row pos_i of d, column neg_i, picked with one-hot matrices.
    const pn = tf.sum(tf.mul(tf.matMul(pos.pick(), d), neg.pick()), 1, true) as tf.Tensor2D;
    return tripletTerm(pos.value, tf.minimum(pn, neg.value) as tf.Tensor2D, this.margin);
  }
}
