import type { ComponentConfig } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { positiveOption } from './loss-input.js';
import { lossConfig, lossSettings, MetricLoss, type MetricLossOptions } from './metric-loss.js';
import { anyPerRow, offDiagonalMask, type PairMasks } from './pair-masks.js';
import { constant } from './stop-gradient.js';

export interface SoftNearestNeighborLossOptions extends MetricLossOptions {
  /** Divides the distances before exponentiation. Default 1. */
  readonly temperature?: number;
}

/** Config `type` of SoftNearestNeighborLoss. */
export const SOFT_NEAREST_NEIGHBOR_LOSS_TYPE = 'soft-nearest-neighbor-loss';

/** Added to the same-class share before the log, as TF Similarity does. */
const LOG_EPSILON = 1e-9;

/**
 * Soft nearest neighbour loss (Frosst et al. 2019, arXiv:1902.01889), as TF
 * Similarity's `SoftNearestNeighborLoss`: per anchor
 * `−log(1e-9 + Σ_{same class, j≠i} e^{−d_ij/T} / Σ_{j≠i} e^{−d_ij/T})`; anchors
 * alone in their class count 0. Defaults: distance `squared_euclidean` (`sql2`), T 1.
 */
export class SoftNearestNeighborLoss extends MetricLoss {
  readonly temperature: number;

  constructor(options: SoftNearestNeighborLossOptions = {}) {
    super('soft_nn_loss', 'sql2', options);
    this.temperature = positiveOption(options.temperature ?? 1, 'temperature', this.name);
  }

  /** A SoftNearestNeighborLoss from the config its `toConfig` wrote. */
  static fromConfig(config: ComponentConfig): SoftNearestNeighborLoss {
    return new SoftNearestNeighborLoss(lossSettings(config, SOFT_NEAREST_NEIGHBOR_LOSS_TYPE));
  }

  toConfig(): ComponentConfig {
    return lossConfig(SOFT_NEAREST_NEIGHBOR_LOSS_TYPE, { ...this.baseConfig(), temperature: this.temperature });
  }

  protected perAnchor(d: tf.Tensor2D, { positive }: PairMasks): tf.Tensor {
    const b = d.shape[0];
    const offDiagonal = offDiagonalMask(b);
    const scaled = tf.div(d, this.temperature) as tf.Tensor2D;
    // The ratio is unchanged by a per-row shift; shifting by the nearest other
    // point keeps the largest term at e^0, so large distances cannot underflow to 0/0.
    const nearest = constant(
      (s, od) => {
        const m = tf.min(tf.where(od, s, Number.POSITIVE_INFINITY), 1, true);
        return tf.where(tf.isFinite(m), m, tf.zerosLike(m));
      },
      scaled,
      offDiagonal,
    );
    const terms = tf.mul(tf.exp(tf.minimum(tf.sub(nearest, scaled), 0)), tf.cast(offDiagonal, 'float32'));
    const sameClass = tf.sum(tf.mul(terms, tf.cast(positive, 'float32')), 1);
    const all = tf.sum(terms, 1);
    // Only a batch of one has no other point; its anchor is excluded below.
    const empty = constant((a) => tf.cast(tf.equal(a, 0), 'float32'), all);
    const share = tf.div(sameClass, tf.add(all, empty));
    return tf.mul(tf.neg(tf.log(tf.add(share, LOG_EPSILON))), anyPerRow(positive));
  }
}
