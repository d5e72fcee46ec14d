import { clusteredVectors } from '@simkit/core';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MultiSimilarityLoss } from '../src/index.js';

let previous = '';

beforeAll(async () => {
  previous = tf.getBackend();
  // In Node the wasm backend finds tfjs-backend-wasm*.wasm next to its own files; no setWasmPaths needed.
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
});

afterAll(async () => {
  if (previous) await tf.setBackend(previous);
});

describe('training on the wasm backend', () => {
  it('an MLP trained with MultiSimilarityLoss for 30 steps lowers the loss', () => {
    expect(tf.getBackend()).toBe('wasm');
    // Seeded 3-class problem: 3 Gaussian blobs in 8-D, 48 points, spread 0.8 so the classes overlap at first.
    const { data, labels } = clusteredVectors(48, 8, 3, 17, 0.8);
    const x = tf.tensor2d(data, [48, 8]);
    const y = tf.tensor1d(labels, 'int32');
    const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 32, activation: 'relu', inputShape: [8], kernelInitializer: init(1) }),
        tfl.layers.dense({ units: 16, kernelInitializer: init(2) }),
      ],
    });
    const loss = new MultiSimilarityLoss();
    const embed = () => {
      const out = model.apply(x) as tf.Tensor2D;
      return tf.div(out, tf.norm(out, 'euclidean', 1, true)) as tf.Tensor2D;
    };
    const optimizer = tf.train.adam(0.01);
    const history: number[] = [];
    for (let step = 0; step < 30; step++) {
      const value = optimizer.minimize(() => loss.call(y, embed()), true) as tf.Scalar;
      history.push(value.dataSync()[0] as number);
      value.dispose();
    }
    const final = tf.tidy(() => loss.call(y, embed()).dataSync()[0] as number);
    for (const v of history) expect(Number.isFinite(v)).toBe(true);
    const first = history[0] as number;
    expect(first).toBeGreaterThan(0);
    expect(final).toBeLessThan(0.5 * first);
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });
});
