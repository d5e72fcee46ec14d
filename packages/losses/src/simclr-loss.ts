import type { ComponentConfig } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type ContrastiveLossOptions, l2Normalize, PerSampleContrastiveLoss } from './contrastive-loss.js';
import { positiveOption } from './loss-input.js';
import { lossConfig, lossSettings } from './metric-loss.js';

export interface SimCLRLossOptions extends ContrastiveLossOptions {
  /** Divides the cosine similarities before the softmax. Default 0.05. */
  readonly temperature?: number;
}

/** Config `type` of SimCLRLoss. */
export const SIMCLR_LOSS_TYPE = 'simclr-loss';

/** Subtracted from a view's similarity to itself, as TF Similarity's `LARGE_NUM`. */
const LARGE_NUM = 1e9;

/**
 * SimCLR's NT-Xent loss (Chen et al. 2020, arXiv:2002.05709), as TF Similarity's
 * `SimCLRLoss`: both views are L2-normalised; for sample i, with logits
 * `[za_i·zb_j / T for all j, za_i·za_j / T for j ≠ i]` (the self-similarity gets
 * −1e9), the cross-entropy against the positive `za_i·zb_i / T`; the same with
 * the views swapped; the sample's loss is the sum of the two. Default T 0.05.
 * A batch of one has no negatives and a loss ≈ 0.
 */
export class SimCLRLoss extends PerSampleContrastiveLoss {
  readonly temperature: number;

  constructor(options: SimCLRLossOptions = {}) {
    super('simclr_loss', 1, options);
    this.temperature = positiveOption(options.temperature ?? 0.05, 'temperature', this.name);
  }

  /** A SimCLRLoss from the config its `toConfig` wrote. */
  static fromConfig(config: ComponentConfig): SimCLRLoss {
    return new SimCLRLoss(lossSettings(config, SIMCLR_LOSS_TYPE));
  }

  toConfig(): ComponentConfig {
    return lossConfig(SIMCLR_LOSS_TYPE, { ...this.baseConfig(), temperature: this.temperature });
  }

  protected lossOf(za: tf.Tensor2D, zb: tf.Tensor2D): tf.Tensor {
    const a = l2Normalize(za);
    const b = l2Normalize(zb);
    return tf.add(this.contrast(a, b), this.contrast(b, a));
  }

  /** Per-sample cross-entropy [B] of anchors `h1` against positives `h2`, negatives the rest of both views. */
  private contrast(h1: tf.Tensor2D, h2: tf.Tensor2D): tf.Tensor1D {
    const b = h1.shape[0];
    const ab = tf.div(tf.matMul(h1, h2, false, true), this.temperature);
    const aa = tf.sub(tf.div(tf.matMul(h1, h1, false, true), this.temperature), tf.mul(tf.eye(b), LARGE_NUM));
    const logits = tf.concat([ab, aa], 1);
    // softmax_cross_entropy_with_logits with one-hot label i: logsumexp(row) − logits[i, i].
    const positive = tf.sum(tf.mul(ab, tf.eye(b)), 1);
    return tf.sub(tf.logSumExp(logits, 1), positive) as tf.Tensor1D;
  }
}
