import { expectCode } from '@simkit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CircleLoss,
  LiftedStructLoss,
  type MetricLoss,
  MultiSimilarityLoss,
  PNLoss,
  SoftNearestNeighborLoss,
  TripletLoss,
} from '../src/index.js';
import { XBM_LOSS_TYPE, XBMLoss, type XBMWrappedLoss } from '../src/xbm-loss.js';
import {
  centralDifferences,
  expectClose,
  expectGradientClose,
  HAND_EMBEDDINGS,
  HAND_LABELS,
  lossMemorySteps,
  randomBatch,
  scalarOf,
  useCpu,
} from './helpers.js';
import { type Matrix, refCircle, refMultiSimilarity, refTriplet } from './reference-losses.js';

beforeAll(useCpu);

function value(loss: MetricLoss, embeddings: Matrix, labels: number[]): number {
  return scalarOf(() => loss.call(tf.tensor1d(labels, 'int32'), tf.tensor2d(embeddings)));
}

function memoryOf(loss: XBMLoss): Matrix {
  const m = loss.memoryEmbeddings();
  if (m === null) return [];
  const rows = m.arraySync();
  m.dispose();
  return rows;
}

function expectMatrixClose(actual: Matrix, expected: Matrix): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    row.forEach((v, j) => {
      expectClose(v, expected[i]?.[j] as number, 1e-6, 1e-6);
    });
  });
}

/** Hard positive, hard negative, margin 1: easy to work by hand. */
const hardTriplet = () => new TripletLoss({ positiveMining: 'hard', negativeMining: 'hard', margin: 1 });

describe('XBMLoss', () => {
  it('has the TF Similarity defaults and takes the distance of the wrapped loss', () => {
    const loss = new XBMLoss({ loss: new MultiSimilarityLoss(), memorySize: 12 });
    expect(loss.name).toBe('xbm_loss');
    expect(loss.distance.name).toBe('cosine');
    expect([loss.memorySize, loss.warmupSteps, loss.steps, loss.memoryLength]).toEqual([12, 0, 0, 0]);
    expect(loss.memoryEmbeddings()).toBeNull();
    const sql2 = new XBMLoss({ loss: new TripletLoss({ distance: 'sql2' }), memorySize: 4, name: 'xbm_triplet' });
    expect(sql2.distance.name).toBe('squared_euclidean');
    expect(sql2.name).toBe('xbm_triplet');
  });

  it('works a hand-worked sequence: warm-up as the plain loss, then against the memory', () => {
    const loss = new XBMLoss({ loss: hardTriplet(), memorySize: 6, warmupSteps: 1 });
    // Step 1, warm-up. Cosine distances of the hand batch (helpers.ts), classes [0, 0, 1, 1]:
    //   anchor 0: pos .4, hardest neg d02 = 1 → .4;   anchor 1: pos .4, neg d12 = .2 → 1.2
    //   anchor 2: pos .2, neg d12 = .2 → 1;           anchor 3: pos .2, neg d13 = .72 → .48
    // mean 3.08 / 4 = .77, the plain triplet loss; the memory stays empty.
    const plain = value(hardTriplet(), HAND_EMBEDDINGS, HAND_LABELS);
    expectClose(plain, 0.77);
    expectClose(value(loss, HAND_EMBEDDINGS, HAND_LABELS), 0.77);
    expect([loss.steps, loss.memoryLength]).toEqual([1, 0]);
    // Step 2, the first after the warm-up: the memory was empty, so the keys are the batch: .77 again,
    // and the batch becomes the memory.
    expectClose(value(loss, HAND_EMBEDDINGS, HAND_LABELS), 0.77);
    expect(loss.memoryLabels).toEqual(Int32Array.from(HAND_LABELS));
    expectMatrixClose(memoryOf(loss), HAND_EMBEDDINGS);
    // Step 3: q0 = (.8, .6) class 0, q1 = (−.8, .6) class 1; keys [q0, q1, e0, e1, e2, e3].
    //   q0: positives e0 .2, e1 .04 → .2; negatives q1 1.28, e2 .4, e3 1 → .4; .2 − .4 + 1 = .8
    //   q1: positives e2 .4, e3 .04 → .4; negatives q0 1.28, e0 1.8, e1 1 → 1;  .4 − 1 + 1 = .4
    // mean .6, where the batch alone (no positive for either anchor) gives 0.
    const q: Matrix = [
      [0.8, 0.6],
      [-0.8, 0.6],
    ];
    expect(value(hardTriplet(), q, [0, 1])).toBeCloseTo(0, 5);
    expectClose(value(loss, q, [0, 1]), 0.6);
    expect(loss.memoryLabels).toEqual(Int32Array.from([0, 1, 0, 0, 1, 1]));
    // Step 4: r0 = (−.6, .8) class 0, r1 = (0, −1) class 1; keys [r0, r1, q0, q1, e0, e1]: e2 and e3, the
    // oldest, are dropped.
    //   r0: positives q0 1, e0 1.6, e1 .72 → 1.6; negatives r1 1.8, q1 .04 → .04;  1.6 − .04 + 1 = 2.56
    //   r1: positive q1 1.6; negatives r0 1.8, q0 1.6, e0 1, e1 1.8 → 1;            1.6 − 1 + 1 = 1.6
    // mean 2.08. (Had e2 and e3 stayed, d(r0, e3) = 0 and d(r1, e2) = 2 would make it 2.3.)
    const r: Matrix = [
      [-0.6, 0.8],
      [0, -1],
    ];
    const keys = [...r, ...q, ...HAND_EMBEDDINGS.slice(0, 2)];
    const keyLabels = [0, 1, 0, 1, 0, 0];
    const d = tf.tidy(() => loss.distance.pairwise(tf.tensor2d(r), tf.tensor2d(keys)).arraySync());
    const reference = refTriplet(keyLabels, d, 'hard', 'hard', 1);
    expectClose(reference, 2.08);
    expectClose(value(loss, r, [0, 1]), 2.08);
    expect(loss.steps).toBe(4);
    expect(loss.memoryLabels).toEqual(Int32Array.from(keyLabels));
    expectMatrixClose(memoryOf(loss), keys);
    loss.dispose();
  });

  const WRAPPED: Array<[string, () => XBMWrappedLoss, (labels: number[], d: Matrix) => number]> = [
    ['MultiSimilarityLoss', () => new MultiSimilarityLoss(), (y, d) => refMultiSimilarity(y, d)],
    ['TripletLoss', () => new TripletLoss(), (y, d) => refTriplet(y, d, 'hard', 'semi-hard', null)],
    [
      'TripletLoss (easy, easy, margin .5)',
      () => new TripletLoss({ positiveMining: 'easy', negativeMining: 'easy', margin: 0.5 }),
      (y, d) => refTriplet(y, d, 'easy', 'easy', 0.5),
    ],
    ['CircleLoss', () => new CircleLoss(), (y, d) => refCircle(y, d)],
  ];

  for (const [name, make, reference] of WRAPPED) {
    it(`matches the float64 reference on the concatenated keys over a random sequence (${name})`, () => {
      const memorySize = 10;
      const warmupSteps = 2;
      const loss = new XBMLoss({ loss: make(), memorySize, warmupSteps });
      let memory: Matrix = [];
      let memoryLabels: number[] = [];
      for (let step = 1; step <= 7; step++) {
        const { embeddings, labels } = randomBatch(100 + step, 4, 3, 3);
        const warm = step <= warmupSteps;
        const keys = (warm ? embeddings : [...embeddings, ...memory]).slice(0, memorySize);
        const keyLabels = (warm ? labels : [...labels, ...memoryLabels]).slice(0, memorySize);
        const d = tf.tidy(() => loss.distance.pairwise(tf.tensor2d(embeddings), tf.tensor2d(keys)).arraySync());
        const got = value(loss, embeddings, labels);
        expectClose(got, reference(keyLabels, d), 1e-5, 1e-5);
        if (warm) expectClose(got, value(make(), embeddings, labels), 1e-6, 1e-6);
        if (!warm) {
          memory = keys;
          memoryLabels = keyLabels;
        }
        expect(loss.memoryLabels).toEqual(Int32Array.from(memoryLabels));
        expectMatrixClose(memoryOf(loss), memory);
      }
      // From step 5 on the memory is full: the loss is not the plain loss of the batch.
      const { embeddings, labels } = randomBatch(999, 4, 3, 3);
      expect(Math.abs(value(loss, embeddings, labels) - value(make(), embeddings, labels))).toBeGreaterThan(1e-4);
      loss.dispose();
    });
  }

  it('keeps the latest memorySize rows, newest first, dropping the oldest', () => {
    const loss = new XBMLoss({ loss: new TripletLoss(), memorySize: 5, warmupSteps: 2 });
    const batch = (s: number): Matrix => [
      [s, 1],
      [s, 2],
    ];
    const labels = (s: number) => [10 * s, 10 * s + 1];
    const seen: number[][] = [];
    for (let s = 1; s <= 6; s++) {
      value(loss, batch(s), labels(s));
      seen.push([loss.memoryLength, ...loss.memoryLabels]);
    }
    expect(seen).toEqual([
      [0], // warm-up: the memory stays empty
      [0],
      [2, 30, 31],
      [4, 40, 41, 30, 31],
      [5, 50, 51, 40, 41, 30], // 31, the oldest row, dropped first
      [5, 60, 61, 50, 51, 40],
    ]);
    expect(memoryOf(loss)).toEqual([...batch(6), ...batch(5), batch(4)[0]]);
    // A batch larger than the memory: its first memorySize rows are the keys and the new memory.
    const big = new XBMLoss({ loss: new TripletLoss(), memorySize: 3 });
    value(big, HAND_EMBEDDINGS, HAND_LABELS);
    expect(big.memoryLabels).toEqual(Int32Array.from([0, 0, 1]));
    expectMatrixClose(memoryOf(big), HAND_EMBEDDINGS.slice(0, 3));
    loss.dispose();
    big.dispose();
  });

  it('advances the memory through call, perSample and asLossFn alike', () => {
    const a = new XBMLoss({ loss: new MultiSimilarityLoss(), memorySize: 9 });
    const b = new XBMLoss({ loss: new MultiSimilarityLoss(), memorySize: 9 });
    const fn = b.asLossFn();
    for (let step = 1; step <= 4; step++) {
      const { embeddings, labels } = randomBatch(step, 4, 3, 2);
      const x = tf.tensor2d(embeddings);
      const y = tf.tensor1d(labels, 'int32');
      const perSample = step % 2 === 0 ? fn(y, x) : b.perSample(labels, x);
      expect(perSample.shape).toEqual([4]);
      expectClose(
        scalarOf(() => tf.mean(perSample) as tf.Scalar),
        scalarOf(() => a.call(y, x)),
        1e-6,
        1e-6,
      );
      tf.dispose([x, y, perSample]);
      expect(b.steps).toBe(step);
      expect(b.memoryLabels).toEqual(a.memoryLabels);
    }
    expect(b.memoryLength).toBe(9);
    a.dispose();
    b.dispose();
  });

  describe('gradients', () => {
    const memory = randomBatch(7, 6, 3, 3).embeddings;
    const memoryLabels = [0, 1, 2, 0, 1, 2];
    const batch = randomBatch(2024, 8, 3, 3).embeddings;
    const labels = [0, 1, 2, 0, 1, 2, 0, 1];
    const shape: [number, number] = [8, 3];

    /** The loss of the batch `e` at step 2, after a first step on the fixed memory batch. */
    function secondStep(make: () => XBMWrappedLoss, e: Float32Array): number {
      const loss = new XBMLoss({ loss: make(), memorySize: 20 });
      value(loss, memory, memoryLabels);
      const v = scalarOf(() => loss.call(labels, tf.tensor2d(e, shape)));
      loss.dispose();
      return v;
    }

    function analytic(make: () => XBMWrappedLoss, e: Float32Array, xbm: boolean): Float32Array {
      const loss: MetricLoss = xbm ? new XBMLoss({ loss: make(), memorySize: 20 }) : make();
      if (loss instanceof XBMLoss) value(loss, memory, memoryLabels);
      const g = tf.tidy(() => {
        const y = tf.tensor1d(labels, 'int32');
        return tf
          .grad((x: tf.Tensor) => loss.call(y, x as tf.Tensor2D))(tf.tensor2d(e, shape))
          .dataSync();
      });
      if (loss instanceof XBMLoss) loss.dispose();
      return g as Float32Array;
    }

    const CASES: Array<[string, () => XBMWrappedLoss]> = [
      ['TripletLoss (hard, semi-hard, soft)', () => new TripletLoss()],
      ['MultiSimilarityLoss', () => new MultiSimilarityLoss()],
      ['CircleLoss (gamma 16)', () => new CircleLoss({ gamma: 16 })],
    ];

    for (const [name, make] of CASES) {
      it(`reach the current batch as central differences with the memory fixed (${name})`, () => {
        const e = Float32Array.from(batch.flat());
        const g = analytic(make, e, true);
        const fd = centralDifferences((x) => secondStep(make, x), e);
        expectGradientClose(g, fd);
        // The memory changes the gradient: it is not the plain loss's.
        const plain = analytic(make, e, false);
        let gap = 0;
        for (let i = 0; i < e.length; i++) gap = Math.max(gap, Math.abs((plain[i] as number) - (g[i] as number)));
        expect(gap).toBeGreaterThan(1e-3);
      });
    }

    it('never reach the memory: an earlier batch gets no gradient from a later step', () => {
      const loss = new XBMLoss({ loss: new TripletLoss(), memorySize: 20 });
      const later = tf.tensor2d(batch);
      const secondValue = (earlier: Matrix) => {
        loss.reset();
        value(loss, earlier, memoryLabels);
        return value(loss, batch, labels);
      };
      // The earlier batch, now in the memory, changes the value of the later step ...
      const moved = memory.map((row) => row.map((v) => v * 0.5));
      expect(Math.abs(secondValue(memory) - secondValue(moved))).toBeGreaterThan(1e-4);
      // ... but no gradient flows back to it through the memory: only the first step's own term
      // (multiplied by 0 here) reaches it.
      loss.reset();
      const g = tf.tidy(() =>
        tf
          .grad((earlier: tf.Tensor) => {
            const first = loss.call(memoryLabels, earlier as tf.Tensor2D);
            const second = loss.call(labels, later);
            return tf.add(tf.mul(first, 0), second) as tf.Scalar;
          })(tf.tensor2d(memory))
          .dataSync(),
      );
      expect(Array.from(g).every((v) => v === 0)).toBe(true);
      expect(loss.steps).toBe(2);
      later.dispose();
      loss.dispose();
    });
  });

  it('keeps the tensor count stable over many steps and frees the memory on dispose() and reset()', () => {
    const loss = new XBMLoss({ loss: new MultiSimilarityLoss(), memorySize: 30, warmupSteps: 2 });
    const { step, release } = lossMemorySteps(loss);
    // The first step creates the optimizer's slots and fills the memory; later steps must not add anything.
    step();
    expect(loss.memoryLength).toBe(30); // 5 calls: 2 warm-up, then 12, 24, 30 rows
    const before = tf.memory().numTensors;
    for (let i = 0; i < 6; i++) step();
    expect(loss.steps).toBe(35);
    expect(loss.memoryLength).toBe(30);
    expect(tf.memory().numTensors).toBe(before);
    loss.dispose();
    expect(tf.memory().numTensors).toBe(before - 1);
    expect([loss.memoryLength, loss.steps]).toEqual([0, 35]);
    step();
    expect(tf.memory().numTensors).toBe(before);
    loss.reset();
    expect(tf.memory().numTensors).toBe(before - 1);
    release();
  });

  it('starts again from the warm-up after reset()', () => {
    const loss = new XBMLoss({ loss: hardTriplet(), memorySize: 6, warmupSteps: 1 });
    const q: Matrix = [
      [0.8, 0.6],
      [-0.8, 0.6],
    ];
    value(loss, HAND_EMBEDDINGS, HAND_LABELS);
    value(loss, HAND_EMBEDDINGS, HAND_LABELS);
    expectClose(value(loss, q, [0, 1]), 0.6);
    loss.reset();
    expect([loss.steps, loss.memoryLength]).toEqual([0, 0]);
    expect(loss.memoryEmbeddings()).toBeNull();
    // Warm-up again: the batch alone (0, see the hand-worked sequence), and the memory stays empty.
    expect(value(loss, q, [0, 1])).toBeCloseTo(0, 5);
    expect([loss.steps, loss.memoryLength]).toEqual([1, 0]);
    loss.dispose();
  });

  it('round-trips its config, wrapped loss included, with a fresh memory', () => {
    const wrapped: XBMWrappedLoss[] = [
      new MultiSimilarityLoss({ alpha: 1, distance: 'sql2' }),
      new TripletLoss({ negativeMining: 'hard', margin: 0.3 }),
      new CircleLoss({ gamma: 16 }),
    ];
    for (const inner of wrapped) {
      const loss = new XBMLoss({ loss: inner, memorySize: 64, warmupSteps: 10, name: 'xbm' });
      value(loss, HAND_EMBEDDINGS, HAND_LABELS);
      const config = loss.toConfig();
      expect(config.type).toBe(XBM_LOSS_TYPE);
      expect(config.config).toEqual({
        name: 'xbm',
        distance: inner.distance.name,
        loss: inner.toConfig(),
        memorySize: 64,
        warmupSteps: 10,
      });
      const restored = XBMLoss.fromConfig(config);
      expect(restored.toConfig()).toEqual(config);
      expect(restored.loss).toBeInstanceOf(inner.constructor);
      expect([restored.steps, restored.memoryLength]).toEqual([0, 0]);
    }
  });

  it('rejects bad options and configs with INVALID_ARGUMENT', async () => {
    const loss = new TripletLoss();
    const make = (o: Record<string, unknown>) => () => new XBMLoss({ loss, memorySize: 8, ...o } as never);
    for (const memorySize of [undefined, 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '8']) {
      await expectCode(make({ memorySize }), 'INVALID_ARGUMENT', `memorySize ${String(memorySize)}`);
    }
    for (const warmupSteps of [-1, 0.5, Number.NaN, '1']) {
      await expectCode(make({ warmupSteps }), 'INVALID_ARGUMENT', `warmupSteps ${String(warmupSteps)}`);
    }
    // TF Similarity's XBM fails with these losses (PN indexes rows by key, soft nearest neighbour
    // needs a square matrix, lifted structure takes no remove_diagonal); nested XBM makes no sense.
    const unsupported = [
      new PNLoss(),
      new SoftNearestNeighborLoss(),
      new LiftedStructLoss(),
      new XBMLoss({ loss, memorySize: 8 }),
      undefined,
      {},
    ];
    for (const other of unsupported) await expectCode(make({ loss: other }), 'INVALID_ARGUMENT');
    await expectCode(make({ name: '' }), 'INVALID_ARGUMENT');
    await expectCode(() => new XBMLoss(null as never), 'INVALID_ARGUMENT');
    const config = new XBMLoss({ loss, memorySize: 8 }).toConfig();
    const withLoss = (inner: unknown) => ({ ...config, config: { ...config.config, loss: inner } });
    await expectCode(() => XBMLoss.fromConfig(withLoss(new PNLoss().toConfig())), 'INVALID_ARGUMENT');
    await expectCode(() => XBMLoss.fromConfig(withLoss('triplet-loss')), 'INVALID_ARGUMENT');
    await expectCode(() => XBMLoss.fromConfig(withLoss(undefined)), 'INVALID_ARGUMENT');
    await expectCode(() => XBMLoss.fromConfig(new TripletLoss().toConfig()), 'INVALID_ARGUMENT');
    // The good config still builds.
    expect(XBMLoss.fromConfig(config).memorySize).toBe(8);
  });

  it('refuses an embedding width other than the memory’s with DIMENSION_MISMATCH, changing nothing', async () => {
    const loss = new XBMLoss({ loss: new TripletLoss(), memorySize: 8, warmupSteps: 1 });
    // During the warm-up the memory is empty: any width goes.
    value(loss, randomBatch(1, 4, 5, 2).embeddings, [0, 0, 1, 1]);
    value(loss, HAND_EMBEDDINGS, HAND_LABELS);
    const wide = randomBatch(2, 4, 3, 2).embeddings;
    const x = tf.tensor2d(wide);
    const numTensors = tf.memory().numTensors;
    await expectCode(() => loss.call([0, 0, 1, 1], x), 'DIMENSION_MISMATCH');
    await expectCode(() => loss.perSample([0, 0, 1, 1], x), 'DIMENSION_MISMATCH');
    await expectCode(() => loss.asLossFn()(tf.tensor1d([0, 0, 1, 1]), x), 'DIMENSION_MISMATCH');
    expect(tf.memory().numTensors).toBe(numTensors + 1); // the labels tensor above
    expect([loss.steps, loss.memoryLength]).toEqual([2, 4]);
    expectMatrixClose(memoryOf(loss), HAND_EMBEDDINGS);
    // After reset() the memory is empty again and the new width is accepted.
    loss.reset();
    expect(Number.isFinite(value(loss, wide, [0, 0, 1, 1]))).toBe(true);
    x.dispose();
    loss.dispose();
  });
});
