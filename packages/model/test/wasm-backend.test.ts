import { beforeAll, describe, expect, it } from 'vitest';
import { SimilarityModel, selectBackend } from '../src/index.js';
import { calibrationSet, projectionModel } from './fixtures.js';

// tfjs-node is not installed in this workspace, so the default order lands on wasm.
beforeAll(async () => {
  await selectBackend();
});

describe('on the wasm backend', () => {
  it('starts wasm in Node from the installed package', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.compile({ distance: 'euclidean' });
    expect(sim.indexSummary().backend).toBe('wasm');
  });

  it('indexes, looks up, calibrates and matches like on cpu', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.compile({ distance: 'euclidean' });
    await sim.index(calibrationSet.indexX, calibrationSet.indexY);
    // Query (3, 0): distances to (0,0) = 3 and to (10,0) = 7.
    const hits = await sim.singleLookup([3, 0, 1], 2);
    expect(hits.map((h) => [h.id, h.distance])).toEqual([
      [0, 3],
      [1, 7],
    ]);
    const result = await sim.calibrate(calibrationSet.queryX, calibrationSet.queryY);
    // Same hand-worked optimum as on cpu (see calibrate-match.test.ts): distance 4, f1 6/7.
    expect(result.cutpoints.optimal?.distance).toBe(4);
    expect(
      Array.from(
        await sim.match([
          [1, 1, 0],
          [10, 3, 0],
          [0, -5, 0],
        ]),
      ),
    ).toEqual([0, 1, -1]);
  });
});
