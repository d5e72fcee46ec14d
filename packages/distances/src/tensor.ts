/**
 * `@simkit/distances/tensor`: the differentiable tfjs `pairwise` of the six distances.
 * Import it once, for its effect, wherever `distance.pairwise(a, b)` is used (losses,
 * training): it is the only module of this package that loads @tensorflow/tfjs-core,
 * so indexing and search never need it.
 *
 *     import '@simkit/distances/tensor';
 */
import * as tf from '@tensorflow/tfjs-core';
import { absoluteDifferenceKernel } from './absolute-difference-kernel.js';
import { registerTensorPairwise } from './base-distance.js';
import { querySumsOfSquares } from './snr-distance.js';
import { snrKernel } from './snr-kernel.js';
import { squaredDifferenceKernel } from './squared-difference-kernel.js';
import { checkTensorPair, differenceGradients, forwardWithKernel, pairwiseOp } from './tensor-pairwise.js';

declare module './base-distance.js' {
  // With this entry imported, `pairwise` takes and returns tfjs' `Tensor2D`.
  interface PairwiseTensorTypes {
    readonly tensor2d: tf.Tensor2D;
  }
}

/** Below this distance the euclidean gradient is 0, as in TF Similarity (whose floor is 1e-18 on the square). */
export const EUCLIDEAN_GRADIENT_FLOOR = 1e-9;

type Op = (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/** Registers `op` for `name`, behind the shape and dtype checks every pairwise shares. */
function register(name: string, op: Op): void {
  registerTensorPairwise(name, (a, b) => {
    checkTensorPair(a, b, name);
    return op(a, b);
  });
}

/**
 * cosine: `max(1 − A·Bᵀ, 0)` with matMul on the backend. Gradient: −dy·B for A and −dyᵀ·A
 * for B where 1 − q·k ≥ 0 (as TF's maximum passes it), 0 where the clamp is active.
 */
register('cosine', (a, b) =>
  pairwiseOp(
    a,
    b,
    (x, y) => tf.tidy(() => tf.maximum(tf.sub(1, tf.matMul(x, y, false, true)), 0)),
    (dy, sa, sb) => {
      const open = tf.lessEqual(tf.matMul(sa, sb, false, true), 1);
      const g = tf.where(open, tf.neg(dy), tf.zerosLike(dy));
      return [tf.matMul(g, sb), tf.matMul(g, sa, true, false)];
    },
  ),
);

/** inner_product: `1 − A·Bᵀ` with matMul on the backend; gradient −dy·B for A and −dyᵀ·A for B. */
register('inner_product', (a, b) =>
  pairwiseOp(
    a,
    b,
    (x, y) => tf.tidy(() => tf.sub(1, tf.matMul(x, y, false, true))),
    (dy, sa, sb) => {
      const g = tf.neg(dy);
      return [tf.matMul(g, sb), tf.matMul(g, sa, true, false)];
    },
  ),
);

/**
 * euclidean: values from the direct-difference kernel (the same numbers as `batch`).
 * Gradient: ∂d_ij/∂a_i = (a_i − b_j) / d_ij, and 0 where d_ij < 1e-9 so identical rows give no NaN.
 */
const euclideanForward = forwardWithKernel((q, k, dim, rows, cols, out) =>
  squaredDifferenceKernel(q, k, dim, rows, cols, out, true),
);
register('euclidean', (a, b) =>
  pairwiseOp(a, b, euclideanForward, (dy, sa, sb, value) => {
    const w = tf.where(
      tf.greaterEqual(value, EUCLIDEAN_GRADIENT_FLOOR),
      tf.div(dy, tf.maximum(value, EUCLIDEAN_GRADIENT_FLOOR)),
      tf.zerosLike(dy),
    );
    return differenceGradients(w, sa, sb);
  }),
);

/** squared_euclidean: values from the direct-difference kernel; ∂/∂a_i = 2 Σ_j dy_ij (a_i − b_j). */
const squaredForward = forwardWithKernel((q, k, dim, rows, cols, out) =>
  squaredDifferenceKernel(q, k, dim, rows, cols, out, false),
);
register('squared_euclidean', (a, b) =>
  pairwiseOp(a, b, squaredForward, (dy, sa, sb) => differenceGradients(tf.mul(dy, 2), sa, sb)),
);

/**
 * manhattan: values from the Float32Array kernel. Gradient ∂/∂a_i = Σ_j dy_ij · sign(a_i − b_j)
 * (0 where equal, as TF's abs), which needs a [Q, K, D] tensor during backprop.
 */
const manhattanForward = forwardWithKernel(absoluteDifferenceKernel);
register('manhattan', (a, b) =>
  pairwiseOp(a, b, manhattanForward, (dy, sa, sb) => {
    const weighted = tf.mul(tf.sign(tf.sub(tf.expandDims(sa, 1), tf.expandDims(sb, 0))), tf.expandDims(dy, 2));
    return [tf.sum(weighted, 1), tf.neg(tf.sum(weighted, 0))];
  }),
);

/**
 * snr: values from the Float32Array kernel (no [Q, K, D] tensor). With centred rows a′, b′,
 * U_i = var(a_i) and S = the result, ∂S_ij/∂a_i = 2 / (D·U_i) · ((a′_i − b′_j) − S_ij · a′_i)
 * and ∂S_ij/∂b_j = −2 / (D·U_i) · (a′_i − b′_j).
 */
register('snr', (a, b) => {
  const [rows, dim] = a.shape;
  // Checked on the data before building the op, so a constant query fails right here.
  const querySS = querySumsOfSquares(a.dataSync() as Float32Array, dim, rows, 'pairwise');
  const forward = forwardWithKernel((q, k, d, r, c, out) => snrKernel(q, k, d, r, c, out, querySS));
  return pairwiseOp(a, b, forward, (dy, sa, sb, value) => {
    const ac = tf.sub(sa, tf.mean(sa, 1, true));
    const bc = tf.sub(sb, tf.mean(sb, 1, true));
    const anchorVariance = tf.mean(tf.square(ac), 1, true);
    // g_ij = 2 dy_ij / (D · U_i)
    const g = tf.div(tf.mul(dy, 2 / dim), anchorVariance);
    const [gradA, gradB] = differenceGradients(g, ac, bc) as [tf.Tensor, tf.Tensor];
    return [tf.sub(gradA, tf.mul(ac, tf.sum(tf.mul(g, value), 1, true))), gradB];
  });
});
