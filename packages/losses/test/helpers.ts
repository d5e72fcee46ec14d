import { seededRandom } from '@simkit/core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; tfjs-layers and the @tensorflow/tfjs bundle do this import.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import type { MetricLoss } from '../src/index.js';
import type { Matrix } from './reference-losses.js';

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/**
 * The hand-worked batch: four unit vectors in 2-D, classes [0, 0, 1, 1].
 * e0 = (1, 0), e1 = (0.6, 0.8), e2 = (0, 1), e3 = (−0.6, 0.8).
 * Cosine distances 1 − eᵢ·eⱼ:
 *   d01 = 1 − 0.6 = 0.4    d02 = 1 − 0 = 1      d03 = 1 + 0.6 = 1.6
 *   d12 = 1 − 0.8 = 0.2    d13 = 1 − (−0.36 + 0.64) = 0.72    d23 = 1 − 0.8 = 0.2
 */
export const HAND_EMBEDDINGS: Matrix = [
  [1, 0],
  [0.6, 0.8],
  [0, 1],
  [-0.6, 0.8],
];
export const HAND_LABELS = [0, 0, 1, 1];

export const softplus = (x: number) => Math.log(1 + Math.exp(x));

/** Seeded batch of `rows` embeddings in `dim` dims, unit length when `unit`, labels cycling over `classes`. */
export function randomBatch(seed: number, rows: number, dim: number, classes: number, unit = true) {
  const rand = seededRandom(seed);
  const embeddings: Matrix = [];
  for (let r = 0; r < rows; r++) {
    const v = Array.from({ length: dim }, () => rand() * 2 - 1);
    const n = unit ? Math.hypot(...v) : 1;
    embeddings.push(v.map((x) => x / n));
  }
  const labels = Array.from({ length: rows }, () => Math.floor(rand() * classes));
  return { embeddings, labels };
}

/** float32-rounded copy, so a float64 reference sees exactly what the tensors hold. */
export function f32(m: Matrix): Matrix {
  return m.map((row) => Array.from(Float32Array.from(row)));
}

export function expectClose(actual: number, expected: number, rel = 1e-5, abs = 1e-6): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(abs + rel * Math.abs(expected));
}

/** Runs `fn` and returns its scalar value, disposing the tensors it made. */
export function scalarOf(fn: () => tf.Scalar): number {
  const t = fn();
  const v = t.dataSync()[0] as number;
  t.dispose();
  return v;
}

/**
 * A training step that exercises every way a loss is used (call, perSample, asLossFn, variableGrads,
 * optimizer.minimize) on a seeded batch; `release()` frees what the step setup holds. For checking
 * that the tensor count stays flat from step to step.
 */
export function lossMemorySteps(loss: MetricLoss): { step: () => void; release: () => void } {
  const { embeddings, labels } = randomBatch(1, 12, 4, 3);
  const x = tf.tensor2d(embeddings);
  const y = tf.tensor1d(labels, 'int32');
  const w = tf.variable(tf.eye(4));
  const optimizer = tf.train.adam(0.01);
  const fn = loss.asLossFn();
  const step = () => {
    loss.call(y, x).dispose();
    loss.perSample(labels, x).dispose();
    fn(y, x).dispose();
    const { value, grads } = tf.variableGrads(() => loss.call(y, tf.matMul(x, w)));
    value.dispose();
    tf.dispose(grads);
    optimizer.minimize(() => loss.call(y, tf.matMul(x, w)));
  };
  return {
    step,
    release: () => {
      optimizer.dispose();
      tf.dispose([x, y, w]);
    },
  };
}

/**
 * Checks an analytic gradient against central differences, coordinate by coordinate: within 1%
 * of the larger of the two plus 0.2% of the largest numeric component (float32 differences are
 * noisy near zero). The numeric gradient must not vanish, or the check would prove nothing.
 */
export function expectGradientClose(analytic: ArrayLike<number>, numeric: ArrayLike<number>): void {
  let scale = 0;
  for (let i = 0; i < numeric.length; i++) scale = Math.max(scale, Math.abs(numeric[i] as number));
  expect(scale).toBeGreaterThan(1e-3);
  expect(analytic.length).toBe(numeric.length);
  for (let i = 0; i < numeric.length; i++) {
    const a = analytic[i] as number;
    const b = numeric[i] as number;
    expect(Math.abs(a - b), `coordinate ${i}: analytic ${a}, numeric ${b}`).toBeLessThanOrEqual(
      1e-2 * Math.max(Math.abs(a), Math.abs(b)) + 2e-3 * scale,
    );
  }
}

/**
 * Central differences (f(x + h) − f(x − h)) / step of `f` at `e`, one coordinate at a time, in
 * float32 like the losses; each divides by the step float32 actually took, not the nominal 2h.
 */
export function centralDifferences(f: (x: Float32Array) => number, e: Float32Array, h = 1e-3): Float64Array {
  const out = new Float64Array(e.length);
  for (let i = 0; i < e.length; i++) {
    const plus = e.slice();
    const minus = e.slice();
    plus[i] = (plus[i] as number) + h;
    minus[i] = (minus[i] as number) - h;
    out[i] = (f(plus) - f(minus)) / ((plus[i] as number) - (minus[i] as number));
  }
  return out;
}

/** A loss's value and its gradient with respect to the embeddings, as plain numbers. */
export function valueAndGradient(loss: MetricLoss, embeddings: number[][], labels: number[]) {
  return tf.tidy(() => {
    const y = tf.tensor1d(labels, 'int32');
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => loss.call(y, x as tf.Tensor2D))(tf.tensor2d(embeddings));
    return { value: value.dataSync()[0] as number, grad: Array.from(grad.dataSync()) };
  });
}
