import * as tf from '@tensorflow/tfjs-core';

/** Which pairs of a batch share a class: `positive` without the diagonal, `negative` the rest. */
export interface PairMasks {
  /** [B, B] bool: same class, i ≠ j (TF Similarity's `build_masks(remove_diagonal=True)`). */
  readonly positive: tf.Tensor2D;
  /** [B, B] bool: different class. */
  readonly negative: tf.Tensor2D;
}

/** Pair masks of a batch from its int32 labels [B]. */
export function pairMasks(labels: tf.Tensor1D): PairMasks {
  const b = labels.shape[0];
  const same = tf.equal(tf.reshape(labels, [b, 1]), tf.reshape(labels, [1, b])) as tf.Tensor2D;
  const offDiagonal = offDiagonalMask(b);
  return { positive: tf.logicalAnd(same, offDiagonal), negative: tf.logicalNot(same) };
}

/** [B, B] bool, false on the diagonal. */
export function offDiagonalMask(b: number): tf.Tensor2D {
  return tf.logicalNot(tf.cast(tf.eye(b), 'bool')) as tf.Tensor2D;
}

/** [B] float32: 1 where the row has at least one true entry. */
export function anyPerRow(mask: tf.Tensor2D): tf.Tensor1D {
  return tf.cast(tf.any(mask, 1), 'float32') as tf.Tensor1D;
}
