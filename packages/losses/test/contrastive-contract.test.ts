import { fromConfig } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BARLOW_LOSS_TYPE, BarlowLoss } from '../src/barlow-loss.js';
import { type ContrastiveLoss, PerSampleContrastiveLoss } from '../src/contrastive-loss.js';
import { SIMCLR_LOSS_TYPE, SimCLRLoss } from '../src/simclr-loss.js';
import { SIMSIAM_LOSS_TYPE, SimSiamLoss } from '../src/simsiam-loss.js';
import { VICREG_LOSS_TYPE, VicRegLoss } from '../src/vicreg-loss.js';
import { randomBatch, useCpu } from './helpers.js';

beforeAll(useCpu);

const CONTRASTIVE_LOSSES: Array<[string, () => ContrastiveLoss]> = [
  ['SimCLRLoss', () => new SimCLRLoss()],
  ['SimCLRLoss (T 0.5, named)', () => new SimCLRLoss({ temperature: 0.5, name: 'ntxent' })],
  ['SimSiamLoss', () => new SimSiamLoss()],
  [
    'SimSiamLoss (angular, margin 0, no stop)',
    () => new SimSiamLoss({ projectionType: 'angular_distance', margin: 0, stopGradient: false }),
  ],
  ['BarlowLoss', () => new BarlowLoss()],
  ['BarlowLoss (lambda 0.1, margin 0.5)', () => new BarlowLoss({ lambda: 0.1, margin: 0.5 })],
  ['VicRegLoss', () => new VicRegLoss()],
  ['VicRegLoss (all set)', () => new VicRegLoss({ stdConst: 0.01, lambda: 1, mu: 2, nu: 3 })],
];

const REGISTRY = {
  [SIMCLR_LOSS_TYPE]: SimCLRLoss,
  [SIMSIAM_LOSS_TYPE]: SimSiamLoss,
  [BARLOW_LOSS_TYPE]: BarlowLoss,
  [VICREG_LOSS_TYPE]: VicRegLoss,
};

describe('contrastive losses: no tensor leaks', () => {
  for (const [name, make] of CONTRASTIVE_LOSSES) {
    it(name, () => {
      const loss = make();
      const za = tf.tensor2d(randomBatch(1, 12, 4, 1, false).embeddings);
      const zb = tf.tensor2d(randomBatch(2, 12, 4, 1, false).embeddings);
      const w = tf.variable(tf.eye(4));
      const optimizer = tf.train.adam(0.01);
      const step = () => {
        loss.call(za, zb).dispose();
        if (loss instanceof PerSampleContrastiveLoss) loss.perSample(za, zb).dispose();
        const { value, grads } = tf.variableGrads(() => loss.call(tf.matMul(za, w), tf.matMul(zb, w)));
        value.dispose();
        tf.dispose(grads);
        optimizer.minimize(() => loss.call(tf.matMul(za, w), tf.matMul(zb, w)));
      };
      // The first step creates the optimizer's slots; later steps must not add anything.
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      // The trained weights moved: the loss was differentiable end to end.
      expect(tf.tidy(() => tf.sum(tf.abs(tf.sub(w, tf.eye(4)))).dataSync()[0])).toBeGreaterThan(0);
      optimizer.dispose();
      tf.dispose([za, zb, w]);
    });
  }
});

describe('contrastive loss configs', () => {
  for (const [name, make] of CONTRASTIVE_LOSSES) {
    it(`${name} survives JSON and an app registry`, async () => {
      const loss = make();
      const saved = JSON.parse(JSON.stringify(loss.toConfig()));
      expect(saved.package).toBe('@simkit/losses');
      expect(saved.version).toBe(1);
      const back = await fromConfig<ContrastiveLoss>(saved, REGISTRY, 'loss');
      expect(back.constructor).toBe(loss.constructor);
      expect(back.toConfig()).toEqual(loss.toConfig());
    });
  }

  it('writes every setting', () => {
    expect(new SimSiamLoss({ projectionType: 'cosine_distance', margin: 0.2, stopGradient: false }).toConfig()).toEqual(
      {
        type: 'simsiam-loss',
        version: 1,
        package: '@simkit/losses',
        config: { name: 'simsiam_loss', projectionType: 'cosine_distance', margin: 0.2, stopGradient: false },
      },
    );
    expect(new VicRegLoss({ mu: 2 }).toConfig().config).toEqual({
      name: 'vicreg_loss',
      stdConst: 1e-4,
      lambda: 25,
      mu: 2,
      nu: 1,
    });
    expect(new BarlowLoss().toConfig().config).toEqual({ name: 'barlow', lambda: 5e-3, margin: 1e-12 });
    expect(new SimCLRLoss().toConfig().config).toEqual({ name: 'simclr_loss', temperature: 0.05 });
  });

  it('refuses a config of another type', async () => {
    await expectCode(() => SimCLRLoss.fromConfig(new BarlowLoss().toConfig()), 'INVALID_ARGUMENT');
  });
});

describe('contrastive loss options', () => {
  it('refuses bad options with INVALID_ARGUMENT', async () => {
    const bad: Array<() => unknown> = [
      () => new SimCLRLoss(null as never),
      () => new SimCLRLoss({ name: '' }),
      () => new SimCLRLoss({ temperature: 0 }),
      () => new SimCLRLoss({ temperature: Number.NaN }),
      () => new SimSiamLoss({ projectionType: 'cross_entropy' as never }),
      () => new SimSiamLoss({ margin: '0.1' as never }),
      () => new SimSiamLoss({ stopGradient: 1 as never }),
      () => new BarlowLoss({ lambda: -1 }),
      () => new BarlowLoss({ margin: Number.POSITIVE_INFINITY }),
      () => new VicRegLoss({ stdConst: 0 }),
      () => new VicRegLoss({ lambda: -0.5 }),
      () => new VicRegLoss({ mu: Number.NaN }),
      () => new VicRegLoss({ nu: -1 }),
    ];
    for (const make of bad) await expectCode(make, 'INVALID_ARGUMENT');
  });

  it('says what to do in the message', () => {
    expect(() => new SimSiamLoss({ projectionType: 'x' as never })).toThrow(
      /projectionType must be one of 'negative_cosine_sim', 'cosine_distance', 'angular_distance'/,
    );
    expect(() => new VicRegLoss({ stdConst: -1 })).toThrow(/stdConst must be > 0/);
  });
});

describe('contrastive loss input checks', () => {
  const loss = new SimCLRLoss();
  const x = () =>
    tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);

  it('refuses a wrong rank, dtype or type with INVALID_ARGUMENT', async () => {
    await expectCode(() => loss.call(tf.tensor1d([1, 2]) as never, x()), 'INVALID_ARGUMENT');
    await expectCode(() => loss.call(x(), tf.tensor2d([[1, 2]], [1, 2], 'int32')), 'INVALID_ARGUMENT');
    await expectCode(() => loss.call([[1, 2]] as never, x()), 'INVALID_ARGUMENT');
    await expectCode(
      () => loss.call(tf.zeros([0, 2]) as tf.Tensor2D, tf.zeros([0, 2]) as tf.Tensor2D),
      'INVALID_ARGUMENT',
    );
  });

  it('refuses views of different shapes with DIMENSION_MISMATCH', async () => {
    await expectCode(() => loss.call(x(), tf.tensor2d([[1, 2]])), 'DIMENSION_MISMATCH');
    await expectCode(
      () =>
        new BarlowLoss().call(
          x(),
          tf.tensor2d([
            [1, 2, 3],
            [4, 5, 6],
          ]),
        ),
      'DIMENSION_MISMATCH',
    );
    await expectCode(() => new VicRegLoss().perSample(x(), tf.tensor2d([[1], [2]])), 'DIMENSION_MISMATCH');
  });

  it('refuses a batch below minBatch, naming the minimum', async () => {
    const vicreg = new VicRegLoss();
    expect([new SimCLRLoss().minBatch, new SimSiamLoss().minBatch, new BarlowLoss().minBatch, vicreg.minBatch]).toEqual(
      [1, 1, 1, 2],
    );
    await expectCode(() => vicreg.perSample(tf.tensor2d([[1, 2]]), tf.tensor2d([[1, 2]])), 'INVALID_ARGUMENT');
    expect(() => vicreg.call(tf.tensor2d([[1, 2]]), tf.tensor2d([[1, 2]]))).toThrow(/at least 2 samples/);
  });

  it('perSample has one loss per sample, whose mean is call', () => {
    for (const l of [new SimCLRLoss(), new SimSiamLoss(), new VicRegLoss()]) {
      const za = tf.tensor2d(randomBatch(3, 5, 3, 1, false).embeddings);
      const zb = tf.tensor2d(randomBatch(4, 5, 3, 1, false).embeddings);
      const per = tf.tidy(() => Array.from(l.perSample(za, zb).dataSync()));
      expect(per.length).toBe(5);
      const mean = tf.tidy(() => l.call(za, zb).dataSync()[0] as number);
      expect(Math.abs(per.reduce((s, v) => s + v, 0) / 5 - mean)).toBeLessThan(1e-4 * Math.abs(mean) + 1e-6);
      tf.dispose([za, zb]);
    }
  });
});
