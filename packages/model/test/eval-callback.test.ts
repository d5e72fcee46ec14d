import { expectCode } from '@simkit/core/testing';
import { mean, memory, type Scalar, square, type Tensor2D } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { EvalCallback, type TrainProgressEvent, trainSimilarityModel } from '../src/index.js';
import { projectionModel, randomDenseModel, useCpu } from './fixtures.js';

beforeAll(useCpu);

/**
 * With `projectionModel` the embedding of (a, b, c) is (a, b). Targets: (1, 0) class 0,
 * (0, 1) class 1. Queries, cosine, nearest target:
 *   (0.9, 0.1) class 0 → target 0, right;   (0.2, 0.8) class 1 → target 1, right;
 *   (0.7, 0.3) class 1 → target 0, wrong;    (0.1, 0.9) class 2 → target 1, wrong (class 2 is not indexed).
 * With no distance threshold every query is matched: tp = 2, fp = 2 of 4.
 *   binary_accuracy = tp / count = 2/4; precision = 2/4; recall = tp / (tp + fn) = 1; f1 = 2·0.5·1/1.5 = 2/3.
 * Known classes {0}: the one query of class 0 is right → 1, 1 (f1 = 1).
 * Unknown (classes 1, 2): 1 right of 3 → binary_accuracy 1/3, f1 = 2·(1/3)·1/(4/3) = 1/2.
 */
const targets = [
  [1, 0, 5],
  [0, 1, 5],
];
const targetLabels = [0, 1];
const queries = [
  [0.9, 0.1, 5],
  [0.2, 0.8, 5],
  [0.7, 0.3, 5],
  [0.1, 0.9, 5],
];
const queryLabels = [0, 1, 1, 2];

describe('EvalCallback', () => {
  it('indexes the targets, looks up the queries and measures them, worked by hand', async () => {
    const callback = new EvalCallback({ queries, queryLabels, targets, targetLabels, retrievalMetrics: ['recall@1'] });
    const values = await callback.evaluate(projectionModel());
    expect(values.binary_accuracy).toBeCloseTo(0.5, 10);
    expect(values.f1).toBeCloseTo(2 / 3, 10);
    // recall@1: the nearest neighbour has the query's label for queries 0 and 1 → 2/4.
    expect(values['recall@1']).toBeCloseTo(0.5, 10);
  });

  it('splits the queries into seen and unseen classes, as SplitValidationLoss', async () => {
    const callback = new EvalCallback({ queries, queryLabels, targets, targetLabels, knownClasses: [0] });
    const values = await callback.evaluate(projectionModel());
    expect(values.binary_accuracy_known_classes).toBeCloseTo(1, 10);
    expect(values.f1_known_classes).toBeCloseTo(1, 10);
    expect(values.binary_accuracy_unknown_classes).toBeCloseTo(1 / 3, 10);
    expect(values.f1_unknown_classes).toBeCloseTo(0.5, 10);
    expect(values.binary_accuracy).toBeCloseTo(0.5, 10);
  });

  it('runs inside trainSimilarityModel every N steps, or at the end of each epoch, and leaves no tensors', async () => {
    const source = {
      stepsPerEpoch: 4,
      getBatch: () => ({
        x: Float32Array.from([1, 0, 0, 0.9, 0.1, 0, 0, 1, 0, 0.1, 0.9, 0]),
        y: [0, 0, 1, 1],
        rows: 4,
      }),
    };
    const model = randomDenseModel(3, 2, 3);
    // Any loss will do: the callbacks are what is tested.
    const pairLoss = { call: (_labels: ArrayLike<number>, embeddings: Tensor2D) => mean(square(embeddings)) as Scalar };
    const every = new EvalCallback({ queries, queryLabels, targets, targetLabels, everySteps: 3 });
    const perEpoch = new EvalCallback({ queries, queryLabels, targets, targetLabels });
    const events: TrainProgressEvent[] = [];
    const before = memory().numTensors;
    const history = await trainSimilarityModel(model, source, {
      loss: pairLoss,
      epochs: 2,
      callbacks: [every, perEpoch],
      onProgress: (e) => events.push(e),
    });
    // 8 steps: every 3 steps → after steps 3 and 6 (done); each epoch's end → after 4 and 8.
    expect(every.evaluations.map((e) => e.done)).toEqual([3, 6]);
    expect(perEpoch.evaluations.map((e) => e.done)).toEqual([4, 8]);
    expect(history.evaluations.map((e) => e.done)).toEqual([3, 4, 6, 8]);
    expect(events.filter((e) => e.evaluation !== undefined).map((e) => e.done)).toEqual([3, 4, 6, 8]);
    for (const e of history.evaluations) {
      expect(e.values.f1).toBeGreaterThanOrEqual(0);
      expect(e.values.f1).toBeLessThanOrEqual(1);
    }
    expect(memory().numTensors).toBe(before);
  });

  it('refuses bad options with INVALID_ARGUMENT', async () => {
    const ok = { queries, queryLabels, targets, targetLabels };
    const bad: unknown[] = [
      null,
      { ...ok, queryLabels: [0.5, 1, 1, 2] },
      { ...ok, targetLabels: [] },
      { ...ok, k: 0 },
      { ...ok, everySteps: 1.5 },
      { ...ok, metrics: 'f1' },
      { ...ok, retrievalMetrics: 'recall@1' },
    ];
    for (const options of bad) {
      expect(() => new EvalCallback(options as never), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
    await expectCode(
      () => new EvalCallback({ ...ok, queryLabels: [0, 1] }).evaluate(projectionModel()),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      () => new EvalCallback({ ...ok, metrics: ['no_such_metric'] }).evaluate(projectionModel()),
      'INVALID_ARGUMENT',
    );
  });
});
