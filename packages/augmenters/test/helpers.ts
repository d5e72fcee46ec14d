import { seededRandom } from '@simkit/core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

export async function useCpu(): Promise<void> {
  expect(await tf.setBackend('cpu')).toBe(true);
  await tf.ready();
}

export async function useWasm(): Promise<void> {
  // In Node the wasm backend finds its .wasm files next to its own; no setWasmPaths needed.
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
}

/** A seeded batch of images with values in [0, 1]. */
export function randomImages(
  seed: number,
  batch: number,
  height: number,
  width: number,
  channels: number,
): tf.Tensor4D {
  const rand = seededRandom(seed);
  const data = Float32Array.from({ length: batch * height * width * channels }, () => rand());
  return tf.tensor4d(data, [batch, height, width, channels]);
}

/** `batch` copies of the same seeded image. */
export function repeatedImage(
  seed: number,
  batch: number,
  height: number,
  width: number,
  channels: number,
): tf.Tensor4D {
  return tf.tidy(() => tf.tile(randomImages(seed, 1, height, width, channels), [batch, 1, 1, 1]) as tf.Tensor4D);
}

/** Reads a tensor's values and disposes it. */
export function take(t: tf.Tensor): Float32Array {
  const v = t.dataSync() as Float32Array;
  const copy = Float32Array.from(v);
  t.dispose();
  return copy;
}

/** The values of image `i` of a [B, H, W, C] tensor (not disposed). */
export function imageValues(t: tf.Tensor4D, i: number): Float32Array {
  const [, h, w, c] = t.shape;
  const size = h * w * c;
  return (t.dataSync() as Float32Array).slice(i * size, (i + 1) * size);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  const d = maxAbsDiff(actual, expected);
  expect(d, `max |diff| ${d}`).toBeLessThanOrEqual(tol);
}

export function expectInUnitRange(values: ArrayLike<number>): void {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    expect(Number.isNaN(v)).toBe(false);
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  expect(lo).toBeGreaterThanOrEqual(0);
  expect(hi).toBeLessThanOrEqual(1);
}
