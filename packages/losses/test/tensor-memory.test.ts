import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_LOSSES } from './all-losses.js';
import { randomBatch, useCpu } from './helpers.js';

beforeAll(useCpu);

describe('no tensor leaks', () => {
  for (const [name, make] of ALL_LOSSES) {
    it(name, () => {
      const loss = make();
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
      // The first step creates the optimizer's slots; later steps must not add anything.
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      optimizer.dispose();
      tf.dispose([x, y, w]);
    });
  }
});
