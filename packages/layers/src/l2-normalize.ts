import { type Tensor, div, maximum, scalar, sqrt, square, sum, tidy } from '@tensorflow/tfjs-core';

/** Smallest squared norm used as a divisor, as in `tf.math.l2_normalize`. */
const EPSILON = 1e-12;

/** `x / sqrt(max(Σx², 1e-12))` along the last axis; a zero vector stays zero. */
export function l2NormalizeLastAxis(x: Tensor): Tensor {
  return tidy(() => {
    const squared = sum(square(x), -1, true);
    return div(x, sqrt(maximum(squared, scalar(EPSILON))));
  });
}
