import { type ComponentConfig, describe, invalidArgument } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type ContrastiveLossOptions, l2Normalize, PerSampleContrastiveLoss } from './contrastive-loss.js';
import { choiceOption, finiteOption } from './loss-input.js';
import { lossConfig, lossSettings } from './metric-loss.js';
import { constant } from './stop-gradient.js';

/** How SimSiamLoss turns the cosine similarity s into a loss, as TF Similarity's `projection_type`. */
export type SimSiamProjection = 'negative_cosine_sim' | 'cosine_distance' | 'angular_distance';

/** The projection types SimSiamLoss accepts. */
export const SIMSIAM_PROJECTIONS: readonly SimSiamProjection[] = [
  'negative_cosine_sim',
  'cosine_distance',
  'angular_distance',
];

export interface SimSiamLossOptions extends ContrastiveLossOptions {
  /** `negative_cosine_sim` (−s, the default), `cosine_distance` (1 − s) or `angular_distance` (acos(s) / π). */
  readonly projectionType?: SimSiamProjection;
  /** Added to every sample's loss. Default 0.001. */
  readonly margin?: number;
  /**
   * Treat the projector output (first argument) as a constant, as TF Similarity's
   * `ContrastiveModel` does with `tf.stop_gradient` before calling the loss. Default true.
   */
  readonly stopGradient?: boolean;
}

/** Config `type` of SimSiamLoss. */
export const SIMSIAM_LOSS_TYPE = 'simsiam-loss';

/**
 * SimSiam loss (Chen & He 2021, arXiv:2011.10566), as TF Similarity's `SimSiamLoss`:
 * with s the cosine similarity of the projector output z_i and the predictor output
 * p_i (each L2-normalised), per sample `0.5 · projection(s) + margin`. Defaults:
 * `negative_cosine_sim`, margin 0.001, and the projector output held constant (the
 * stop-gradient TF Similarity's `ContrastiveModel` applies). The symmetric SimSiam
 * objective is `call(z1, p2) + call(z2, p1)`, as that model computes it.
 * With `angular_distance`, s is clipped to [−1, 1]; its slope is infinite at s = ±1 (identical views).
 */
export class SimSiamLoss extends PerSampleContrastiveLoss {
  readonly projectionType: SimSiamProjection;
  readonly margin: number;
  readonly stopGradient: boolean;

  constructor(options: SimSiamLossOptions = {}) {
    super('simsiam_loss', 1, options);
    this.projectionType = choiceOption(
      options.projectionType ?? 'negative_cosine_sim',
      SIMSIAM_PROJECTIONS,
      'projectionType',
      this.name,
    );
    this.margin = finiteOption(options.margin ?? 0.001, 'margin', this.name);
    const stop = options.stopGradient ?? true;
    if (typeof stop !== 'boolean') {
      throw invalidArgument(`${this.name}: stopGradient must be true or false; got ${describe(stop)}.`);
    }
    this.stopGradient = stop;
  }

  /** A SimSiamLoss from the config its `toConfig` wrote. */
  static fromConfig(config: ComponentConfig): SimSiamLoss {
    return new SimSiamLoss(lossSettings(config, SIMSIAM_LOSS_TYPE));
  }

  toConfig(): ComponentConfig {
    return lossConfig(SIMSIAM_LOSS_TYPE, {
      ...this.baseConfig(),
      projectionType: this.projectionType,
      margin: this.margin,
      stopGradient: this.stopGradient,
    });
  }

  /**
   * Per sample, `0.5 · projection(cos(z_i, p_i)) + margin`.
   * @param projector the projector output z [B, D] (held constant unless `stopGradient` is false)
   * @param predictor the predictor output p [B, D] of the other view
   */
  protected lossOf(projector: tf.Tensor2D, predictor: tf.Tensor2D): tf.Tensor {
    const z = l2Normalize(this.stopGradient ? constant((x) => tf.clone(x) as tf.Tensor2D, projector) : projector);
    const p = l2Normalize(predictor);
    const s = tf.sum(tf.mul(p, z), 1);
    let projected: tf.Tensor;
    if (this.projectionType === 'negative_cosine_sim') projected = tf.neg(s);
    else if (this.projectionType === 'cosine_distance') projected = tf.sub(1, s);
    else projected = tf.div(tf.acos(tf.clipByValue(s, -1, 1)), Math.PI);
    return tf.add(tf.mul(projected, 0.5), this.margin);
  }
}
