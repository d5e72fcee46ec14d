import { expectCode } from '@simkit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BarlowLoss } from '../src/barlow-loss.js';
import type { ContrastiveLoss } from '../src/contrastive-loss.js';
import { SimCLRLoss } from '../src/simclr-loss.js';
import { SimSiamLoss } from '../src/simsiam-loss.js';
import { VicRegLoss } from '../src/vicreg-loss.js';
import {
  meanOf,
  numericGradient,
  type Projection,
  refBarlow,
  refSimCLR,
  refSimSiam,
  refVicReg,
  VICREG_DEFAULTS,
} from './contrastive-reference.js';
import { expectClose, f32, randomBatch, scalarOf, useCpu } from './helpers.js';
import type { Matrix } from './reference-losses.js';

beforeAll(useCpu);

const t = (m: Matrix) => tf.tensor2d(m);
const value = (loss: ContrastiveLoss, za: Matrix, zb: Matrix) => scalarOf(() => loss.call(t(za), t(zb)));

/** Two seeded views of one batch: zb = za + 0.5 · noise, float32-rounded, not unit length. */
function views(seed: number, rows: number, dim: number): [Matrix, Matrix] {
  const za = randomBatch(seed, rows, dim, 1, false).embeddings;
  const noise = randomBatch(seed + 1000, rows, dim, 1, false).embeddings;
  const zb = za.map((row, i) => row.map((v, k) => v + 0.5 * (noise[i]?.[k] as number)));
  return [f32(za), f32(zb)];
}

/** Analytic gradients of `loss.call(za, zb)` with respect to both views. */
function analytic(loss: ContrastiveLoss, za: Matrix, zb: Matrix): [Matrix, Matrix] {
  return tf.tidy(() => {
    const [ga, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor) => loss.call(a as tf.Tensor2D, b as tf.Tensor2D))([
      t(za),
      t(zb),
    ]);
    return [ga?.arraySync() as Matrix, gb?.arraySync() as Matrix];
  });
}

/** Every analytic entry within 1e-3 (relative to the entry and to the largest one) of the float64 numeric one. */
function expectGradientsClose(actual: Matrix, expected: Matrix): void {
  let scale = 0;
  for (const row of expected) for (const v of row) scale = Math.max(scale, Math.abs(v));
  expect(scale).toBeGreaterThan(1e-3);
  for (const [i, row] of expected.entries()) {
    for (const [k, b] of row.entries()) {
      const a = actual[i]?.[k] as number;
      expect(Math.abs(a - b), `entry [${i}, ${k}]: analytic ${a}, numeric ${b}`).toBeLessThanOrEqual(
        1e-3 * Math.max(Math.abs(a), Math.abs(b)) + 1e-3 * scale,
      );
    }
  }
}

const allFinite = (m: Matrix) => m.every((row) => row.every(Number.isFinite));

describe('SimCLRLoss', () => {
  it('matches the hand-worked batch (T = 1)', () => {
    // za = (1, 0), (0, 1); zb = (3, 4), (0, 2), which normalise to (0.6, 0.8), (0, 1).
    // contrast(za, zb): ab = za·zbᵀ = [[0.6, 0], [0.8, 1]]; aa = za·zaᵀ − 1e9·I = [[−1e9, 0], [0, −1e9]]
    //   row 0: logits (0.6, 0, −1e9, 0)  → log(e^0.6 + 1 + 1) − 0.6 = log 3.8221188 − 0.6 = 0.740805
    //   row 1: logits (0.8, 1, 0, −1e9)  → log(e^0.8 + e + 1) − 1 = log 5.9438227 − 1 = 0.782353
    // contrast(zb, za): ab = [[0.6, 0.8], [0, 1]]; bb = [[−1e9, 0.8], [0.8, −1e9]]
    //   row 0: logits (0.6, 0.8, −1e9, 0.8) → log(e^0.6 + 2e^0.8) − 0.6 = log 6.2732007 − 0.6 = 1.236287
    //   row 1: logits (0, 1, 0.8, −1e9)  → log(1 + e + e^0.8) − 1 = 0.782353
    // per sample: 0.740805 + 1.236287 = 1.977092 and 2 · 0.782353 = 1.564705; mean 1.770898.
    const loss = new SimCLRLoss({ temperature: 1 });
    const za = [
      [1, 0],
      [0, 1],
    ];
    const zb = [
      [3, 4],
      [0, 2],
    ];
    const per = tf.tidy(() => Array.from(loss.perSample(t(za), t(zb)).dataSync()));
    expectClose(per[0] as number, 1.977092, 1e-5);
    expectClose(per[1] as number, 1.564705, 1e-5);
    expectClose(value(loss, za, zb), 1.770898, 1e-5);
  });

  it('has TF Similarity defaults: temperature 0.05', () => {
    expect(new SimCLRLoss().temperature).toBe(0.05);
    expect(new SimCLRLoss().name).toBe('simclr_loss');
  });

  for (const temperature of [0.05, 0.5]) {
    it(`matches the float64 reference on seeded batches (T ${temperature})`, () => {
      const loss = new SimCLRLoss({ temperature });
      for (const seed of [1, 2, 3]) {
        const [za, zb] = views(seed, 7, 5);
        const per = tf.tidy(() => Array.from(loss.perSample(t(za), t(zb)).dataSync()));
        const ref = refSimCLR(za, zb, temperature);
        for (const [i, v] of per.entries()) expectClose(v, ref[i] as number, 1e-4, 1e-5);
        expectClose(value(loss, za, zb), meanOf(ref), 1e-4, 1e-5);
      }
    });
  }

  it('has the gradient of the reference in both views', () => {
    const loss = new SimCLRLoss({ temperature: 0.5 });
    const [za, zb] = views(11, 6, 3);
    const [ga, gb] = analytic(loss, za, zb);
    expectGradientsClose(
      ga,
      numericGradient((a) => meanOf(refSimCLR(a, zb, 0.5)), za),
    );
    expectGradientsClose(
      gb,
      numericGradient((b) => meanOf(refSimCLR(za, b, 0.5)), zb),
    );
  });

  it('is finite, with finite gradients, on identical views, a zero row and a batch of one', () => {
    const loss = new SimCLRLoss();
    const [za] = views(5, 4, 3);
    // Identical views: the positive equals the self-similarity, which is masked; the loss stays finite.
    expectClose(value(loss, za, za), meanOf(refSimCLR(za, za)), 1e-4, 1e-5);
    expect(analytic(loss, za, za).every(allFinite)).toBe(true);
    // A zero row normalises to 0 (√max(0, 1e-12)), as tf.math.l2_normalize does.
    const withZero = [[0, 0, 0], ...za.slice(1)];
    expect(Number.isFinite(value(loss, withZero, za))).toBe(true);
    expect(analytic(loss, withZero, za).every(allFinite)).toBe(true);
    // A batch of one has no negatives: logits (s/T, −1e9) give a loss of 0.
    expectClose(value(loss, [[1, 2]], [[2, -1]]), 0, 0, 1e-6);
    expect(analytic(loss, [[1, 2]], [[2, -1]]).every(allFinite)).toBe(true);
  });
});

describe('SimSiamLoss', () => {
  // projector z = (3, 4), (1, 0) → (0.6, 0.8), (1, 0); predictor p = (1, 0), (0, −2) → (1, 0), (0, −1).
  // Cosine similarities s = (0.6, 0).
  const z = [
    [3, 4],
    [1, 0],
  ];
  const p = [
    [1, 0],
    [0, -2],
  ];
  const HAND: Array<[Projection, number]> = [
    // 0.5 · (−0.6) + 0.001 = −0.299 and 0.5 · 0 + 0.001 = 0.001; mean −0.149
    ['negative_cosine_sim', -0.149],
    // 0.5 · (1 − 0.6) + 0.001 = 0.201 and 0.5 · 1 + 0.001 = 0.501; mean 0.351
    ['cosine_distance', 0.351],
    // 0.5 · acos(0.6)/π + 0.001 = 0.5 · 0.927295/π + 0.001 = 0.148584 and 0.5 · 0.5 + 0.001 = 0.251; mean 0.199792
    ['angular_distance', 0.199792],
  ];
  for (const [projectionType, expected] of HAND) {
    it(`matches the hand-worked batch (${projectionType})`, () => {
      expectClose(value(new SimSiamLoss({ projectionType }), z, p), expected, 1e-5);
    });
  }

  it('has TF Similarity defaults: negative_cosine_sim, margin 0.001', () => {
    const loss = new SimSiamLoss();
    expect([loss.projectionType, loss.margin, loss.stopGradient, loss.name]).toEqual([
      'negative_cosine_sim',
      0.001,
      true,
      'simsiam_loss',
    ]);
  });

  for (const [projectionType] of HAND) {
    it(`matches the float64 reference on seeded batches (${projectionType})`, () => {
      const loss = new SimSiamLoss({ projectionType, margin: 0.01 });
      for (const seed of [1, 2, 3]) {
        const [za, zb] = views(seed, 7, 5);
        const per = tf.tidy(() => Array.from(loss.perSample(t(za), t(zb)).dataSync()));
        const ref = refSimSiam(za, zb, projectionType, 0.01);
        for (const [i, v] of per.entries()) expectClose(v, ref[i] as number, 1e-4, 1e-5);
      }
    });
  }

  for (const [projectionType] of HAND) {
    it(`stops the gradient to the projector and matches the reference for the predictor (${projectionType})`, () => {
      const loss = new SimSiamLoss({ projectionType });
      const [za, zb] = views(21, 6, 3);
      const [gz, gp] = analytic(loss, za, zb);
      // TF Similarity's ContrastiveModel passes tf.stop_gradient(z): the projector gets no gradient.
      expect(gz.flat().every((v) => v === 0)).toBe(true);
      expectGradientsClose(
        gp,
        numericGradient((b) => meanOf(refSimSiam(za, b, projectionType)), zb),
      );
    });
  }

  it('with stopGradient false, the projector gets the gradient of the reference too', () => {
    const loss = new SimSiamLoss({ stopGradient: false });
    const [za, zb] = views(22, 6, 3);
    const [gz] = analytic(loss, za, zb);
    expectGradientsClose(
      gz,
      numericGradient((a) => meanOf(refSimSiam(a, zb)), za),
    );
  });

  it('is finite on identical views and a batch of one', () => {
    const [za] = views(6, 4, 3);
    // s = 1: −0.5 + 0.001, 0 + 0.001, 0 + 0.001 (acos(1) = 0).
    expectClose(value(new SimSiamLoss(), za, za), -0.499, 1e-5);
    expectClose(value(new SimSiamLoss({ projectionType: 'cosine_distance' }), za, za), 0.001, 0, 1e-6);
    // s rounds to 1 ± 1 ulp; clipped to [−1, 1], acos stays finite (≤ 3.5e-4 / π · 0.5 off the margin).
    expectClose(value(new SimSiamLoss({ projectionType: 'angular_distance' }), za, za), 0.001, 0, 2e-4);
    // The gradients are finite for the two linear projections; angular_distance has an infinite slope at
    // s = 1 (d acos/ds = −1/√(1 − s²)), in TF Similarity too, so its gradient there is not asserted.
    expect(analytic(new SimSiamLoss(), za, za).every(allFinite)).toBe(true);
    expect(analytic(new SimSiamLoss({ projectionType: 'cosine_distance' }), za, za).every(allFinite)).toBe(true);
    expectClose(value(new SimSiamLoss(), [[1, 1]], [[1, 0]]), -0.5 * Math.SQRT1_2 + 0.001, 1e-5);
  });
});

describe('BarlowLoss', () => {
  it('matches the hand-worked batch (B 3, D 2)', () => {
    // za columns (0, 1, 2) and (3, 0, 0): means 1, 1; centred (−1, 0, 1), (2, −1, −1);
    //   population variances 2/3 and 6/3 = 2 → standardised (−1, 0, 1)·√1.5 and (2, −1, −1)/√2.
    // zb columns (1, 0, −1) and (0, 0, 3): standardised (1, 0, −1)·√1.5 and (−1, −1, 2)/√2.
    // C = zaᵀ zb / 3:
    //   C00 = (−1 + 0 − 1)·1.5 / 3 = −1
    //   C01 = (1 + 0 + 2)·√1.5/√2 / 3 = √0.75 = 0.866025
    //   C10 = (2 + 0 + 1)·√1.5/√2 / 3 = √0.75
    //   C11 = (−2 + 1 − 2)/2 / 3 = −0.5
    // on-diagonal (1 + 1)² + (1 + 0.5)² = 4 + 2.25 = 6.25; off-diagonal 0.75 + 0.75 = 1.5
    // loss = 6.25 + 0.005 · 1.5 + 1e-12 = 6.2575
    const za = [
      [0, 3],
      [1, 0],
      [2, 0],
    ];
    const zb = [
      [1, 0],
      [0, 0],
      [-1, 3],
    ];
    expectClose(value(new BarlowLoss(), za, zb), 6.2575, 1e-5);
    // λ = 1: 6.25 + 1.5
    expectClose(value(new BarlowLoss({ lambda: 1 }), za, zb), 7.75, 1e-5);
  });

  it('has TF Similarity defaults: lambda 5e-3, margin 1e-12', () => {
    const loss = new BarlowLoss();
    expect([loss.lambda, loss.margin, loss.name]).toEqual([5e-3, 1e-12, 'barlow']);
  });

  it('matches the float64 reference on seeded batches', () => {
    for (const [lambda, margin] of [
      [5e-3, 1e-12],
      [0.5, 0.1],
    ] as const) {
      const loss = new BarlowLoss({ lambda, margin });
      for (const seed of [1, 2, 3]) {
        const [za, zb] = views(seed, 9, 4);
        expectClose(value(loss, za, zb), refBarlow(za, zb, lambda, margin), 1e-4, 1e-5);
      }
    }
  });

  it('has the gradient of the reference in both views', () => {
    const loss = new BarlowLoss({ lambda: 0.1 });
    const [za, zb] = views(31, 6, 3);
    const [ga, gb] = analytic(loss, za, zb);
    expectGradientsClose(
      ga,
      numericGradient((a) => refBarlow(a, zb, 0.1), za),
    );
    expectGradientsClose(
      gb,
      numericGradient((b) => refBarlow(za, b, 0.1), zb),
    );
  });

  it('is finite, with finite gradients, on a constant column, identical views and a batch of one', () => {
    const loss = new BarlowLoss();
    const [za, zb] = views(7, 5, 3);
    // Column 1 of za constant at 0.5: TF's divide_no_nan standardises it to 0, so C row 1 is 0 and
    // its diagonal term is (1 − 0)² = 1. Our gradient for that column is 0 (TF's √ at 0 would give NaN).
    const constant = za.map((row) => [row[0] as number, 0.5, row[2] as number]);
    expectClose(value(loss, constant, zb), refBarlow(constant, zb), 1e-4, 1e-5);
    const [ga, gb] = analytic(loss, constant, zb);
    expect(allFinite(ga) && allFinite(gb)).toBe(true);
    expect(ga.map((row) => row[1])).toEqual([0, 0, 0, 0, 0]);
    // Identical views: C is the correlation matrix, diagonal 1, so only λ Σ off-diagonal² + margin remains.
    expectClose(value(loss, za, za), refBarlow(za, za), 1e-4, 1e-6);
    expect(analytic(loss, za, za).every(allFinite)).toBe(true);
    // A batch of one: every column is constant, C = 0, the loss is D · 1 + margin = 3, with zero gradients.
    expectClose(value(loss, [[1, 2, 3]], [[4, 5, 6]]), 3, 1e-6);
    expect(analytic(loss, [[1, 2, 3]], [[4, 5, 6]]).flat(2)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('VicRegLoss', () => {
  it('matches the hand-worked batch (B 2, D 2)', () => {
    // za = (1, 0), (3, 2); zb = (1, 1), (1, 2).
    // invariance MSE per row: ((1−1)² + (0−1)²)/2 = 0.5 and ((3−1)² + (2−2)²)/2 = 2
    // centred za = (−1, −1), (1, 1): variances 1, 1 → √(1 + 1e-4) > 1 → hinge 0, 0; mean 0
    // centred zb = (0, −0.5), (0, 0.5): variances 0, 0.25 → √1e-4 = 0.01, √0.2501 = 0.500100
    //   → hinges 0.99, 0.499900; mean 0.744950
    // std term = 0/2 + 0.744950/2 = 0.372475
    // cov(za) = ca ᵀ ca / (2 − 1) = [[2, 2], [2, 2]] → (2² + 2²) / D = 8/2 = 4
    // cov(zb) = [[0, 0], [0, 0.5]] → 0
    // per row: 25 · 0.5 + 25 · 0.372475 + 1 · 4 = 25.811875 and 25 · 2 + 9.311875 + 4 = 63.311875
    // mean 44.561875
    const za = [
      [1, 0],
      [3, 2],
    ];
    const zb = [
      [1, 1],
      [1, 2],
    ];
    const loss = new VicRegLoss();
    const per = tf.tidy(() => Array.from(loss.perSample(t(za), t(zb)).dataSync()));
    expectClose(per[0] as number, 25.811875, 1e-5);
    expectClose(per[1] as number, 63.311875, 1e-5);
    expectClose(value(loss, za, zb), 44.561875, 1e-5);
  });

  it('has TF Similarity defaults: stdConst 1e-4, lambda 25, mu 25, nu 1', () => {
    const loss = new VicRegLoss();
    expect([loss.stdConst, loss.lambda, loss.mu, loss.nu, loss.name]).toEqual([1e-4, 25, 25, 1, 'vicreg_loss']);
  });

  it('matches the float64 reference on seeded batches', () => {
    for (const o of [VICREG_DEFAULTS, { stdConst: 0.01, lambda: 1, mu: 3, nu: 0.5 }]) {
      const loss = new VicRegLoss(o);
      for (const seed of [1, 2, 3]) {
        const [za, zb] = views(seed, 9, 4);
        const per = tf.tidy(() => Array.from(loss.perSample(t(za), t(zb)).dataSync()));
        const ref = refVicReg(za, zb, o);
        for (const [i, v] of per.entries()) expectClose(v, ref[i] as number, 1e-4, 1e-5);
      }
    }
  });

  it('has the gradient of the reference in both views', () => {
    const loss = new VicRegLoss();
    const [za, zb] = views(41, 6, 3);
    const [ga, gb] = analytic(loss, za, zb);
    expectGradientsClose(
      ga,
      numericGradient((a) => meanOf(refVicReg(a, zb)), za),
    );
    expectGradientsClose(
      gb,
      numericGradient((b) => meanOf(refVicReg(za, b)), zb),
    );
  });

  it('is finite, with finite gradients, on a constant column and identical views; refuses a batch of one', async () => {
    const loss = new VicRegLoss();
    const [za, zb] = views(8, 5, 3);
    // A constant column has variance 0: √(0 + stdConst) = 0.01, finite with a finite slope.
    const constant = za.map((row) => [row[0] as number, 0.5, row[2] as number]);
    expectClose(value(loss, constant, zb), meanOf(refVicReg(constant, zb)), 1e-4, 1e-5);
    const [ga, gb] = analytic(loss, constant, zb);
    expect(allFinite(ga) && allFinite(gb)).toBe(true);
    expectGradientsClose(
      ga,
      numericGradient((a) => meanOf(refVicReg(a, zb)), constant),
    );
    // Identical views: the invariance term is 0.
    expectClose(value(loss, za, za), meanOf(refVicReg(za, za)), 1e-4, 1e-5);
    expect(analytic(loss, za, za).every(allFinite)).toBe(true);
    // A batch of two is the smallest: the covariance divides by B − 1, which TF Similarity turns into NaN at B = 1.
    expect(Number.isFinite(value(loss, za.slice(0, 2), zb.slice(0, 2)))).toBe(true);
    await expectCode(() => loss.call(t([[1, 2, 3]]), t([[1, 2, 3]])), 'INVALID_ARGUMENT');
  });
});
