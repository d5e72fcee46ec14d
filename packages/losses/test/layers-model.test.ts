import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { MultiSimilarityLoss, TripletLoss } from '../src/index.js';
import { expectClose, randomBatch, useCpu } from './helpers.js';

beforeAll(useCpu);

function tinyModel(): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 4, inputShape: [3], kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
    ],
  });
}

describe('with tfjs-layers', () => {
  it('model.compile({ loss: asLossFn() }) trains on targets tiled to the output shape', async () => {
    const loss = new TripletLoss({ distance: 'sql2', negativeMining: 'hard', margin: 1 });
    const model = tinyModel();
    model.compile({ optimizer: tf.train.sgd(0.05), loss: loss.asLossFn() });
    const { embeddings, labels } = randomBatch(3, 12, 3, 3, false);
    const x = tf.tensor2d(embeddings);
    // fit/trainOnBatch check targets against the output shape [B, 4]: repeat each label across its row.
    const y = tf.tile(tf.tensor2d(labels, [12, 1]), [1, 4]);
    const before = tf.tidy(() => loss.call(labels, model.predict(x) as tf.Tensor2D).dataSync()[0] as number);
    // trainOnBatch reports the loss of the forward pass before its update: tfjs-layers' mean of perSample.
    const reported = (await model.trainOnBatch(x, y)) as number;
    expectClose(reported, before, 1e-5, 1e-6);
    for (let i = 0; i < 20; i++) await model.trainOnBatch(x, y);
    const after = tf.tidy(() => loss.call(labels, model.predict(x) as tf.Tensor2D).dataSync()[0] as number);
    expect(after).toBeLessThan(before);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('optimizer.minimize(() => loss.call(y, model.apply(x))) trains a layers model', () => {
    const loss = new MultiSimilarityLoss();
    const model = tinyModel();
    const { embeddings, labels } = randomBatch(4, 12, 3, 3, false);
    const x = tf.tensor2d(embeddings);
    const y = tf.tensor1d(labels, 'int32');
    const embed = () => {
      const out = model.apply(x) as tf.Tensor2D;
      return tf.div(out, tf.norm(out, 'euclidean', 1, true)) as tf.Tensor2D;
    };
    const optimizer = tf.train.adam(0.05);
    const first = optimizer.minimize(() => loss.call(y, embed()), true) as tf.Scalar;
    const start = first.dataSync()[0] as number;
    first.dispose();
    for (let i = 0; i < 30; i++) optimizer.minimize(() => loss.call(y, embed()));
    const end = tf.tidy(() => loss.call(y, embed()).dataSync()[0] as number);
    expect(end).toBeLessThan(start);
    optimizer.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });
});
