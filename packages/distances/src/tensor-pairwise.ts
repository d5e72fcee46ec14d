import { SimkitError, describe, invalidArgument } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';

/** Checks the tensors of `pairwise`: float32 rank-2 tensors with the same number of columns. */
export function checkTensorPair(a: unknown, b: unknown, distance: string): asserts a is tf.Tensor2D {
  for (const [t, what] of [
    [a, 'a'],
    [b, 'b'],
  ] as const) {
    if (!(t instanceof tf.Tensor)) {
      throw invalidArgument(`${distance}.pairwise: ${what} must be a tf.Tensor2D; got ${describe(t)}.`);
    }
    if (t.isDisposed) {
      throw invalidArgument(
        `${distance}.pairwise: ${what} is a tensor that was disposed; pass a live tensor (dispose it only after pairwise).`,
      );
    }
    if (t.rank !== 2) {
      throw invalidArgument(
        `${distance}.pairwise: ${what} has shape [${t.shape.join(', ')}]; pass a rank-2 tensor [rows, dim] (tf.reshape or tf.expandDims first).`,
      );
    }
    if (t.dtype !== 'float32') {
      throw invalidArgument(`${distance}.pairwise: ${what} has dtype ${t.dtype}; cast it with tf.cast(x, 'float32').`);
    }
  }
  const da = (a as tf.Tensor).shape[1];
  const db = (b as tf.Tensor).shape[1];
  if (da !== db) {
    throw new SimkitError(
      'DIMENSION_MISMATCH',
      `${distance}.pairwise: a has ${da} columns and b has ${db}; both must hold embeddings of the same dimension.`,
      { details: { expected: da, actual: db } },
    );
  }
}

/** Gradients of Σ_ij dy_ij · value_ij with respect to a [Q, D] and b [K, D]. */
export type PairwiseGradient = (dy: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D, value: tf.Tensor2D) => tf.Tensor[];

/**
 * A differentiable [Q, D] × [K, D] → [Q, K] op with a hand-written gradient.
 * Writing the gradient out keeps it free of NaN where the distance has a kink and
 * makes `pairwise` differentiable with tfjs-core alone (no gradient registration needed).
 */
export function pairwiseOp(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  forward: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D,
  gradient: PairwiseGradient,
): tf.Tensor2D {
  const op = tf.customGrad((x, y, save) => {
    const value = forward(x as tf.Tensor2D, y as tf.Tensor2D);
    (save as tf.GradSaveFunc)([x as tf.Tensor2D, y as tf.Tensor2D, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [sa, sb, sv] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        return gradient(dy, sa, sb, sv);
      },
    };
  });
  return op(a, b) as tf.Tensor2D;
}

/** Fills `out` [rows, cols] from query and key data, as the Float32Array kernels do. */
export type FillKernel = (
  queries: Float32Array,
  keys: Float32Array,
  dim: number,
  rows: number,
  cols: number,
  out: Float32Array,
) => unknown;

/**
 * Runs a Float32Array kernel on the tensors' values, so `pairwise` gives the same
 * numbers as `batch`. Reads the data synchronously (cheap on cpu, wasm and node;
 * a GPU sync on webgl).
 */
export function forwardWithKernel(kernel: FillKernel): (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D {
  return (a, b) => {
    const [rows, dim] = a.shape;
    const cols = b.shape[0];
    const out = new Float32Array(rows * cols);
    if (dim > 0 && out.length > 0) {
      kernel(a.dataSync() as Float32Array, b.dataSync() as Float32Array, dim, rows, cols, out);
    }
    return tf.tensor2d(out, [rows, cols]);
  };
}

/**
 * Σ_j w_ij (a_i − b_j) for every i and −Σ_i w_ij (a_i − b_j) for every j, with matMuls:
 * the gradients of any Σ_ij f(|a_i − b_j|²)-style distance once `w` holds the per-pair factors.
 */
export function differenceGradients(w: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor[] {
  const gradA = tf.sub(tf.mul(a, tf.sum(w, 1, true)), tf.matMul(w, b));
  const gradB = tf.sub(tf.mul(b, tf.transpose(tf.sum(w, 0, true))), tf.matMul(w, a, true, false));
  return [gradA, gradB];
}
