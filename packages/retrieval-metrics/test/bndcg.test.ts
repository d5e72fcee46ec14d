import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { BNDCG } from '../src/index.js';
import { sample } from './fixtures.js';

const L3 = Math.log2(3); // 1.5849625

describe('BNDCG', () => {
  it('normalises the discounted gain by the ideal ordering', () => {
    // k=3, no threshold.
    // q0 rel [1,0,1]: dcg = 1/log2(2) + 1/log2(4) = 1.5; idcg = 1 + 1/log2(3) = 1.6309298 → 0.9197208
    // q1 rel [0,0,0]: 0/0 → 0
    // q2 rel [0,1,1]: dcg = 1/log2(3) + 1/2 = 1.1309298; idcg = 1.6309298 → 0.6934264
    // mean = (0.9197208 + 0 + 0.6934264) / 3 = 0.5377157
    const idcg = 1 + 1 / L3;
    const expected = (1.5 / idcg + 0 + (1 / L3 + 0.5) / idcg) / 3;
    const m = new BNDCG({ k: 3 });
    expect(m.compute(sample)).toBeCloseTo(expected, 12);
    expect(m.compute(sample)).toBeCloseTo(0.5377157, 6);
    expect(m.name).toBe('ndcg@3');
  });

  it('drops matches farther than the distance threshold', () => {
    // threshold 0.25 keeps columns with distance 0.1 and 0.2 only.
    // q0 rel [1,0,0] → 1; q1 → 0; q2 rel [0,1,0]: dcg = 1/log2(3), idcg = 1 → 0.6309298
    // mean = (1 + 0 + 0.6309298) / 3 = 0.5436433
    const m = new BNDCG({ k: 3, distanceThreshold: 0.25 });
    expect(m.compute(sample)).toBeCloseTo((1 + 1 / L3) / 3, 12);
    expect(m.name).toBe('ndcg@3 : distance_threshold@0.25');
  });

  it('reads columns [1, 1+k) when dropping the closest lookup', () => {
    // k=2 → columns 1..2. q0 rel [0,1]: dcg = 1/log2(3), idcg = 1 → 0.6309298
    // q1 [0,0] → 0; q2 [1,1] → 1. mean = (0.6309298 + 0 + 1) / 3
    expect(new BNDCG({ k: 2, dropClosestLookup: true }).compute(sample)).toBeCloseTo((1 / L3 + 1) / 3, 12);
  });

  it('macro-averages per label', () => {
    // k=3 per query [0.9197208, 0, 0.6934264]: label 1 → 0.4598604, label 2 → 0.6934264; mean 0.5766434
    const idcg = 1 + 1 / L3;
    const expected = ((1.5 / idcg + 0) / 2 + (1 / L3 + 0.5) / idcg) / 2;
    expect(new BNDCG({ k: 3, average: 'macro' }).compute(sample)).toBeCloseTo(expected, 12);
  });

  it('needs the distances', async () => {
    const { distances: _, ...noDistances } = sample;
    await expectCode(() => new BNDCG({ k: 3 }).compute(noDistances), 'INVALID_ARGUMENT');
    await expectCode(
      () => new BNDCG({ k: 3 }).compute({ ...sample, distances: new Float64Array(2) }),
      'INVALID_ARGUMENT',
    );
  });
});
