import { withTempDir } from '@simkit/core/testing';
import { UsearchSearch } from '@simkit/search-usearch';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimilarityModel } from '../src/index.js';
import { calibrationSet, projectionModel, useCpu } from './fixtures.js';

beforeAll(useCpu);

describe('SimilarityModel with @simkit/search-usearch', () => {
  it('indexes, calibrates and matches by hand-worked distances, then saves and loads with a registry', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.compile({ distance: 'euclidean', search: new UsearchSearch({ distance: 'euclidean', dim: 2, threads: 1 }) });
    // fixtures.ts: label 0 at (0, 0), label 1 at (10, 0).
    await sim.index(calibrationSet.indexX, calibrationSet.indexY);
    // Queries → nearest, distance, same label?  (0.5,0) L0 → 0.5 yes · (8,0) L1 → 2 yes · (3,0) L1 → 3 no
    //   (10,4) L1 → 4 yes · (0,6) L2 → 6 no · (17,0) L3 → 7 no.  F1 is best (6/7) at distance 4.
    const result = await sim.calibrate(calibrationSet.queryX, calibrationSet.queryY);
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
