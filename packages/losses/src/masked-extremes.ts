import * as tf from '@tensorflow/tfjs-core';
import { constant } from './stop-gradient.js';

/** TF Similarity moves the value of a row with no masked entry just past the row's extreme by this much. */
export const EMPTY_ROW_OFFSET = 1e-6;

export type Extreme = 'max' | 'min';

/** A masked extreme per row: its value and which column TF Similarity reports as its index. */
export interface MaskedExtreme {
  /** [B, 1] differentiable value. */
  readonly value: tf.Tensor2D;
  /** [B, B] float32 one-hot of the column index (column 0 for a row with no masked entry), built on demand. */
  pick(): tf.Tensor2D;
}

function maskedArg(d: tf.Tensor2D, mask: tf.Tensor2D, kind: Extreme): { index: tf.Tensor1D; has: tf.Tensor1D } {
  const masked = tf.where(mask, d, kind === 'max' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
  const index = (kind === 'max' ? tf.argMax(masked, 1) : tf.argMin(masked, 1)) as tf.Tensor1D;
  return { index, has: tf.any(mask, 1) as tf.Tensor1D };
}

/** [B, cols] float32 one-hot rows of int32 `index` [B] (tf.oneHot refuses a depth of 1). */
export function oneHotRows(index: tf.Tensor1D, cols: number): tf.Tensor2D {
  const columns = tf.reshape(tf.range(0, cols, 1, 'int32'), [1, cols]);
  return tf.cast(tf.equal(tf.reshape(index, [-1, 1]), columns), 'float32') as tf.Tensor2D;
}

/**
 * The column TF Similarity's `masked_max` / `masked_min` reports per row: the first
 * masked extreme, or 0 for a row with no masked entry. For use inside `constant`.
 */
export function maskedIndex(d: tf.Tensor2D, mask: tf.Tensor2D, kind: Extreme): tf.Tensor1D {
  const { index, has } = maskedArg(d, mask, kind);
  return tf.where(has, index, tf.zerosLike(index)) as tf.Tensor1D;
}

/**
 * TF Similarity's `masked_max` / `masked_min` value without gradient: the extreme
 * of `d` over the masked entries of each row; for a row with none, the row's
 * min − 1e-6 (max) or max + 1e-6 (min). For use inside `constant`.
 */
export function maskedExtremeValue(d: tf.Tensor2D, mask: tf.Tensor2D, kind: Extreme): tf.Tensor2D {
  const masked = tf.where(mask, d, kind === 'max' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
  const inside = kind === 'max' ? tf.max(masked, 1, true) : tf.min(masked, 1, true);
  const fallback =
    kind === 'max' ? tf.sub(tf.min(d, 1, true), EMPTY_ROW_OFFSET) : tf.add(tf.max(d, 1, true), EMPTY_ROW_OFFSET);
  return tf.where(tf.any(mask, 1, true), inside, fallback) as tf.Tensor2D;
}

/**
 * Differentiable masked extreme, as TF Similarity's `masked_max` / `masked_min`:
 * the gradient reaches the one selected entry (the first on ties); a row with no
 * masked entry takes the row's opposite extreme ∓ 1e-6 and reports index 0.
 */
export function maskedExtreme(d: tf.Tensor2D, mask: tf.Tensor2D, kind: Extreme): MaskedExtreme {
  const cols = d.shape[1];
  const valueSelect = constant(
    (dd, m) => {
      const { index, has } = maskedArg(dd as tf.Tensor2D, m as tf.Tensor2D, kind);
      const fallback = kind === 'max' ? tf.argMin(dd, 1) : tf.argMax(dd, 1);
      return oneHotRows(tf.where(has, index, fallback) as tf.Tensor1D, cols);
    },
    d,
    mask,
  );
  const emptyOffset = constant(
    (m) =>
      tf.mul(
        tf.cast(tf.logicalNot(tf.any(m, 1, true)), 'float32'),
        kind === 'max' ? -EMPTY_ROW_OFFSET : EMPTY_ROW_OFFSET,
      ),
    mask,
  );
  const pick = () =>
    constant((dd, m) => oneHotRows(maskedIndex(dd as tf.Tensor2D, m as tf.Tensor2D, kind), cols), d, mask);
  const value = tf.add(tf.sum(tf.mul(d, valueSelect), 1, true), emptyOffset) as tf.Tensor2D;
  return { value, pick };
}

export function maskedMax(d: tf.Tensor2D, mask: tf.Tensor2D): MaskedExtreme {
  return maskedExtreme(d, mask, 'max');
}

export function maskedMin(d: tf.Tensor2D, mask: tf.Tensor2D): MaskedExtreme {
  return maskedExtreme(d, mask, 'min');
}
