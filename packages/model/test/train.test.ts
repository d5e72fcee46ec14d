import { expectCode } from '@simkit/core/testing';
import {
  type Scalar,
  type Tensor2D,
  add,
  env,
  expandDims,
  mean,
  memory,
  mul,
  square,
  sub,
  sum,
  tensor1d,
  tensor2d,
  train,
} from '@tensorflow/tfjs-core';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BatchLoss,
  type BatchSource,
  type TrainProgressEvent,
  type TrainingMetric,
  selectBackend,
  trainSimilarityModel,
} from '../src/index.js';
import { randomDenseModel, useCpu } from './fixtures.js';

beforeAll(useCpu);

/**
 * A seeded two-class problem: class 0 around (1, 0, 0), class 1 around (0, 1, 0),
 * each batch two examples of each class. Batch `i` of epoch `e` is fixed by (i, e).
 */
function twoBlobs(stepsPerEpoch = 20): BatchSource {
  return {
    stepsPerEpoch,
    getBatch(index: number, epoch: number) {
      const s = (epoch * 97 + index * 13) % 17;
      const jitter = (k: number) => ((s * 7 + k * 5) % 11) / 55 - 0.1;
      const centres = [
        [1, 0, 0],
        [0.9, 0, 0.1],
        [0, 1, 0],
        [0.1, 0.9, 0],
      ];
      const x = Float32Array.from(centres.flat(), (v, k) => v + jitter(k));
      return { x, y: [0, 0, 1, 1], rows: 4 };
    },
  };
}

/**
 * A contrastive toy loss on embeddings: mean over all pairs (i, j) of the squared
 * distance for same-label pairs and (1 − squared distance)² for the others. It is
 * 0 when each class collapses to a point and the classes sit one unit apart.
 */
const pairLoss: BatchLoss = {
  call(labels: ArrayLike<number>, embeddings: Tensor2D) {
    const n = labels.length;
    const same: number[] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) same.push(labels[i] === labels[j] ? 1 : 0);
    const diff = sub(expandDims(embeddings, 1), expandDims(embeddings, 0));
    const sq = sum(square(diff), 2);
    const s = tensor2d(same, [n, n]);
    return mean(add(mul(s, sq), mul(sub(1, s), square(sub(1, sq))))) as Scalar;
  },
};

/** The mean squared length of the embeddings: a metric easy to recompute by hand. */
const meanSquaredNorm: TrainingMetric = {
  name: 'mean_sq_norm',
  compute: (_labels, embeddings) => mean(sum(square(embeddings), 1)) as Scalar,
};
/** The number of labels in the batch, as a scalar: shows the metric sees the batch's labels. */
const labelCount: TrainingMetric = {
  name: 'labels',
  compute: (labels) => sum(tensor1d(Array.from(labels))) as Scalar,
};

describe('trainSimilarityModel with training metrics', () => {
  it('computes each metric on the embeddings the loss sees, before the update, without changing training', async () => {
    const model = randomDenseModel(3, 2, 7);
    const first = twoBlobs().getBatch(0, 0);
    const expected = (() => {
      const out = model.predict(tensor2d(first.x, [first.rows, 3])) as Tensor2D;
      const v = mean(sum(square(out), 1)).dataSync()[0] as number;
      out.dispose();
      return v;
    })();
    const events: TrainProgressEvent[] = [];
    const history = await trainSimilarityModel(model, twoBlobs(5), {
      loss: pairLoss,
      learningRate: 0.05,
      epochs: 2,
      metrics: [meanSquaredNorm, labelCount],
      onProgress: (e) => events.push(e),
    });
    expect(Object.keys(history.metrics)).toEqual(['mean_sq_norm', 'labels']);
    expect(history.metrics.mean_sq_norm).toHaveLength(10);
    expect(history.metrics.mean_sq_norm?.[0]).toBeCloseTo(expected, 5);
    // labels [0, 0, 1, 1] sum to 2 in every batch.
    expect(history.metrics.labels).toEqual(Array(10).fill(2));
    expect(events[3]?.metrics).toEqual({ mean_sq_norm: history.metrics.mean_sq_norm?.[3], labels: 2 });

    // The same run without metrics takes exactly the same steps.
    const plain = await trainSimilarityModel(randomDenseModel(3, 2, 7), twoBlobs(5), {
      loss: pairLoss,
      learningRate: 0.05,
      epochs: 2,
    });
    expect(plain.loss).toEqual(history.loss);
    expect(plain.metrics).toEqual({});
  });

  it('releases the metric tensors, and refuses metrics that are not metrics or share a name', async () => {
    const model = randomDenseModel(3, 2, 7);
    await trainSimilarityModel(model, twoBlobs(2), { loss: pairLoss, metrics: [meanSquaredNorm] });
    const before = memory().numTensors;
    await trainSimilarityModel(model, twoBlobs(4), { loss: pairLoss, metrics: [meanSquaredNorm, labelCount] });
    expect(memory().numTensors).toBe(before);
    const bad: unknown[] = [
      'dist_gap',
      [null],
      [{ name: 'x' }],
      [{ name: '', compute: () => null }],
      [meanSquaredNorm, meanSquaredNorm],
    ];
    for (const metrics of bad) {
      await expectCode(
        () => trainSimilarityModel(model, twoBlobs(2), { loss: pairLoss, metrics: metrics as TrainingMetric[] }),
        'INVALID_ARGUMENT',
      );
    }
  });
});

describe('trainSimilarityModel', () => {
  it('lowers the loss on a seeded two-class problem', async () => {
    const model = randomDenseModel(3, 2, 7);
    const history = await trainSimilarityModel(model, twoBlobs(), { loss: pairLoss, learningRate: 0.05, epochs: 3 });
    // 3 epochs × 20 steps = 60 step losses, 3 epoch means.
    expect(history.loss).toHaveLength(60);
    expect(history.epochLoss).toHaveLength(3);
    const first = history.epochLoss[0] as number;
    const last = history.epochLoss[2] as number;
    expect(last).toBeLessThan(first * 0.5);
    // The epoch mean is the mean of its 20 step losses.
    const mean0 = history.loss.slice(0, 20).reduce((a, b) => a + b, 0) / 20;
    expect(first).toBeCloseTo(mean0, 10);
  });

  it('keeps the tensor count stable from step to step and releases its default optimizer', async () => {
    const model = randomDenseModel(3, 2, 3);
    const before = memory().numTensors;
    const counts: number[] = [];
    await trainSimilarityModel(model, twoBlobs(), {
      loss: pairLoss,
      epochs: 2,
      onProgress: () => counts.push(memory().numTensors),
    });
    // Adam makes its moment variables on step 1; from then on every step ends with the same count.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(memory().numTensors).toBe(before);
  });

  it('reports every step with epoch, step, loss and overall progress', async () => {
    const events: TrainProgressEvent[] = [];
    const history = await trainSimilarityModel(randomDenseModel(3, 2, 1), twoBlobs(5), {
      loss: pairLoss,
      epochs: 2,
      stepsPerEpoch: 3,
      onProgress: (e) => events.push(e),
    });
    // 2 epochs × 3 steps: done runs 1..6 of total 6.
    expect(events.map((e) => [e.task, e.epoch, e.step, e.done, e.total])).toEqual([
      ['train', 0, 0, 1, 6],
      ['train', 0, 1, 2, 6],
      ['train', 0, 2, 3, 6],
      ['train', 1, 0, 4, 6],
      ['train', 1, 1, 5, 6],
      ['train', 1, 2, 6, 6],
    ]);
    expect(events.map((e) => e.loss)).toEqual(history.loss);
  });

  it('uses the optimizer it is given and leaves it usable', async () => {
    const optimizer = train.sgd(0.1);
    const model = randomDenseModel(3, 2, 5);
    const before = model.getWeights()[0]?.dataSync().slice();
    await trainSimilarityModel(model, twoBlobs(2), { loss: pairLoss, optimizer });
    expect(Array.from(model.getWeights()[0]?.dataSync() ?? [])).not.toEqual(Array.from(before ?? []));
    expect(() => optimizer.getConfig()).not.toThrow();
    optimizer.dispose();
  });

  it('is deterministic: the same model, batches and settings give the same losses', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1000 }), async (seed) => {
        const run = () =>
          trainSimilarityModel(randomDenseModel(3, 2, seed), twoBlobs(3), { loss: pairLoss, learningRate: 0.01 });
        const a = await run();
        const b = await run();
        expect(b.loss).toEqual(a.loss);
      }),
      { numRuns: 5 },
    );
  });

  it('rejects bad input with codes', async () => {
    const model = randomDenseModel(3, 2, 1);
    const source = twoBlobs();
    await expectCode(() => trainSimilarityModel({} as never, source, { loss: pairLoss }), 'INVALID_ARGUMENT');
    await expectCode(() => trainSimilarityModel(model, {} as never, { loss: pairLoss }), 'INVALID_ARGUMENT');
    await expectCode(() => trainSimilarityModel(model, source, { loss: {} as never }), 'INVALID_ARGUMENT');
    await expectCode(() => trainSimilarityModel(model, source, { loss: pairLoss, epochs: 0 }), 'INVALID_ARGUMENT');
    await expectCode(
      () => trainSimilarityModel(model, source, { loss: pairLoss, learningRate: -1 }),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      () => trainSimilarityModel(model, source, { loss: pairLoss, stepsPerEpoch: 21 }),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => trainSimilarityModel(model, source, { loss: pairLoss, outputIndex: 1 }), 'INVALID_ARGUMENT');
    const wide: BatchSource = { stepsPerEpoch: 1, getBatch: () => ({ x: new Float32Array(8), y: [0, 1], rows: 2 }) };
    // 2 rows × 3 inputs = 6 values expected, 8 given.
    await expectCode(() => trainSimilarityModel(model, wide, { loss: pairLoss }), 'DIMENSION_MISMATCH');
    const frozen = sequential({ layers: [layers.dense({ units: 2, inputShape: [3], trainable: false })] });
    await expectCode(() => trainSimilarityModel(frozen, source, { loss: pairLoss }), 'INVALID_ARGUMENT');
  });

  it('stops with a clear error when the loss is not finite', async () => {
    const nanLoss: BatchLoss = { call: (_labels, e) => sum(mul(e, tensor1d([Number.NaN, 1]))) as Scalar };
    const err = await expectCode(
      () => trainSimilarityModel(randomDenseModel(3, 2, 1), twoBlobs(), { loss: nanLoss }),
      'INVALID_ARGUMENT',
    );
    expect(err.message).toMatch(/learning rate/);
  });
});

describe('trainSimilarityModel on the wasm backend', () => {
  // tfjs' test-mode kernel check counts wasm's own scratch buffers in fused ops as leaks.
  beforeAll(async () => {
    env().set('IS_TEST', false);
    await selectBackend({ prefer: 'wasm' });
  });
  afterAll(async () => {
    env().set('IS_TEST', true);
    await useCpu();
  });

  it('trains a Dense model and lowers the loss', async () => {
    const history = await trainSimilarityModel(randomDenseModel(3, 2, 7), twoBlobs(), {
      loss: pairLoss,
      learningRate: 0.05,
      epochs: 3,
    });
    expect(history.epochLoss[2] as number).toBeLessThan((history.epochLoss[0] as number) * 0.5);
  });

  it('says UNSUPPORTED, naming the kernel, for a trainable depthwise convolution', async () => {
    // selectBackend registers a conv2d filter gradient for wasm, but wasm still has no
    // depthwise one. Each example becomes a 1 × 3 one-channel image; a 1 × 1 depthwise
    // convolution keeps 1 channel, so 3 values come out.
    const conv = sequential({
      layers: [
        layers.reshape({ targetShape: [1, 3, 1], inputShape: [3] }),
        layers.depthwiseConv2d({ kernelSize: 1 }),
        layers.flatten(),
      ],
    });
    const err = await expectCode(() => trainSimilarityModel(conv, twoBlobs(), { loss: pairLoss }), 'UNSUPPORTED');
    expect(err.message).toContain('DepthwiseConv2dNativeBackpropFilter');
  });
});
