import { type ComponentConfig, describe, invalidArgument } from '@simkit/core';
import type * as tf from '@tensorflow/tfjs-core';
import { choiceOption, finiteOption } from './loss-input.js';
import { lossConfig, lossSettings, MetricLoss, type MetricLossOptions } from './metric-loss.js';
import {
  NEGATIVE_MINING,
  type NegativeMining,
  negativeDistances,
  POSITIVE_MINING,
  type PositiveMining,
  positiveDistances,
  tripletTerm,
} from './mining.js';
import type { PairMasks } from './pair-masks.js';

export interface TripletLossOptions extends MetricLossOptions {
  /** Default `'hard'`. */
  readonly positiveMining?: PositiveMining;
  /** Default `'semi-hard'`. */
  readonly negativeMining?: NegativeMining;
  /**
   * Target gap between positive and negative distances. `null` (the default, as
   * TF Similarity's `margin=None`) uses the soft margin `log(1 + exp(pos − neg))`.
   */
  readonly margin?: number | null;
  /**
   * Another way to choose the soft margin: `true` is `margin: null`; `false`
   * with no `margin` means `margin: 1`. Conflicts with a numeric `margin` when true.
   */
  readonly softMargin?: boolean;
}

/** Config `type` of TripletLoss. */
export const TRIPLET_LOSS_TYPE = 'triplet-loss';

/** Resolves `margin` / `softMargin` to a margin, or null for the soft margin. */
export function resolveMargin(options: { margin?: number | null; softMargin?: boolean }, loss: string): number | null {
  const { margin, softMargin } = options;
  if (softMargin !== undefined && typeof softMargin !== 'boolean') {
    throw invalidArgument(`${loss}: softMargin must be true or false; got ${describe(softMargin)}.`);
  }
  const hasMargin = margin !== undefined && margin !== null;
  if (softMargin === true && hasMargin) {
    throw invalidArgument(`${loss}: softMargin is true but margin is ${margin}; pass one or the other.`);
  }
  if (hasMargin) return finiteOption(margin, 'margin', loss);
  return softMargin === false ? 1 : null;
}

/** Positive and negative mining plus margin: what TripletLoss and PNLoss share. */
export interface TripletSettings {
  readonly positiveMining: PositiveMining;
  readonly negativeMining: NegativeMining;
  readonly margin: number | null;
}

export function tripletSettings(options: TripletLossOptions, loss: string): TripletSettings {
  return {
    positiveMining: choiceOption(options.positiveMining ?? 'hard', POSITIVE_MINING, 'positiveMining', loss),
    negativeMining: choiceOption(options.negativeMining ?? 'semi-hard', NEGATIVE_MINING, 'negativeMining', loss),
    margin: resolveMargin(options, loss),
  };
}

/**
 * What TripletLoss and PNLoss share: mining strategies, margin, and their config.
 * Subclasses give the per-anchor term.
 */
export abstract class MinedTripletLoss extends MetricLoss implements TripletSettings {
  readonly positiveMining: PositiveMining;
  readonly negativeMining: NegativeMining;
  /** The margin, or null for the soft margin. */
  readonly margin: number | null;

  protected constructor(
    defaultName: string,
    private readonly configType: string,
    options: TripletLossOptions,
  ) {
    super(defaultName, 'cosine', options);
    const s = tripletSettings(options, this.name);
    this.positiveMining = s.positiveMining;
    this.negativeMining = s.negativeMining;
    this.margin = s.margin;
  }

  /** True when the soft margin is used. */
  get softMargin(): boolean {
    return this.margin === null;
  }

  toConfig(): ComponentConfig {
    const { positiveMining, negativeMining, margin } = this;
    return lossConfig(this.configType, { ...this.baseConfig(), positiveMining, negativeMining, margin });
  }
}

/**
 * Triplet loss (Schroff et al. 2015, arXiv:1503.03832) with online mining, as
 * TF Similarity's `TripletLoss`: per anchor, a mined positive and a mined
 * negative, then `max(pos − neg + margin, 0)` or the soft margin `log(1 + exp(pos − neg))`.
 * Defaults: distance `cosine`, positive `hard`, negative `semi-hard`, soft margin.
 */
export class TripletLoss extends MinedTripletLoss {
  constructor(options: TripletLossOptions = {}) {
    super('triplet_loss', TRIPLET_LOSS_TYPE, options);
  }

  /** A TripletLoss from the config its `toConfig` wrote. */
  static fromConfig(config: ComponentConfig): TripletLoss {
    return new TripletLoss(lossSettings(config, TRIPLET_LOSS_TYPE));
  }

  protected perAnchor(d: tf.Tensor2D, { positive, negative }: PairMasks): tf.Tensor {
    const pos = positiveDistances(this.positiveMining, d, positive);
    const neg = negativeDistances(this.negativeMining, d, negative, positive);
    return tripletTerm(pos.value, neg.value, this.margin);
  }
}
