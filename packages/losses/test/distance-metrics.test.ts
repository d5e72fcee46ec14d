import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DistanceGapMetric, DistanceMetric, trainingDistanceMetrics } from '../src/index.js';
import { expectClose, f32, randomBatch, scalarOf, useCpu } from './helpers.js';
import type { Matrix } from './reference-losses.js';

beforeAll(useCpu);

/**
 * 1-d points x = 0, 1, 3, 7 with classes 0, 0, 1, 1, euclidean distance:
 *   d01 = 1, d02 = 3, d03 = 7, d12 = 2, d13 = 6, d23 = 4.
 * Each anchor's one positive: 0 → 1 (1), 1 → 0 (1), 2 → 3 (4), 3 → 2 (4): [1, 1, 4, 4].
 * Negatives: 0 → {3, 7}, 1 → {2, 6}, 2 → {3, 2}, 3 → {7, 6};
 *   farthest ('hard', as TF Similarity) [7, 6, 3, 7], closest ('easy') [3, 2, 2, 6].
 */
const X = [[0], [1], [3], [7]];
const Y = [0, 0, 1, 1];

function value(metric: { compute(l: number[], e: tf.Tensor2D): tf.Scalar }, x: Matrix, y: number[]): number {
  return scalarOf(() => tf.tidy(() => metric.compute(y, tf.tensor2d(x))));
}

describe('DistanceMetric and DistanceGapMetric, worked by hand', () => {
  it('positives: max 4, mean 10/4, min 1, sum 10', () => {
    const of = (aggregate: 'max' | 'mean' | 'min' | 'sum') =>
      value(new DistanceMetric({ distance: 'euclidean', aggregate }), X, Y);
    expectClose(of('max'), 4);
    expectClose(of('mean'), 2.5);
    expectClose(of('min'), 1);
    expectClose(of('sum'), 10);
  });

  it("negatives: 'hard' takes each anchor's farthest, as TF Similarity: max 7, mean 23/4, min 3, sum 23; 'easy' the closest", () => {
    const of = (aggregate: 'max' | 'mean' | 'min' | 'sum', negativeMining: 'hard' | 'easy' = 'hard') =>
      value(new DistanceMetric({ distance: 'euclidean', aggregate, anchor: 'negative', negativeMining }), X, Y);
    expectClose(of('max'), 7);
    expectClose(of('mean'), 5.75);
    expectClose(of('min'), 3);
    expectClose(of('sum'), 23);
    expectClose(of('mean', 'easy'), 13 / 4); // (3 + 2 + 2 + 6) / 4
    expectClose(of('min', 'easy'), 2);
  });

  it('dist_gap = |min_neg − max_pos| = |3 − 4| = 1', () => {
    expectClose(value(new DistanceGapMetric({ distance: 'euclidean' }), X, Y), 1);
  });

  it("positive mining: 'hard' the farthest positive, 'easy' and 'semi-hard' the closest", () => {
    // One class x = 0, 1, 5: anchor 0 → {1, 5}, anchor 1 → {1, 4}, anchor 2 → {5, 4}.
    // Farthest [5, 4, 5] (mean 14/3), closest [1, 1, 4] (mean 2).
    const x = [[0], [1], [5]];
    const y = [3, 3, 3];
    expectClose(value(new DistanceMetric({ distance: 'euclidean' }), x, y), 14 / 3);
    expectClose(value(new DistanceMetric({ distance: 'euclidean', positiveMining: 'easy' }), x, y), 2);
    expectClose(value(new DistanceMetric({ distance: 'euclidean', positiveMining: 'semi-hard' }), x, y), 2);
  });

  it('a batch with no negative gives each row its stand-in (row minimum 0 − 1e-6), finite', () => {
    const v = value(new DistanceMetric({ distance: 'euclidean', anchor: 'negative' }), [[0], [1], [5]], [3, 3, 3]);
    expectClose(v, -1e-6, 0, 1e-9);
  });

  it('names follow TF Similarity: <aggregate>_<pos|neg>, dist_gap', () => {
    expect(trainingDistanceMetrics('cosine').map((m) => m.name)).toEqual([
      'dist_gap',
      'max_pos',
      'max_neg',
      'mean_pos',
      'mean_neg',
      'min_pos',
      'min_neg',
      'sum_pos',
      'sum_neg',
    ]);
    expect(new DistanceMetric({ distance: 'cosine', aggregate: 'avg' }).name).toBe('avg_pos');
    expect(new DistanceMetric({ distance: 'cosine', name: 'x' }).name).toBe('x');
  });
});

/** float64 reference: per-anchor extremes over the masked pairs, reduced. */
function reference(x: Matrix, y: number[], aggregate: string, anchor: string, hard: boolean): number {
  const d = x.map((a) => x.map((b) => 1 - a.reduce((s, v, k) => s + v * (b[k] as number), 0)));
  const per = x.map((_, i) => {
    const row = d[i] as number[];
    const picked = row.filter((_, j) => (anchor === 'positive' ? y[j] === y[i] && j !== i : y[j] !== y[i]));
    const useMax = hard; // TF Similarity: 'hard' is the maximum for positives and for negatives
    if (picked.length === 0) return useMax ? Math.min(...row) - 1e-6 : Math.max(...row) + 1e-6;
    return useMax ? Math.max(...picked) : Math.min(...picked);
  });
  if (aggregate === 'max') return Math.max(...per);
  if (aggregate === 'min') return Math.min(...per);
  const sum = per.reduce((a, b) => a + b, 0);
  return aggregate === 'sum' ? sum : sum / per.length;
}

describe('DistanceMetric against a float64 reference (cosine, random batches)', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: every aggregate, both anchors, both minings`, () => {
      const batch = randomBatch(seed, 12, 5, 3);
      const x = f32(batch.embeddings);
      for (const aggregate of ['max', 'mean', 'min', 'sum'] as const) {
        for (const anchor of ['positive', 'negative'] as const) {
          for (const hard of [true, false]) {
            const metric = new DistanceMetric({
              distance: 'cosine',
              aggregate,
              anchor,
              ...(anchor === 'positive'
                ? { positiveMining: hard ? 'hard' : 'easy' }
                : { negativeMining: hard ? 'hard' : 'easy' }),
            });
            expectClose(
              value(metric, x, batch.labels),
              reference(x, batch.labels, aggregate, anchor, hard),
              1e-5,
              1e-5,
            );
          }
        }
      }
      const gap = Math.abs(
        reference(x, batch.labels, 'min', 'negative', true) - reference(x, batch.labels, 'max', 'positive', true),
      );
      expectClose(value(new DistanceGapMetric({ distance: 'cosine' }), x, batch.labels), gap, 1e-5, 1e-5);
    });
  }
});

describe('checks and memory', () => {
  it('refuses a missing distance, unknown settings and bad inputs with INVALID_ARGUMENT', () => {
    const bad: unknown[] = [
      undefined,
      null,
      {},
      { distance: 'no-such-distance' },
      { distance: 'cosine', aggregate: 'median' },
      { distance: 'cosine', anchor: 'both' },
      { distance: 'cosine', positiveMining: 'semi' },
      { distance: 'cosine', negativeMining: 'semi-hard' },
      { distance: 'cosine', name: '' },
    ];
    for (const options of bad) {
      expect(() => new DistanceMetric(options as never), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
    expect(() => new DistanceGapMetric({} as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const metric = new DistanceMetric({ distance: 'cosine' });
    expect(() => metric.compute([0, 1], tf.tensor1d([1, 2]) as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    const e = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    expect(() => metric.compute([0, 1, 2], e)).toThrow(expect.objectContaining({ code: 'DIMENSION_MISMATCH' }));
    e.dispose();
  });

  it('leaves no tensors behind', () => {
    const e = tf.tensor2d([
      [1, 0],
      [0.6, 0.8],
      [0, 1],
    ]);
    const metrics = trainingDistanceMetrics('cosine');
    for (const m of metrics) m.compute([0, 0, 1], e).dispose();
    const before = tf.memory().numTensors;
    for (let round = 0; round < 3; round++) for (const m of metrics) m.compute([0, 0, 1], e).dispose();
    expect(tf.memory().numTensors).toBe(before);
    e.dispose();
  });
});
