import { expectCode } from '@simkit/core/testing';
import { tensor2d } from '@tensorflow/tfjs-core';
import { type SymbolicTensor, model as functionalModel, input, layers } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimilarityModel } from '../src/index.js';
import { twoHeadModel, useCpu } from './fixtures.js';

beforeAll(useCpu);

describe('multi-input models', () => {
  it('takes one tf.Tensor per input, sliced into batches together', async () => {
    // Two inputs of 1 value each, concatenated: embedding(a, b) = (a, b).
    const a = input({ shape: [1] });
    const b = input({ shape: [1] });
    const joined = layers.concatenate().apply([a, b]) as SymbolicTensor;
    const sim = new SimilarityModel(functionalModel({ inputs: [a, b], outputs: joined }), { batchSize: 2 });
    sim.createIndex({ distance: 'euclidean' });
    const left = tensor2d([[0], [3], [6]]);
    const right = tensor2d([[0], [4], [8]]);
    await sim.index([left, right], [0, 1, 2]);
    // Query (3, 0): distances to (0,0) = 3, (3,4) = 4, (6,8) = √(9 + 64) ≈ 8.544.
    const hits = await sim.singleLookup([tensor2d([[3]]), tensor2d([[0]])], 3);
    expect(hits.map((h) => h.label)).toEqual([0, 1, 2]);
    expect(hits[2]?.distance).toBeCloseTo(Math.sqrt(73), 5);
    await expectCode(() => sim.lookup([left]), 'INVALID_ARGUMENT');
    await expectCode(() => sim.lookup([left, tensor2d([[1], [2]])]), 'INVALID_ARGUMENT');
    left.dispose();
    right.dispose();
  });
});

describe('multi-output models', () => {
  it('indexes output 0 by default and says so through the logger', async () => {
    const notices: string[] = [];
    const sim = new SimilarityModel(twoHeadModel(), { logger: { log: (_level, message) => notices.push(message) } });
    sim.createIndex({ distance: 'euclidean' });
    expect(notices.some((m) => m.includes('output 0'))).toBe(true);
    expect(sim.embeddingOutput).toBe(0);
    expect(sim.indexer.embeddingSize).toBe(2);
    // Head 0 is (x0, x1).
    expect(Array.from((await sim.embed([[1, 2, 3]])).data)).toEqual([1, 2]);
  });

  it('embeddingOutput selects another head', async () => {
    const notices: string[] = [];
    const sim = new SimilarityModel(twoHeadModel(), { logger: { log: (_level, message) => notices.push(message) } });
    sim.createIndex({ distance: 'euclidean', embeddingOutput: 1 });
    expect(notices).toEqual([]);
    expect(sim.indexer.embeddingSize).toBe(1);
    // Head 1 is x0 + x1 + x2: [1,2,3] → 6, [0,0,1] → 1, [5,5,5] → 15.
    await sim.index(
      [
        [1, 2, 3],
        [0, 0, 1],
        [5, 5, 5],
      ],
      [6, 1, 15],
    );
    // Query [2,2,2] → 6: distances |6−6| = 0, |6−1| = 5, |6−15| = 9.
    const hits = await sim.singleLookup([2, 2, 2], 3);
    expect(hits.map((h) => h.label)).toEqual([6, 1, 15]);
    expect(hits.map((h) => h.distance)).toEqual([0, 5, 9]);
    expect(sim.indexSummary().embeddingOutput).toBe(1);
  });

  it('rejects an embeddingOutput the model does not have', async () => {
    const sim = new SimilarityModel(twoHeadModel());
    await expectCode(() => sim.createIndex({ embeddingOutput: 2 }), 'INVALID_ARGUMENT');
    await expectCode(() => sim.createIndex({ embeddingOutput: -1 }), 'INVALID_ARGUMENT');
  });
});
