import { expectCode } from '@simkit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MULTI_NEGATIVES_RANK_LOSS_TYPE, MultiNegativesRankLoss } from '../src/index.js';
import { centralDifferences, expectClose, expectGradientClose, f32, randomBatch, scalarOf, useCpu } from './helpers.js';
import type { Matrix } from './reference-losses.js';

beforeAll(useCpu);

/**
 * Float64 re-statement of TF Similarity's `multineg_ranking_loss`: s = scale · Q·Kᵀ, per query
 * `logsumexp(s_i, all ones) − s_ii` with its LogSumExp's +1, and Keras' mean reduction (the mean of
 * TF Similarity's broadcast [B, B] output is the mean of these per-query values).
 */
function refMultiNegatives(queries: Matrix, keys: Matrix, scale = 20): number {
  const q = f32(queries);
  const k = f32(keys);
  const per = q.map((qi, i) => {
    const s = k.map((kj) => scale * qi.reduce((acc, v, c) => acc + v * (kj[c] as number), 0));
    const m = Math.max(...s);
    const lse = Math.log(Math.exp(-m) + s.reduce((acc, x) => acc + Math.exp(x - m), 0)) + m;
    return lse - (s[i] as number);
  });
  return per.reduce((a, b) => a + b, 0) / per.length;
}

function value(loss: MultiNegativesRankLoss, queries: Matrix, keys: Matrix): number {
  return scalarOf(() => loss.call(tf.tensor2d(queries), tf.tensor2d(keys)));
}

function valueAndGradients(loss: MultiNegativesRankLoss, queries: Matrix, keys: Matrix) {
  return tf.tidy(() => {
    const { value: v, grads } = tf.valueAndGrads((q: tf.Tensor, k: tf.Tensor) =>
      loss.call(q as tf.Tensor2D, k as tf.Tensor2D),
    )([tf.tensor2d(queries), tf.tensor2d(keys)]);
    return { value: v.dataSync()[0] as number, grads: grads.flatMap((g) => Array.from(g.dataSync())) };
  });
}

// Hand-worked pairs: q0 = (1, 0), q1 = (0, 1), q2 = (.6, .8); k0 = (.8, .6), k1 = (0, 1), k2 = (1, 0).
// Q·Kᵀ = [[.8, 0, 1], [.6, 1, 0], [.96, .8, .6]] (q2·k0 = .48 + .48 = .96, q2·k1 = .8, q2·k2 = .6).
const Q: Matrix = [
  [1, 0],
  [0, 1],
  [0.6, 0.8],
];
const K: Matrix = [
  [0.8, 0.6],
  [0, 1],
  [1, 0],
];

describe('MultiNegativesRankLoss', () => {
  it('has the TF Similarity defaults', () => {
    const loss = new MultiNegativesRankLoss();
    expect(loss.name).toBe('multineg_rank_loss');
    expect(loss.distance.name).toBe('inner_product');
    expect(loss.scale).toBe(20);
  });

  it('computes the hand-worked batch with scale 1', () => {
    // loss_i = ln(1 + Σ_j e^{s_ij}) − s_ii with s = Q·Kᵀ:
    // q0: ln(1 + e^.8 + e^0 + e^1) − .8 = ln(2 + 2.225541 + 2.718282) − .8 = ln 6.943823 − .8 = 1.937852 − .8 ≈ 1.137852
    // q1: ln(1 + e^.6 + e^1 + e^0) − 1 = ln(2 + 1.822119 + 2.718282) − 1 = ln 6.540401 − 1 ≈ 0.877998
    // q2: ln(1 + e^.96 + e^.8 + e^.6) − .6 = ln(1 + 2.611696 + 2.225541 + 1.822119) − .6 = ln 7.659356 − .6 ≈ 1.435928
    // mean ≈ (1.137852 + 0.877998 + 1.435928) / 3 ≈ 1.150593
    const e = Math.exp;
    const ln = Math.log;
    const per = [ln(2 + e(0.8) + e(1)) - 0.8, ln(2 + e(0.6) + e(1)) - 1, ln(1 + e(0.96) + e(0.8) + e(0.6)) - 0.6];
    expectClose(per[0] as number, 1.137852, 0, 1e-6);
    expectClose(per[1] as number, 0.877998, 0, 1e-6);
    expectClose(per[2] as number, 1.435928, 0, 1e-6);
    const loss = new MultiNegativesRankLoss({ scale: 1 });
    expectClose(value(loss, Q, K), 1.150593, 0, 2e-6);
    const perSample = tf.tidy(() => Array.from(loss.perSample(tf.tensor2d(Q), tf.tensor2d(K)).dataSync()));
    per.forEach((v, i) => {
      expectClose(perSample[i] as number, v, 1e-5);
    });
  });

  it('computes the hand-worked batch with the default scale 20', () => {
    // s = 20·Q·Kᵀ = [[16, 0, 20], [12, 20, 0], [19.2, 16, 12]].
    // q0: ln(1 + e^16 + 1 + e^20) − 16 = 20 + ln(1 + e^−4 + 2e^−20) − 16 = 4 + ln 1.018316 ≈ 4.018150
    // q1: ln(1 + e^12 + e^20 + 1) − 20 = ln(1 + e^−8 + 2e^−20) ≈ e^−8 ≈ 0.000335
    // q2: ln(1 + e^19.2 + e^16 + e^12) − 12 = 7.2 + ln(1 + e^−3.2 + e^−7.2 + e^−19.2) = 7.2 + ln 1.041509 ≈ 7.240670
    // mean ≈ (4.018150 + 0.000335 + 7.240670) / 3 ≈ 3.753052
    expectClose(value(new MultiNegativesRankLoss(), Q, K), 3.753052, 1e-5);
  });

  it('matches the float64 reference on random batches', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(1, 5, 20),
        fc.boolean(),
        (seed, rows, dim, scale, unit) => {
          const queries = randomBatch(seed, rows, dim, 1, unit).embeddings;
          const keys = randomBatch(seed + 1, rows, dim, 1, unit).embeddings;
          const loss = new MultiNegativesRankLoss({ scale });
          expectClose(value(loss, queries, keys), refMultiNegatives(queries, keys, scale), 1e-5, 1e-5);
        },
      ),
      { seed: 17, numRuns: 80 },
    );
  });

  it('takes queries then keys, also as a tfjs-layers loss function', () => {
    const loss = new MultiNegativesRankLoss({ scale: 1 });
    const fn = loss.asLossFn();
    const [perFn, perSample, swapped] = tf.tidy(() => {
      const q = tf.tensor2d(Q);
      const k = tf.tensor2d(K);
      return [fn(q, k), loss.perSample(q, k), loss.perSample(k, q)].map((t) => Array.from(t.dataSync()));
    });
    expect(perFn).toEqual(perSample);
    expect(perFn).toHaveLength(3);
    // The loss is not symmetric: ranking keys for queries differs from ranking queries for keys.
    expect(Math.abs((swapped?.[0] as number) - (perSample?.[0] as number))).toBeGreaterThan(1e-3);
  });

  it('has gradients for queries and keys matching central finite differences', () => {
    const loss = new MultiNegativesRankLoss({ scale: 5 });
    const queries = randomBatch(2024, 6, 3, 1).embeddings;
    const keys = randomBatch(2025, 6, 3, 1).embeddings;
    const shape: [number, number] = [6, 3];
    const q = Float32Array.from(queries.flat());
    const k = Float32Array.from(keys.flat());
    const at = (qq: Float32Array, kk: Float32Array) =>
      tf.tidy(() => loss.call(tf.tensor2d(qq, shape), tf.tensor2d(kk, shape)).dataSync()[0] as number);
    const { grads } = valueAndGradients(loss, queries, keys);
    const fd = [...centralDifferences((x) => at(x, k), q), ...centralDifferences((x) => at(q, x), k)];
    expectGradientClose(grads, fd);
  });

  describe('degenerate batches: finite values and gradients, as TF Similarity', () => {
    // There are no labels: pair i is always (query i, key i). The label-based degenerate cases map to:
    // a pair with no similarity (q·k = 0), anti-aligned pairs, one pair, every embedding identical.
    const s = Math.SQRT1_2;
    const BATCHES: Array<[string, Matrix, Matrix, number | null]> = [
      // One pair: ln(1 + e^s) − s = ln(1 + e^−s) with s = 20·(.6·.8 + .8·.6) = 19.2 → ≈ e^−19.2.
      ['a single pair', [[0.6, 0.8]], [[0.8, 0.6]], Math.log1p(Math.exp(-19.2))],
      // All embeddings identical: every s = 20 → ln(1 + 4e^20) − 20 = ln(4 + e^−20) ≈ ln 4.
      [
        'identical embeddings',
        [
          [1, 0],
          [1, 0],
          [1, 0],
          [1, 0],
        ],
        [
          [1, 0],
          [1, 0],
          [1, 0],
          [1, 0],
        ],
        Math.log(4),
      ],
      // All embeddings 0: every s = 0 → ln(1 + 4).
      [
        'zero embeddings',
        [
          [0, 0],
          [0, 0],
          [0, 0],
          [0, 0],
        ],
        [
          [0, 0],
          [0, 0],
          [0, 0],
          [0, 0],
        ],
        Math.log(5),
      ],
      // No positive similarity: each key orthogonal to its query, aligned with the next one.
      [
        'keys orthogonal to their queries',
        [
          [1, 0],
          [0, 1],
        ],
        [
          [0, 1],
          [1, 0],
        ],
        null,
      ],
      // Keys opposite their queries: s_ii = −20, the others 20 or 0 → a large but finite loss.
      [
        'keys opposite their queries',
        [
          [1, 0],
          [0, 1],
          [s, s],
        ],
        [
          [-1, 0],
          [0, -1],
          [-s, -s],
        ],
        null,
      ],
      [
        'huge unnormalised',
        [
          [300, 0],
          [0, 300],
        ],
        [
          [300, 1],
          [-300, 0],
        ],
        null,
      ],
    ];
    for (const [name, queries, keys, expected] of BATCHES) {
      it(name, () => {
        const loss = new MultiNegativesRankLoss();
        const { value: v, grads } = valueAndGradients(loss, queries, keys);
        expect(Number.isFinite(v), `value ${v}`).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
        for (const g of grads) expect(Number.isFinite(g), `gradient ${grads}`).toBe(true);
        expectClose(v, refMultiNegatives(queries, keys), 1e-5, 1e-5);
        if (expected !== null) expectClose(v, expected, 1e-5, 1e-6);
      });
    }
  });

  it('keeps the number of tensors stable across calls', () => {
    const loss = new MultiNegativesRankLoss();
    const q = tf.tensor2d(randomBatch(1, 12, 4, 1).embeddings);
    const k = tf.tensor2d(randomBatch(2, 12, 4, 1).embeddings);
    const w = tf.variable(tf.eye(4));
    const optimizer = tf.train.adam(0.01);
    const fn = loss.asLossFn();
    const step = () => {
      loss.call(q, k).dispose();
      loss.perSample(q, k).dispose();
      fn(q, k).dispose();
      const { value: v, grads } = tf.variableGrads(() => loss.call(q, tf.matMul(k, w) as tf.Tensor2D));
      v.dispose();
      tf.dispose(grads);
      optimizer.minimize(() => loss.call(tf.matMul(q, w) as tf.Tensor2D, tf.matMul(k, w) as tf.Tensor2D));
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    tf.dispose([q, k, w]);
  });

  it('round-trips its config and rejects bad options and inputs', async () => {
    const loss = new MultiNegativesRankLoss({ scale: 7.5, distance: 'ip', name: 'mnrl' });
    const config = loss.toConfig();
    expect(config.type).toBe(MULTI_NEGATIVES_RANK_LOSS_TYPE);
    expect(config.config).toEqual({ name: 'mnrl', distance: 'inner_product', scale: 7.5 });
    const rebuilt = MultiNegativesRankLoss.fromConfig(config);
    expect(rebuilt.toConfig()).toEqual(config);
    expect(value(rebuilt, Q, K)).toBe(value(loss, Q, K));
    await expectCode(() => new MultiNegativesRankLoss({ scale: 0 }), 'INVALID_ARGUMENT');
    await expectCode(() => new MultiNegativesRankLoss({ scale: -20 }), 'INVALID_ARGUMENT');
    await expectCode(() => new MultiNegativesRankLoss({ scale: Number.POSITIVE_INFINITY }), 'INVALID_ARGUMENT');
    await expectCode(() => new MultiNegativesRankLoss({ scale: '20' as never }), 'INVALID_ARGUMENT');
    await expectCode(() => new MultiNegativesRankLoss({ name: '' }), 'INVALID_ARGUMENT');
    await expectCode(() => new MultiNegativesRankLoss(null as never), 'INVALID_ARGUMENT');
    const err = await expectCode(() => new MultiNegativesRankLoss({ distance: 'cosine' }), 'INVALID_ARGUMENT');
    expect(err.message).toContain("'inner_product'");
    await expectCode(() => new MultiNegativesRankLoss({ distance: 'nope' }), 'INVALID_ARGUMENT');
    await expectCode(
      () => MultiNegativesRankLoss.fromConfig({ ...config, type: 'lifted-struct-loss' }),
      'INVALID_ARGUMENT',
    );
    const q = tf.tensor2d(Q);
    await expectCode(() => loss.call(q, tf.tensor2d([[1, 0]])), 'DIMENSION_MISMATCH');
    await expectCode(() => loss.call(q, tf.zeros([3, 3]) as tf.Tensor2D), 'DIMENSION_MISMATCH');
    await expectCode(() => loss.call(q, tf.tensor2d(K, [3, 2], 'int32')), 'INVALID_ARGUMENT');
    await expectCode(() => loss.call(q, tf.tensor1d([1, 0]) as never), 'INVALID_ARGUMENT');
    await expectCode(() => loss.asLossFn()(tf.tensor1d([0, 1, 2]), q), 'INVALID_ARGUMENT');
    q.dispose();
  });
});
