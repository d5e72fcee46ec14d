import { withTempDir } from '@simkit/core/testing';
import { SimilarityModel } from '@simkit/model';
import '@tensorflow/tfjs-backend-cpu';
import { ready, setBackend, tensor1d, tensor2d } from '@tensorflow/tfjs-core';
import { type LayersModel, layers, sequential } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsearchSearch } from '../src/index.js';

beforeAll(async () => {
  await setBackend('cpu');
  await ready();
});

/** Dense 3 → 2 keeping the first two coordinates: embedding(x) = (x0, x1). */
function projectionModel(): LayersModel {
  const m = sequential({ layers: [layers.dense({ units: 2, inputShape: [3] })] });
  m.setWeights([
    tensor2d([
      [1, 0],
      [0, 1],
      [0, 0],
    ]),
    tensor1d([0, 0]),
  ]);
  return m;
}

describe('behind SimilarityModel', () => {
  it('indexes, calibrates and matches by hand-worked distances, then saves and loads with a registry', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.compile({ distance: 'euclidean', search: new UsearchSearch({ distance: 'euclidean', dim: 2, threads: 1 }) });
    // Index: label 0 at (0, 0), label 1 at (10, 0).
    await sim.index(
      [
        [0, 0, 5],
        [10, 0, -5],
      ],
      [0, 1],
    );
    // Queries → nearest, distance, same label?  (0.5,0) L0 → 0.5 yes · (8,0) L1 → 2 yes · (3,0) L1 → 3 no
    //   (10,4) L1 → 4 yes · (0,6) L2 → 6 no · (17,0) L3 → 7 no.  F1 is best (6/7) at distance 4.
    const result = await sim.calibrate(
      [
        [0.5, 0, 1],
        [8, 0, 1],
        [3, 0, 1],
        [10, 4, 1],
        [0, 6, 1],
        [17, 0, 1],
      ],
      [0, 1, 1, 1, 2, 3],
    );
    expect(result.thresholds.distance).toEqual([0.5, 2, 3, 4, 6, 7]);
    expect(result.cutpoints.optimal?.distance).toBe(4);
    // (1, 1) is √2 from label 0: a match; (5, 9) is over 9 from both: unknown (-1).
    expect(
      await sim.match(
        [
          [1, 1, 0],
          [5, 9, 0],
        ],
        { cutpoint: 'optimal' },
      ),
    ).toEqual(Int32Array.from([0, -1]));
    await withTempDir(async (dir) => {
      await sim.save(dir);
      const again = await SimilarityModel.load(dir, { 'usearch-search': UsearchSearch });
      expect(again.indexSummary()).toMatchObject({ search: 'usearch-search' });
      expect(
        await again.match(
          [
            [1, 1, 0],
            [5, 9, 0],
          ],
          { cutpoint: 'optimal' },
        ),
      ).toEqual(Int32Array.from([0, -1]));
    });
  });
});
