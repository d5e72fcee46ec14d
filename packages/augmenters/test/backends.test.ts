import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustContrast, adjustHue, adjustSaturation, gaussianBlur, toGrayscale } from '../src/index.js';
import { maxAbsDiff, randomImages, take, useCpu, useWasm } from './helpers.js';
import { SEEDED_OPS } from './ops.js';

let previous = '';

beforeAll(() => {
  previous = tf.getBackend();
});

afterAll(async () => {
  if (previous) await tf.setBackend(previous);
});

/** Runs `f` on a fresh seeded input on the named backend and returns the values. */
async function on(
  backend: 'cpu' | 'wasm',
  f: (x: tf.Tensor4D) => tf.Tensor4D,
  channels: number,
): Promise<Float32Array> {
  await (backend === 'cpu' ? useCpu() : useWasm());
  expect(tf.getBackend()).toBe(backend);
  const x = randomImages(21, 4, 24, 20, channels);
  const out = take(f(x));
  x.dispose();
  return out;
}

const DETERMINISTIC: [string, (x: tf.Tensor4D) => tf.Tensor4D][] = [
  ['adjustHue', (x) => adjustHue(x, [0.1, -0.3, 0.45, 0])],
  ['adjustSaturation', (x) => adjustSaturation(x, [0, 0.5, 1.5, 3])],
  ['adjustContrast', (x) => adjustContrast(x, [0, 0.5, 1.5, 3])],
  ['toGrayscale', toGrayscale],
  ['gaussianBlur', (x) => gaussianBlur(x, { sigma: [0.3, 1, 2, 4], kernelSize: 7 })],
];

describe.each([3, 1])('cpu and wasm agree within 1e-5 (%i channels)', (channels) => {
  for (const [name, run] of SEEDED_OPS) {
    it(`${name} with the same seed`, async () => {
      const cpu = await on('cpu', (x) => run(x, 1234), channels);
      const wasm = await on('wasm', (x) => run(x, 1234), channels);
      expect(maxAbsDiff(cpu, wasm)).toBeLessThanOrEqual(1e-5);
      // Not a vacuous comparison: the op changed the input.
      const input = await on('cpu', (x) => x.clone(), channels);
      if ((name !== 'randomGrayscale' || channels === 3) && cpu.length === input.length)
        expect(maxAbsDiff(cpu, input)).toBeGreaterThan(1e-3);
    });
  }
  for (const [name, run] of DETERMINISTIC) {
    it(name, async () => {
      const cpu = await on('cpu', run, channels);
      const wasm = await on('wasm', run, channels);
      expect(maxAbsDiff(cpu, wasm)).toBeLessThanOrEqual(1e-5);
    });
  }
});
