import * as tf from '@tensorflow/tfjs-core';
import {
  type MaskedExtreme,
  maskedExtremeValue,
  maskedIndex,
  maskedMax,
  maskedMin,
  oneHotRows,
} from './masked-extremes.js';
import { constant } from './stop-gradient.js';

/** How the positive of an anchor is chosen: the farthest (`hard`) or the nearest (`easy`) same-class example. */
export type PositiveMining = 'hard' | 'easy';
/**
 * How the negative of an anchor is chosen: the nearest (`hard`), the farthest
 * (`easy`), or the nearest one farther than the hardest positive (`semi-hard`,
 * falling back to the farthest negative when none is).
 */
export type NegativeMining = 'hard' | 'semi-hard' | 'easy';

export const POSITIVE_MINING: readonly PositiveMining[] = ['hard', 'easy'];
export const NEGATIVE_MINING: readonly NegativeMining[] = ['hard', 'semi-hard', 'easy'];

/** The mined positive of each anchor, as TF Similarity's `positive_distances`. */
export function positiveDistances(strategy: PositiveMining, d: tf.Tensor2D, positive: tf.Tensor2D): MaskedExtreme {
  return strategy === 'hard' ? maskedMax(d, positive) : maskedMin(d, positive);
}

/** The mined negative of each anchor, as TF Similarity's `negative_distances`. */
export function negativeDistances(
  strategy: NegativeMining,
  d: tf.Tensor2D,
  negative: tf.Tensor2D,
  positive: tf.Tensor2D,
): MaskedExtreme {
  if (strategy === 'hard') return maskedMin(d, negative);
  if (strategy === 'easy') return maskedMax(d, negative);
  const semiHard = constant(
    (dd, nm, pm) => {
      const dist = dd as tf.Tensor2D;
      const negMask = nm as tf.Tensor2D;
      const greater = tf.greater(dist, maskedExtremeValue(dist, pm as tf.Tensor2D, 'max'));
      // The fallback column is where TF Similarity's masked_max over negatives points (0 for a row without any).
      const easy = tf.cast(oneHotRows(maskedIndex(dist, negMask, 'max'), dist.shape[1]), 'bool');
      return tf.where(greater, negMask, easy);
    },
    d,
    negative,
    positive,
  ) as tf.Tensor2D;
  return maskedMin(d, semiHard);
}

/**
 * Per-anchor triplet term from mined distances [B, 1]: `max(pos − neg + margin, 0)`,
 * or the soft margin `log(1 + exp(pos − neg))` when `margin` is null.
 */
export function tripletTerm(pos: tf.Tensor2D, neg: tf.Tensor2D, margin: number | null): tf.Tensor2D {
  const gap = tf.sub(pos, neg);
  return (margin === null ? tf.softplus(gap) : tf.maximum(tf.add(gap, margin), 0)) as tf.Tensor2D;
}
