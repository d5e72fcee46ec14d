import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomResizedCrop, simclrAugmenter, twoViews } from '../src/index.js';
import { randomImages, useCpu, useWasm } from './helpers.js';
import { SEEDED_OPS } from './ops.js';

let previous = '';
beforeAll(() => {
  previous = tf.getBackend();
});
afterAll(async () => {
  if (previous) await tf.setBackend(previous);
});

describe.each(['cpu', 'wasm'])('no tensor leaks on %s', (backend) => {
  for (const [name, run] of SEEDED_OPS) {
    it(name, async () => {
      await (backend === 'cpu' ? useCpu() : useWasm());
      const x = randomImages(1, 3, 16, 16, 3);
      const before = tf.memory().numTensors;
      const out = run(x, 5);
      // Exactly one new tensor: the result. The input is kept.
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(x.isDisposed).toBe(false);
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  }

  it('twoViews adds exactly two tensors, and a failing call adds none', async () => {
    await (backend === 'cpu' ? useCpu() : useWasm());
    const x = randomImages(1, 2, 16, 16, 3);
    const before = tf.memory().numTensors;
    const views = twoViews(simclrAugmenter(), x, 1);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose(views);
    expect(() => randomResizedCrop(x, { seed: 1, scale: [0, 1] })).toThrow();
    expect(() => simclrAugmenter({ blurProbability: 1, kernelSize: 41 }).augment(x, 1)).toThrow();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
