import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_LOSSES } from './all-losses.js';
import { useCpu, valueAndGradient } from './helpers.js';

beforeAll(useCpu);

const s = Math.SQRT1_2;
const BATCHES: Array<[string, number[][], number[]]> = [
  [
    'one class only',
    [
      [1, 0],
      [0, 1],
      [s, s],
      [-s, s],
    ],
    [3, 3, 3, 3],
  ],
  [
    'duplicated embeddings',
    [
      [1, 0],
      [1, 0],
      [1, 0],
      [1, 0],
    ],
    [0, 0, 1, 1],
  ],
  [
    'duplicates within each class',
    [
      [1, 0],
      [1, 0],
      [0, 1],
      [0, 1],
    ],
    [0, 0, 1, 1],
  ],
  [
    'every point its own class',
    [
      [1, 0],
      [0, 1],
      [s, s],
      [-s, s],
    ],
    [0, 1, 2, 3],
  ],
  ['a single example', [[0.6, 0.8]], [5]],
  [
    'far apart, unnormalised',
    [
      [0, 0],
      [0, 1],
      [300, 0],
      [300, 1],
    ],
    [0, 0, 1, 1],
  ],
];

describe('degenerate batches give finite values and gradients', () => {
  for (const [lossName, make] of ALL_LOSSES) {
    for (const [batchName, embeddings, labels] of BATCHES) {
      it(`${lossName}: ${batchName}`, () => {
        const { value, grad } = valueAndGradient(make(), embeddings, labels);
        expect(Number.isFinite(value), `value ${value}`).toBe(true);
        // ≥ 0, but for TF Similarity's stand-in for a missing positive (row minimum − 1e-6): a lone
        // example gives LiftedStructLoss (0 + 0 − 1e-6) / 2 = −5e-7, as in TF Similarity.
        expect(value).toBeGreaterThanOrEqual(-1e-6);
        for (const g of grad) expect(Number.isFinite(g), `gradient ${grad}`).toBe(true);
      });
    }
  }

  it('losses that skip anchors without pairs are exactly 0 on one class and on all-distinct classes', () => {
    // MultiSimilarity and Circle drop anchors lacking a positive or a negative; SoftNN drops anchors alone in
    // their class, and with one class every neighbour is same-class: −ln(1e-9 + 1) ≈ −1e-9, 0 in float32.
    for (const [name, make] of ALL_LOSSES.filter(([n]) => /MultiSimilarity|Circle|SoftNearest/.test(n))) {
      for (const labels of [
        [3, 3, 3, 3],
        [0, 1, 2, 3],
      ]) {
        const { value } = valueAndGradient(make(), BATCHES[0]?.[1] as number[][], labels);
        expect(Math.abs(value), `${name} on ${labels}`).toBeLessThan(1e-6);
      }
    }
  });
});
