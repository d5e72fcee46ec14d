import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_LOSSES } from './all-losses.js';
import { lossMemorySteps, useCpu } from './helpers.js';

beforeAll(useCpu);

describe('no tensor leaks', () => {
  for (const [name, make] of ALL_LOSSES) {
    it(name, () => {
      const { step, release } = lossMemorySteps(make());
      // The first step creates the optimizer's slots; later steps must not add anything.
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      release();
    });
  }
});
