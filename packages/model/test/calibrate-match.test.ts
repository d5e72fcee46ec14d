import { RecallAtK } from '@simkit/retrieval-metrics';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimilarityModel } from '../src/index.js';
import { calibrationSet, projectionModel, useCpu } from './fixtures.js';

beforeAll(useCpu);

async function calibrated(): Promise<SimilarityModel> {
  const sim = new SimilarityModel(projectionModel());
  sim.compile({ distance: 'euclidean' });
  await sim.index(calibrationSet.indexX, calibrationSet.indexY);
  await sim.calibrate(calibrationSet.queryX, calibrationSet.queryY, { thresholdsTargets: { strict: 0.8 } });
  return sim;
}

describe('calibrate', () => {
  it('finds the optimal f1 cutpoint by hand', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.compile({ distance: 'euclidean' });
    await sim.index(calibrationSet.indexX, calibrationSet.indexY);
    const result = await sim.calibrate(calibrationSet.queryX, calibrationSet.queryY, {
      thresholdsTargets: { strict: 0.8 },
    });
    // Nearest distances 0.5, 2, 3, 4, 6, 7 with matches yes, yes, no, yes, no, no (see fixtures).
    // t=0.5: tp1 fp0 fn2 → p 1,   r 1/3, f1 0.5
    // t=2:   tp2 fp0 fn1 → p 1,   r 2/3, f1 0.8
    // t=3:   tp2 fp1 fn1 → p 2/3, r 2/3, f1 2/3
    // t=4:   tp3 fp1 fn0 → p 3/4, r 1,   f1 2·0.75/1.75 = 6/7
    // t=6:   tp3 fp2     → p 3/5, r 1,   f1 0.75
    // t=7:   tp3 fp3     → p 1/2, r 1,   f1 2/3
    expect(result.thresholds.distance).toEqual([0.5, 2, 3, 4, 6, 7]);
    const optimal = result.cutpoints.optimal;
    expect(optimal?.distance).toBe(4);
    expect(optimal?.value).toBeCloseTo(6 / 7, 10);
    expect(optimal?.f1).toBeCloseTo(6 / 7, 10);
    expect(optimal?.precision).toBeCloseTo(0.75, 10);
    expect(optimal?.recall).toBe(1);
    // Target 'strict': the calibration metric f1 ≥ 0.8 at t = 2 and t = 4; f1 is increasing, so the first: t = 2.
    expect(result.cutpoints.strict?.distance).toBe(2);
    expect(result.cutpoints.strict?.f1).toBeCloseTo(0.8, 10);
    expect(sim.indexer.isCalibrated).toBe(true);
  });
});

describe('calibration metric key', () => {
  // Same calibration set as above: the optimal F1 is 6/7 at distance 4.
  async function indexed(): Promise<SimilarityModel> {
    const sim = new SimilarityModel(projectionModel());
    sim.compile({ distance: 'euclidean' });
    await sim.index(calibrationSet.indexX, calibrationSet.indexY);
    return sim;
  }

  it('defaults to f1 (key f1), while the Indexer on its own defaults to f1_score', async () => {
    const sim = await indexed();
    const result = await sim.calibrate(calibrationSet.queryX, calibrationSet.queryY);
    expect(result.cutpoints.optimal?.f1).toBeCloseTo(6 / 7, 10);
    expect(result.cutpoints.optimal).not.toHaveProperty('f1_score');
    expect(Object.keys(result.thresholds).sort()).toEqual(['distance', 'f1', 'precision', 'recall', 'value']);
    const cls = await sim.evaluateClassification(calibrationSet.queryX, calibrationSet.queryY);
    expect(cls.optimal?.f1).toBeCloseTo(6 / 7, 10);
    // The same lookups through the Indexer's own calibrate carry the key f1_score.
    const embeddings = await sim.embed(calibrationSet.queryX);
    const direct = await sim.indexer.calibrate(embeddings, calibrationSet.queryY);
    expect(direct.cutpoints.optimal?.f1_score).toBeCloseTo(6 / 7, 10);
    expect(direct.cutpoints.optimal).not.toHaveProperty('f1');
  });

  it('passes an explicit calibration metric through', async () => {
    const sim = await indexed();
    const result = await sim.calibrate(calibrationSet.queryX, calibrationSet.queryY, { calibrationMetric: 'f1_score' });
    expect(result.cutpoints.optimal?.f1_score).toBeCloseTo(6 / 7, 10);
    expect(result.cutpoints.optimal).not.toHaveProperty('f1');
  });
});

describe('match', () => {
  it('returns the nearest label within the cutpoint distance, else the no-match label', async () => {
    const sim = await calibrated();
    const queries = [
      [1, 1, 0], // nearest (0,0) at √2 ≈ 1.41 ≤ 4 → 0
      [10, 3, 0], // nearest (10,0) at 3 ≤ 4 → 1
      [5, 5, 0], // √50 ≈ 7.07 to both → > 4 → -1
      [0, -5, 0], // (0,0) at 5 > 4 → -1
    ];
    expect(Array.from(await sim.match(queries))).toEqual([0, 1, -1, -1]);
    expect(Array.from(await sim.match(queries, { noMatchLabel: 99 }))).toEqual([0, 1, 99, 99]);
    // The 'strict' cutpoint sits at distance 2: only the first query (1.41) is within it.
    expect(Array.from(await sim.match(queries, { cutpoint: 'strict' }))).toEqual([0, -1, -1, -1]);
    const all = await sim.match(queries, { cutpoint: 'all' });
    expect(Object.keys(all).sort()).toEqual(['optimal', 'strict']);
    expect(Array.from(all.optimal ?? [])).toEqual([0, 1, -1, -1]);
  });

  it('rejects an unknown cutpoint name', async () => {
    const sim = await calibrated();
    await expect(sim.match([[0, 0, 0]], { cutpoint: 'nope' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('evaluateClassification', () => {
  it('gives, per cutpoint, the calibration metric and the extras at that distance', async () => {
    const sim = await calibrated();
    const result = await sim.evaluateClassification(calibrationSet.queryX, calibrationSet.queryY);
    expect(Object.keys(result).sort()).toEqual(['optimal', 'strict']);
    // At the optimal distance 4 the counts are those of calibration: f1 6/7, precision 3/4, recall 1.
    expect(result.optimal?.distance).toBe(4);
    expect(result.optimal?.f1).toBeCloseTo(6 / 7, 10);
    expect(result.optimal?.precision).toBeCloseTo(0.75, 10);
    expect(result.optimal?.recall).toBe(1);
    // At distance 2: f1 0.8, precision 1, recall 2/3.
    expect(result.strict?.distance).toBe(2);
    expect(result.strict?.f1).toBeCloseTo(0.8, 10);
    expect(result.strict?.precision).toBe(1);
    expect(result.strict?.recall).toBeCloseTo(2 / 3, 10);
  });
});

describe('evaluateRetrieval', () => {
  it('returns one value per metric, under the metric name', async () => {
    const sim = await calibrated();
    const result = await sim.evaluateRetrieval(calibrationSet.queryX, calibrationSet.queryY, [
      new RecallAtK({ k: 1 }),
      new RecallAtK({ k: 2 }),
    ]);
    // recall@1: nearest label equals the query label for queries 0, 1, 3 → 3/6 = 0.5.
    // recall@2: the index has labels 0 and 1, so queries labelled 0 or 1 (the first four) all hit → 4/6.
    expect(Object.keys(result).sort()).toEqual(['recall@1', 'recall@2']);
    expect(result['recall@1']).toBeCloseTo(0.5, 10);
    expect(result['recall@2']).toBeCloseTo(4 / 6, 10);
  });
});
