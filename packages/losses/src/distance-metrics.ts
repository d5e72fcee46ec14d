import { type Distance, describe, invalidArgument } from '@simkit/core';
import { resolveDistance } from '@simkit/distances';
import '@simkit/distances/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { checkEmbeddings, choiceOption, type LabelsLike, readLabels } from './loss-input.js';
import { maskedExtremeValue } from './masked-extremes.js';
import type { TensorDistance } from './metric-loss.js';
import { pairMasks } from './pair-masks.js';

/**
 * A number computed from one training batch (labels and embeddings), without gradient:
 * what `trainSimilarityModel` of @simkit/model reports beside the loss at every step.
 */
export interface BatchMetric {
  /** Name of the value in progress events and histories, e.g. `dist_gap`. */
  readonly name: string;
  /** The metric of one batch, as a float32 scalar (the caller disposes it). */
  compute(labels: LabelsLike, embeddings: tf.Tensor2D): tf.Scalar;
}

/** How per-anchor distances are reduced over the batch. `avg` is `mean`. */
export type DistanceAggregate = 'mean' | 'avg' | 'max' | 'min' | 'sum';
/** Which pairs of each anchor are looked at: its positives (same class) or its negatives. */
export type DistanceAnchor = 'positive' | 'negative';

const AGGREGATES: readonly DistanceAggregate[] = ['mean', 'avg', 'max', 'min', 'sum'];
const ANCHORS: readonly DistanceAnchor[] = ['positive', 'negative'];
const POSITIVE_STRATEGIES = ['hard', 'semi-hard', 'easy'] as const;
const NEGATIVE_STRATEGIES = ['hard', 'easy'] as const;

/** Options of `DistanceMetric`. */
export interface DistanceMetricOptions {
  /** Distance name (any alias) or a Distance with a differentiable tfjs `pairwise`. Required. */
  readonly distance: string | Distance;
  /** Reduction over the batch. Default `'mean'`. */
  readonly aggregate?: DistanceAggregate;
  /** Default `'positive'`. */
  readonly anchor?: DistanceAnchor;
  /** Name; default `<aggregate>_<first 3 letters of anchor>`, e.g. `max_pos`. */
  readonly name?: string;
  /** `'hard'` (default): each anchor's farthest positive; `'semi-hard'` or `'easy'`: its closest. */
  readonly positiveMining?: (typeof POSITIVE_STRATEGIES)[number];
  /**
   * `'hard'` (default): each anchor's **farthest** negative; `'easy'`: its closest. This is
   * what TensorFlow Similarity's `DistanceMetric` does (it maps `hard` to the masked maximum),
   * kept so that the numbers match; see the README.
   */
  readonly negativeMining?: (typeof NEGATIVE_STRATEGIES)[number];
}

function tensorDistance(distance: unknown, metric: string): TensorDistance {
  if (distance === undefined) {
    throw invalidArgument(`${metric}: distance is required, e.g. { distance: 'cosine' } (the loss's distance).`);
  }
  return resolveDistance(distance as string | Distance) as TensorDistance;
}

/**
 * TensorFlow Similarity's `DistanceMetric`: for every anchor of the batch, one distance
 * (to its farthest or closest positive, or to a negative), reduced over the batch. A row
 * with no positive (or no negative) takes TF Similarity's stand-in value: the row's
 * opposite extreme ∓ 1e-6. Like the Python metric, it keeps only the last batch's value.
 */
export class DistanceMetric implements BatchMetric {
  readonly name: string;
  readonly distance: TensorDistance;
  readonly aggregate: DistanceAggregate;
  readonly anchor: DistanceAnchor;
  readonly positiveMining: (typeof POSITIVE_STRATEGIES)[number];
  readonly negativeMining: (typeof NEGATIVE_STRATEGIES)[number];

  constructor(options: DistanceMetricOptions) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(
        `DistanceMetric: options must be an object such as { distance: 'cosine' }; got ${describe(options)}.`,
      );
    }
    const label = 'DistanceMetric';
    this.distance = tensorDistance(options.distance, label);
    this.aggregate = choiceOption(options.aggregate ?? 'mean', AGGREGATES, 'aggregate', label);
    this.anchor = choiceOption(options.anchor ?? 'positive', ANCHORS, 'anchor', label);
    this.positiveMining = choiceOption(options.positiveMining ?? 'hard', POSITIVE_STRATEGIES, 'positiveMining', label);
    this.negativeMining = choiceOption(options.negativeMining ?? 'hard', NEGATIVE_STRATEGIES, 'negativeMining', label);
    const name = options.name ?? `${this.aggregate}_${this.anchor.slice(0, 3)}`;
    if (typeof name !== 'string' || name.length === 0) {
      throw invalidArgument(`${label}: name must be a non-empty string; got ${describe(name)}.`);
    }
    this.name = name;
  }

  compute(labels: LabelsLike, embeddings: tf.Tensor2D): tf.Scalar {
    checkEmbeddings(embeddings, this.name);
    const y = readLabels(labels, embeddings.shape[0], this.name);
    return tf.tidy(() => {
      const d = this.distance.pairwise(embeddings, embeddings);
      const masks = pairMasks(tf.tensor1d(y, 'int32'));
      const perAnchor =
        this.anchor === 'positive'
          ? maskedExtremeValue(d, masks.positive, this.positiveMining === 'hard' ? 'max' : 'min')
          : maskedExtremeValue(d, masks.negative, this.negativeMining === 'easy' ? 'min' : 'max');
      switch (this.aggregate) {
        case 'max':
          return tf.max(perAnchor) as tf.Scalar;
        case 'min':
          return tf.min(perAnchor) as tf.Scalar;
        case 'sum':
          return tf.sum(perAnchor) as tf.Scalar;
        default:
          return tf.mean(perAnchor) as tf.Scalar;
      }
    });
  }
}

/**
 * TensorFlow Similarity's `DistanceGapMetric` (`dist_gap`): |min_neg − max_pos|, the gap
 * between the batch's `min_neg` and `max_pos` distance metrics.
 */
export class DistanceGapMetric implements BatchMetric {
  readonly name: string;
  private readonly maxPos: DistanceMetric;
  private readonly minNeg: DistanceMetric;

  constructor(options: { distance: string | Distance; name?: string }) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(
        `DistanceGapMetric: options must be an object such as { distance: 'cosine' }; got ${describe(options)}.`,
      );
    }
    const name = options.name ?? 'dist_gap';
    if (typeof name !== 'string' || name.length === 0) {
      throw invalidArgument(`DistanceGapMetric: name must be a non-empty string; got ${describe(name)}.`);
    }
    this.name = name;
    this.maxPos = new DistanceMetric({ distance: options.distance, aggregate: 'max' });
    this.minNeg = new DistanceMetric({ distance: options.distance, aggregate: 'min', anchor: 'negative' });
  }

  compute(labels: LabelsLike, embeddings: tf.Tensor2D): tf.Scalar {
    return tf.tidy(
      () =>
        tf.abs(tf.sub(this.minNeg.compute(labels, embeddings), this.maxPos.compute(labels, embeddings))) as tf.Scalar,
    );
  }
}

/**
 * The distance metrics TensorFlow Similarity names (`dist_gap`, `max_pos`, `min_neg`, …), for a
 * distance: `trainingDistanceMetrics('cosine')` gives all nine, in this order.
 */
export function trainingDistanceMetrics(distance: string | Distance): BatchMetric[] {
  const m = (aggregate: DistanceAggregate, anchor: DistanceAnchor) =>
    new DistanceMetric({ distance, aggregate, anchor });
  return [
    new DistanceGapMetric({ distance }),
    m('max', 'positive'),
    m('max', 'negative'),
    m('mean', 'positive'),
    m('mean', 'negative'),
    m('min', 'positive'),
    m('min', 'negative'),
    m('sum', 'positive'),
    m('sum', 'negative'),
  ];
}
