import * as tf from '@tensorflow/tfjs-core';
import { constant } from './stop-gradient.js';

/**
 * `log(1 + Σ_{j: mask_ij} exp(x_ij))` per row → [B, 1], the masked LogSumExp of
 * TF Similarity's losses (the 1 keeps the loss ≥ 0). Shifted by
 * `max(0, max_masked x)` so no term overflows and the log's argument stays ≥ 1:
 * a row with no masked entry gives exactly 0, never -Infinity or NaN.
 */
export function maskedLogSumExpPlusOne(x: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
  const shift = constant((xx, m) => tf.maximum(tf.max(tf.where(m, xx, Number.NEGATIVE_INFINITY), 1, true), 0), x, mask);
  const weights = constant((m) => tf.cast(m, 'float32'), mask);
  // min(·, 0) only bites on masked-out entries, whose terms are zeroed anyway.
  const terms = tf.mul(tf.exp(tf.minimum(tf.sub(x, shift), 0)), weights);
  return tf.add(tf.log(tf.add(tf.exp(tf.neg(shift)), tf.sum(terms, 1, true))), shift) as tf.Tensor2D;
}
