import { randomVectors } from '@simkit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DISTANCE_NAMES, EuclideanDistance, SquaredEuclideanDistance, resolveDistance } from '../src/index.js';
import { useCpuBackend } from './helpers.js';

beforeAll(useCpuBackend);

const NQ = 3;
const NK = 4;
const DIM = 5;

/** f(A, B) = Σ_ij W_ij · d(A_i, B_j), in float64 through the scalar kernel. */
function objective(name: string, a: Float32Array, b: Float32Array, w: Float32Array): number {
  const d = resolveDistance(name);
  let f = 0;
  for (let i = 0; i < NQ; i++) {
    for (let j = 0; j < NK; j++) {
      f +=
        (w[i * NK + j] as number) * d.compute(a.subarray(i * DIM, (i + 1) * DIM), b.subarray(j * DIM, (j + 1) * DIM));
    }
  }
  return f;
}

/** Central finite differences of `objective` with respect to every value of `x` (A or B). */
function numericGradient(f: () => number, x: Float32Array): Float64Array {
  const g = new Float64Array(x.length);
  for (let t = 0; t < x.length; t++) {
    const v = x[t] as number;
    // The float32 steps actually taken, so rounding of v ± h does not bias the quotient.
    x[t] = v + 2 ** -10;
    const up = (x[t] as number) - v;
    const fUp = f();
    x[t] = v - 2 ** -10;
    const down = v - (x[t] as number);
    const fDown = f();
    x[t] = v;
    g[t] = (fUp - fDown) / (up + down);
  }
  return g;
}

// No tfjs gradients are registered in this file (tfjs-core alone does not register them):
// pairwise must be differentiable on its own, so the vector–Jacobian products below go through
// tf.grads with an explicit dy and no other op.

describe.each(DISTANCE_NAMES.map((n) => [n]))('%s pairwise gradient', (name) => {
  it('matches finite differences for both arguments', () => {
    // Small values keep |a·b| < 1, so cosine stays away from its clamp at 0.
    const a = randomVectors(NQ, DIM, 3).map((v) => v * 0.3);
    const b = randomVectors(NK, DIM, 4).map((v) => v * 0.3);
    const w = randomVectors(NQ, NK, 5);
    const d = resolveDistance(name);
    // The gradient of Σ_ij W_ij · d(A_i, B_j) is the vector–Jacobian product with dy = W.
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => d.pairwise(x as tf.Tensor2D, y as tf.Tensor2D))(
      [tf.tensor2d(a, [NQ, DIM]), tf.tensor2d(b, [NK, DIM])],
      tf.tensor2d(w, [NQ, NK]),
    );
    const gotA = ga!.dataSync();
    const gotB = gb!.dataSync();
    const wantA = numericGradient(() => objective(name, a, b, w), a);
    const wantB = numericGradient(() => objective(name, a, b, w), b);
    for (let t = 0; t < a.length; t++) {
      expect(Math.abs((gotA[t] as number) - (wantA[t] as number))).toBeLessThan(
        1e-3 * Math.max(1, Math.abs(wantA[t]!)),
      );
    }
    for (let t = 0; t < b.length; t++) {
      expect(Math.abs((gotB[t] as number) - (wantB[t] as number))).toBeLessThan(
        1e-3 * Math.max(1, Math.abs(wantB[t]!)),
      );
    }
  });
});

describe('euclidean gradient at identical rows', () => {
  it('is finite and 0 for the coinciding pairs', () => {
    // X = [[1,2],[1,2],[0,0]]; f = Σ_ij pairwise(X, X)_ij. Rows 0 and 1 coincide: those pairs and the
    // diagonal contribute no gradient. |x0 − x2| = √5, and ∂|x_i − x_j| / ∂x_i = (x_i − x_j) / |x_i − x_j|.
    // x0 is in pairs (0,2) and (2,0): 2 · [1,2] / √5 = [0.894427, 1.788854]; x1 likewise.
    // x2 is in (0,2), (2,0), (1,2), (2,1): 4 · [−1,−2] / √5 = [−1.788854, −3.577709].
    const x = tf.tensor2d([
      [1, 2],
      [1, 2],
      [0, 0],
    ]);
    const pairwise = (t: tf.Tensor) => new EuclideanDistance().pairwise(t as tf.Tensor2D, t as tf.Tensor2D);
    const g = tf.grad(pairwise)(x, tf.ones([3, 3]));
    const got = Array.from(g.dataSync());
    const s = 1 / Math.sqrt(5);
    const want = [2 * s, 4 * s, 2 * s, 4 * s, -4 * s, -8 * s];
    for (const [i, v] of got.entries()) expect(v).toBeCloseTo(want[i] as number, 5);
  });

  it('squared euclidean through the same tensor twice sums both roles', () => {
    // f = Σ_ij |x_i − x_j|², ∂f/∂x_i = 4 Σ_j (x_i − x_j). X = [[1],[3]]: ∂/∂x0 = 4 · (1 − 3) = −8, ∂/∂x1 = +8.
    const pairwise = (t: tf.Tensor) => new SquaredEuclideanDistance().pairwise(t as tf.Tensor2D, t as tf.Tensor2D);
    const g = tf.grad(pairwise)(tf.tensor2d([[1], [3]]), tf.ones([2, 2]));
    expect(Array.from(g.dataSync())).toEqual([-8, 8]);
  });
});

describe('pairwise memory', () => {
  it('leaves no tensors behind but its result and gradients', () => {
    const a = tf.tensor2d([[1, 2, 4]]);
    const b = tf.tensor2d([
      [3, 4, 0],
      [1, 1, 1],
    ]);
    const dy = tf.ones([1, 2]);
    const before = tf.memory().numTensors;
    for (const name of DISTANCE_NAMES) {
      const d = resolveDistance(name);
      tf.dispose(d.pairwise(a, b));
      tf.dispose(tf.grads((x: tf.Tensor, y: tf.Tensor) => d.pairwise(x as tf.Tensor2D, y as tf.Tensor2D))([a, b], dy));
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
