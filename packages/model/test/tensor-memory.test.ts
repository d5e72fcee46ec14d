import { memory, tensor2d } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimilarityModel } from '../src/index.js';
import { calibrationSet, randomDenseModel, randomRows, twoHeadModel, useCpu } from './fixtures.js';

beforeAll(useCpu);

describe('tensor memory', () => {
  it('does not grow across repeated index / lookup / calibrate / match', async () => {
    const sim = new SimilarityModel(randomDenseModel(3, 4, 2), { batchSize: 3 });
    sim.compile();
    const x = randomRows(10, 3, 4);
    const labels = Array.from({ length: 10 }, (_, i) => i % 3);
    const round = async () => {
      await sim.index(x, labels);
      await sim.indexSingle(x[0] as number[], 1);
      await sim.lookup(x, 3);
      await sim.singleLookup(x[1] as number[]);
      await sim.calibrate(calibrationSet.queryX, calibrationSet.queryY);
      await sim.match(x);
      await sim.embed({ data: x.flat(), shape: [10, 3] });
    };
    await round();
    const before = memory().numTensors;
    for (let i = 0; i < 3; i++) await round();
    expect(memory().numTensors).toBe(before);
  });

  it('does not grow on a multi-output model, and never disposes the caller’s tensors', async () => {
    const sim = new SimilarityModel(twoHeadModel(), { batchSize: 2 });
    sim.createIndex();
    const x = tensor2d(randomRows(5, 3, 6));
    await sim.index(x);
    await sim.lookup(x);
    const before = memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await sim.index(x);
      await sim.lookup(x);
    }
    expect(memory().numTensors).toBe(before);
    expect(x.isDisposed).toBe(false);
    x.dispose();
  });

  it('releases its own tensors when the input is rejected', async () => {
    const sim = new SimilarityModel(randomDenseModel(3, 2, 1));
    sim.createIndex();
    const before = memory().numTensors;
    await expect(sim.index([[1, 2, 3]], [1, 2])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(sim.lookup([[1, 2, 3, 4]])).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' });
    expect(memory().numTensors).toBe(before);
  });
});
