import { BarlowLoss, SimCLRLoss, SimSiamLoss } from '@simkit/losses';
import { seededRandom } from '@simkit/core/testing';
import {
  add,
  memory,
  type Scalar,
  type Tensor,
  type Tensor2D,
  tensor,
  tensor2d,
  train,
  type Variable,
  variableGrads,
} from '@tensorflow/tfjs-core';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ContrastiveModel, type ViewSource } from '../src/index.js';
import { useCpu } from './fixtures.js';

beforeAll(useCpu);

/** A Dense layer with weights drawn from `seed` in [-0.5, 0.5), so runs repeat exactly. */
function seeded(inDim: number, units: number, seed: number, activation?: 'relu') {
  const m = sequential({ layers: [layers.dense({ units, inputShape: [inDim], ...(activation && { activation }) })] });
  const rand = seededRandom(seed);
  m.setWeights(
    m.getWeights().map((w) =>
      tensor(
        Array.from({ length: w.size }, () => rand() - 0.5),
        w.shape,
      ),
    ),
  );
  return m;
}

/**
 * 8 points in 4-d from 4 tight groups; each view adds its own seeded noise (σ 0.05).
 * The same batch every step, so the loss can only fall if training works.
 */
function noisyViews(steps: number): ViewSource {
  const base = Array.from({ length: 8 }, (_, i) => [
    i % 4 === 0 ? 1 : 0,
    i % 4 === 1 ? 1 : 0,
    i % 4 === 2 ? 1 : 0,
    i % 4 === 3 ? 1 : 0,
  ]);
  return {
    stepsPerEpoch: steps,
    views(index, epoch) {
      const rand = seededRandom(1000 * epoch + index + 1);
      const noisy = () => tensor2d(base.map((row) => row.map((v) => v + (rand() - 0.5) * 0.1)));
      return { view1: noisy(), view2: noisy() };
    },
  };
}

describe('ContrastiveModel', () => {
  it('simclr: the loss of a pair of views is the loss of the projected backbone outputs', () => {
    const backbone = seeded(4, 6, 1, 'relu');
    const projector = seeded(6, 3, 2);
    const model = new ContrastiveModel({ backbone, projector, algorithm: 'simclr' });
    const loss = new SimCLRLoss();
    const v1 = tensor2d([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
    ]);
    const v2 = tensor2d([
      [0.9, 0.1, 0, 0],
      [0, 1, 0.1, 0],
      [0, 0, 0.8, 0.2],
    ]);
    const viaModel = model.lossOf(loss, v1, v2).dataSync()[0] as number;
    const z = (v: Tensor) => projector.apply(backbone.apply(v) as Tensor) as Tensor2D;
    const direct = loss.call(z(v1), z(v2)).dataSync()[0] as number;
    expect(viaModel).toBeCloseTo(direct, 6);
    const e = model.embed(v1);
    expect(e.shape).toEqual([3, 6]);
    expect(Array.from(e.dataSync())).toEqual(Array.from((backbone.predict(v1) as Tensor).dataSync()));
  });

  it('simsiam: loss(stop(z1), p2) + loss(stop(z2), p1), and no gradient reaches the projector through the stopped branch', () => {
    const backbone = seeded(4, 5, 3, 'relu');
    const projector = seeded(5, 3, 4);
    const predictor = seeded(3, 3, 5);
    const model = new ContrastiveModel({ backbone, projector, predictor });
    expect(model.algorithm).toBe('simsiam');
    const loss = new SimSiamLoss({ stopGradient: false });
    const v1 = tensor2d([
      [1, 0.2, 0, 0],
      [0, 1, 0.3, 0],
    ]);
    const v2 = tensor2d([
      [0.8, 0.1, 0.1, 0],
      [0.1, 0.9, 0.2, 0],
    ]);
    const z = (v: Tensor) => projector.apply(backbone.apply(v) as Tensor) as Tensor2D;
    const p = (v: Tensor) => predictor.apply(z(v)) as Tensor2D;
    const expected = add(loss.call(z(v1), p(v2)), loss.call(z(v2), p(v1))).dataSync()[0] as number;
    expect(model.lossOf(loss, v1, v2).dataSync()[0] as number).toBeCloseTo(expected, 6);

    // The gradient reaching the projector equals that of the same sum with z1 and z2 replaced by
    // constants holding their values: nothing flows back through the stopped branches.
    const weights = projector.trainableWeights.map((w) => w.read() as Variable);
    const viaModel = variableGrads(() => model.lossOf(loss, v1, v2), weights).grads;
    const constant = (v: Tensor) => tensor2d(z(v).arraySync() as number[][]);
    const manual = variableGrads(
      () => add(loss.call(constant(v1), p(v2)), loss.call(constant(v2), p(v1))) as Scalar,
      weights,
    ).grads;
    for (const w of weights) {
      const a = Array.from(viaModel[w.name]?.dataSync() ?? []);
      const b = Array.from(manual[w.name]?.dataSync() ?? []);
      expect(a).toHaveLength(b.length);
      a.forEach((x, i) => {
        expect(x).toBeCloseTo(b[i] as number, 6);
      });
    }
    // …and it is not the gradient without the stops.
    const unstopped = variableGrads(
      () => add(loss.call(z(v1), p(v2)), loss.call(z(v2), p(v1))) as Scalar,
      weights,
    ).grads;
    const first = weights[0]?.name as string;
    expect(Array.from(unstopped[first]?.dataSync() ?? [])).not.toEqual(Array.from(viaModel[first]?.dataSync() ?? []));
  });

  it('trains: the SimCLR loss falls on noisy views of the same points, and no tensor is left behind', async () => {
    const model = new ContrastiveModel({
      backbone: seeded(4, 8, 6, 'relu'),
      projector: seeded(8, 4, 7),
      algorithm: 'simclr',
    });
    const loss = new SimCLRLoss({ temperature: 0.5 });
    await model.train(noisyViews(2), { loss, learningRate: 0.01 }); // warm-up: the optimizer's slots
    const before = memory().numTensors;
    const events: number[] = [];
    const optimizer = train.adam(0.02);
    const history = await model.train(noisyViews(10), {
      loss,
      optimizer,
      epochs: 3,
      onProgress: (e) => events.push(e.done),
    });
    expect(history.loss).toHaveLength(30);
    expect(events).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(history.epochLoss[2] as number).toBeLessThan((history.epochLoss[0] as number) * 0.9);
    // Views, activations and gradients are all released: only the optimizer passed in holds tensors.
    optimizer.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('barlow trains too, and every recipe refuses what it cannot use', async () => {
    const model = new ContrastiveModel({
      backbone: seeded(4, 8, 8, 'relu'),
      projector: seeded(8, 4, 9),
      algorithm: 'barlow',
    });
    const history = await model.train(noisyViews(5), { loss: new BarlowLoss(), learningRate: 0.01, epochs: 2 });
    expect(history.loss.every(Number.isFinite)).toBe(true);
    const backbone = seeded(4, 3, 10);
    const projector = seeded(3, 2, 11);
    const bad: unknown[] = [
      null,
      { backbone: {}, projector },
      { backbone, projector: null },
      { backbone, projector, algorithm: 'byol' },
      { backbone, projector, algorithm: 'simsiam' }, // no predictor
      { backbone, projector, predictor: 'p' },
    ];
    for (const options of bad) {
      expect(() => new ContrastiveModel(options as never), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
    const ok = new ContrastiveModel({ backbone, projector, algorithm: 'vicreg' });
    await expect(ok.train(noisyViews(1), { loss: null as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(
      ok.train({ stepsPerEpoch: 0, views: () => ({}) as never }, { loss: new BarlowLoss() }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(ok.train(noisyViews(2), { loss: new BarlowLoss(), stepsPerEpoch: 3 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
