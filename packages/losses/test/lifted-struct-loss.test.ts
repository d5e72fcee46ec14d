import { expectCode } from '@simkit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { LIFTED_STRUCT_LOSS_TYPE, LiftedStructLoss } from '../src/index.js';
import {
  expectClose,
  HAND_EMBEDDINGS,
  HAND_LABELS,
  randomBatch,
  scalarOf,
  useCpu,
  valueAndGradient,
} from './helpers.js';
import type { Matrix } from './reference-losses.js';

beforeAll(useCpu);

type Mining = 'hard' | 'easy';

/** Python masked_max (hard) / masked_min (easy) over one row, in float64: value and index. */
function mined(row: number[], mask: boolean[], mining: Mining): { value: number; index: number } {
  const sign = mining === 'hard' ? 1 : -1;
  const offset = mining === 'hard' ? Math.min(...row) - 1e-6 : Math.max(...row) + 1e-6;
  let best = 0;
  let index = 0;
  row.forEach((v, j) => {
    const m = mask[j] ? (v - offset) * sign : 0;
    if (m > best) {
      best = m;
      index = j;
    }
  });
  return { value: best * sign + offset, index };
}

/**
 * Float64 re-statement of TF Similarity's `lifted_struct_loss`, loop by loop: mined positive
 * per anchor, distances gathered along axis 1 at the positive indices, masked LogSumExp
 * with its +1, (LSE + positive distance) / 2, mean over the batch.
 */
function refLifted(labels: readonly number[], d: Matrix, mining: Mining = 'hard', margin = 1): number {
  const b = labels.length;
  const pos = labels.map((a, i) => labels.map((c, j) => a === c && i !== j));
  const neg = labels.map((a) => labels.map((c) => a !== c));
  const positives = d.map((row, i) => mined(row, pos[i] as boolean[], mining));
  let total = 0;
  for (let i = 0; i < b; i++) {
    const row = d[i] as number[];
    const negRow = neg[i] as boolean[];
    const logits: number[] = [];
    for (let j = 0; j < b; j++) if (negRow[j]) logits.push(margin - (row[j] as number));
    for (let k = 0; k < b; k++) {
      const p = positives[k]?.index as number;
      if (negRow[p]) logits.push(margin - (row[p] as number));
    }
    const m = Math.max(0, ...logits);
    const lse = Math.log(Math.exp(-m) + logits.reduce((s, x) => s + Math.exp(x - m), 0)) + m;
    total += (lse + (positives[i]?.value as number)) / 2;
  }
  return total / b;
}

function value(loss: LiftedStructLoss, embeddings: number[][], labels: number[]): number {
  return scalarOf(() => loss.call(tf.tensor1d(labels, 'int32'), tf.tensor2d(embeddings)));
}

function distancesOf(loss: LiftedStructLoss, embeddings: number[][]): Matrix {
  return tf.tidy(() => loss.distance.pairwise(tf.tensor2d(embeddings), tf.tensor2d(embeddings)).arraySync());
}

describe('LiftedStructLoss', () => {
  it('has the TF Similarity defaults', () => {
    const loss = new LiftedStructLoss();
    expect(loss.name).toBe('lifted_struct_loss');
    expect(loss.distance.name).toBe('cosine');
    expect(loss.positiveMining).toBe('hard');
    expect(loss.margin).toBe(1);
  });

  it('computes the hand-worked batch as TF Similarity', () => {
    // Cosine distances (helpers.ts): d01 .4, d02 1, d03 1.6, d12 .2, d13 .72, d23 .2; classes [0, 0, 1, 1].
    // Hard positives: p(0) = 1 (.4), p(1) = 0 (.4), p(2) = 3 (.2), p(3) = 2 (.2).
    // Row i of the logits: 1 − d_ij for each negative j, then 1 − d_{i,p(k)} for each k whose p(k) is a negative of i
    // (TF Similarity gathers along axis 1), so every negative of i appears twice; the LSE is ln(1 + Σ e^x).
    // anchor 0: negatives 2 (1 − 1 = 0), 3 (1 − 1.6 = −.6); p(2) = 3, p(3) = 2 again.
    //   (ln(1 + 2e^0 + 2e^−.6) + .4) / 2 = (ln(3 + 1.097623) + .4) / 2 = (1.410407 + .4) / 2 ≈ 0.905204
    // anchor 1: negatives 2 (1 − .2 = .8), 3 (1 − .72 = .28), twice each.
    //   (ln(1 + 2e^.8 + 2e^.28) + .4) / 2 = (ln(1 + 4.451082 + 2.646260) + .4) / 2 = (2.091536 + .4) / 2 ≈ 1.245768
    // anchor 2: negatives 0 (1 − 1 = 0), 1 (1 − .2 = .8), twice each.
    //   (ln(1 + 2 + 2e^.8) + .2) / 2 = (ln 7.451082 + .2) / 2 = (2.008359 + .2) / 2 ≈ 1.104180
    // anchor 3: negatives 0 (1 − 1.6 = −.6), 1 (1 − .72 = .28), twice each.
    //   (ln(1 + 2e^−.6 + 2e^.28) + .2) / 2 = (ln 4.743883 + .2) / 2 = (1.556856 + .2) / 2 ≈ 0.878428
    // mean ≈ (0.905204 + 1.245768 + 1.104180 + 0.878428) / 4 ≈ 1.033395
    // (The paper's second sum, over the negatives of the positive p(i), would give anchor 0
    // (ln(1 + 1 + e^−.6 + e^.8 + e^.28) + .4) / 2 instead: this test tells the two apart.)
    const e = Math.exp;
    const ln = Math.log;
    const expected =
      ((ln(3 + 2 * e(-0.6)) + 0.4) / 2 +
        (ln(1 + 2 * e(0.8) + 2 * e(0.28)) + 0.4) / 2 +
        (ln(3 + 2 * e(0.8)) + 0.2) / 2 +
        (ln(1 + 2 * e(-0.6) + 2 * e(0.28)) + 0.2) / 2) /
      4;
    expectClose(expected, 1.033395, 0, 1e-6);
    const loss = new LiftedStructLoss();
    expectClose(value(loss, HAND_EMBEDDINGS, HAND_LABELS), expected);
    const perSample = tf.tidy(() => Array.from(loss.perSample(HAND_LABELS, tf.tensor2d(HAND_EMBEDDINGS)).dataSync()));
    [0.905204, 1.245768, 1.10418, 0.878428].forEach((v, i) => {
      expectClose(perSample[i] as number, v, 0, 2e-6);
    });
  });

  it('scales the margin into the LogSumExp on the hand-worked batch', () => {
    // margin 2 adds 1 to every logit: anchor 0 → (ln(1 + 2e^1 + 2e^.4) + .4) / 2, and so on.
    const e = Math.exp;
    const ln = Math.log;
    const expected =
      ((ln(1 + 2 * e(1) + 2 * e(0.4)) + 0.4) / 2 +
        (ln(1 + 2 * e(1.8) + 2 * e(1.28)) + 0.4) / 2 +
        (ln(1 + 2 * e(1) + 2 * e(1.8)) + 0.2) / 2 +
        (ln(1 + 2 * e(0.4) + 2 * e(1.28)) + 0.2) / 2) /
      4;
    expectClose(value(new LiftedStructLoss({ margin: 2 }), HAND_EMBEDDINGS, HAND_LABELS), expected);
  });

  it('matches the float64 reference on random batches', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom<Mining>('hard', 'easy'),
        fc.constantFrom(0.5, 1, 1.5),
        fc.constantFrom('cosine', 'euclidean'),
        (seed, rows, classes, positiveMining, margin, distance) => {
          const { embeddings, labels } = randomBatch(seed, rows, 3, classes, distance === 'cosine');
          const loss = new LiftedStructLoss({ positiveMining, margin, distance });
          const d = distancesOf(loss, embeddings);
          expectClose(value(loss, embeddings, labels), refLifted(labels, d, positiveMining, margin), 1e-5, 1e-5);
        },
      ),
      { seed: 11, numRuns: 80 },
    );
  });

  // Gradients against central differences: in gradients.test.ts, with the other losses.

  describe('degenerate batches: finite values and gradients, as TF Similarity', () => {
    const s = Math.SQRT1_2;
    const QUAD = [
      [1, 0],
      [0, 1],
      [s, s],
      [-s, s],
    ];
    const BATCHES: Array<[string, number[][], number[]]> = [
      ['no positive pair (every point its own class)', QUAD, [0, 1, 2, 3]],
      ['one class only', QUAD, [3, 3, 3, 3]],
      ['a single example', [[0.6, 0.8]], [5]],
      [
        'identical embeddings',
        [
          [1, 0],
          [1, 0],
          [1, 0],
          [1, 0],
        ],
        [0, 0, 1, 1],
      ],
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
    for (const distance of ['cosine', 'euclidean']) {
      for (const [name, embeddings, labels] of BATCHES) {
        it(`${distance}: ${name}`, () => {
          const loss = new LiftedStructLoss({ distance });
          const { value: v, grad } = valueAndGradient(loss, embeddings, labels);
          expect(Number.isFinite(v), `value ${v}`).toBe(true);
          for (const g of grad) expect(Number.isFinite(g), `gradient ${grad}`).toBe(true);
          expectClose(v, refLifted(labels, distancesOf(loss, embeddings)), 1e-5, 1e-5);
        });
      }
    }

    it('keeps TF Similarity values on the edge cases', () => {
      const loss = new LiftedStructLoss();
      // One class: no negatives, the LSE is ln(1) = 0, the loss the mean of (hard positive) / 2. Distances:
      // d01 1, d02 1 − s, d03 1 + s, d12 1 − s, d13 1 − s, d23 1 → farthest 1 + s, 1, 1, 1 + s → (4 + 2s) / 8.
      expectClose(value(loss, QUAD, [3, 3, 3, 3]), (4 + 2 * s) / 8, 1e-5);
      // A single example: no pair at all; masked_max falls back to d(0,0) − 1e-6 ≈ −1e-6, halved.
      expectClose(value(loss, [[0.6, 0.8]], [5]), -5e-7, 0, 2e-7);
      // Identical embeddings: every distance 0, hard positive 0, four negative logits of 1: ln(1 + 4e) / 2.
      expectClose(
        value(
          loss,
          [
            [1, 0],
            [1, 0],
            [1, 0],
            [1, 0],
          ],
          [0, 0, 1, 1],
        ),
        Math.log(1 + 4 * Math.E) / 2,
      );
    });
  });

  it('round-trips its config and rejects bad options', async () => {
    const loss = new LiftedStructLoss({ positiveMining: 'easy', margin: 0.7, distance: 'l2', name: 'lifted' });
    const config = loss.toConfig();
    expect(config.type).toBe(LIFTED_STRUCT_LOSS_TYPE);
    expect(config.config).toEqual({ name: 'lifted', distance: 'euclidean', positiveMining: 'easy', margin: 0.7 });
    const rebuilt = LiftedStructLoss.fromConfig(config);
    expect(rebuilt.toConfig()).toEqual(config);
    const { embeddings, labels } = randomBatch(9, 6, 3, 2, false);
    expect(value(rebuilt, embeddings, labels)).toBe(value(loss, embeddings, labels));
    await expectCode(() => new LiftedStructLoss({ positiveMining: 'semi-hard' as never }), 'INVALID_ARGUMENT');
    await expectCode(() => new LiftedStructLoss({ margin: Number.NaN }), 'INVALID_ARGUMENT');
    await expectCode(() => new LiftedStructLoss({ margin: '1' as never }), 'INVALID_ARGUMENT');
    await expectCode(() => new LiftedStructLoss({ name: '' }), 'INVALID_ARGUMENT');
    await expectCode(() => new LiftedStructLoss(null as never), 'INVALID_ARGUMENT');
    await expectCode(() => new LiftedStructLoss({ distance: 'nope' }), 'INVALID_ARGUMENT');
    await expectCode(() => LiftedStructLoss.fromConfig({ ...config, type: 'circle-loss' }), 'INVALID_ARGUMENT');
    const err = await expectCode(() => new LiftedStructLoss({ positiveMining: 'x' as never }), 'INVALID_ARGUMENT');
    expect(err.message).toContain("'hard', 'easy'");
  });
});
