import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { PrecisionAtK } from '../src/index.js';
import { sample } from './fixtures.js';

describe('PrecisionAtK', () => {
  it('divides the matches in the first k columns by k', () => {
    // k=3: q0 [1,0,1] 2/3, q1 [0,0,0] 0, q2 [0,1,1] 2/3 → (4/3) / 3 = 4/9
    expect(new PrecisionAtK({ k: 3 }).compute(sample)).toBeCloseTo(4 / 9, 12);
  });

  it('reads columns [1, k) and uses R = k - 1 when dropping the closest lookup', () => {
    // k=3 → columns 1..2, R = 2: q0 [0,1] 1/2, q1 [0,0] 0, q2 [1,1] 1 → 1.5 / 3 = 0.5
    expect(new PrecisionAtK({ k: 3, dropClosestLookup: true }).compute(sample)).toBe(0.5);
  });

  it('divides by r[label] when given', () => {
    // r = {1: 2, 2: 5}, k=3: q0 2/2 = 1, q1 0/2 = 0, q2 2/5 = 0.4 → 1.4 / 3
    expect(new PrecisionAtK({ k: 3, r: { 1: 2, 2: 5 } }).compute(sample)).toBeCloseTo(1.4 / 3, 12);
    expect(
      new PrecisionAtK({
        k: 3,
        r: new Map([
          [1, 2],
          [2, 5],
        ]),
      }).compute(sample),
    ).toBeCloseTo(1.4 / 3, 12);
  });

  it('scores 0 for a label missing from r, and for R = 0', () => {
    // r = {1: 2}: q0 1, q1 0, q2 R missing → 0 → 1/3
    expect(new PrecisionAtK({ k: 3, r: { 1: 2 } }).compute(sample)).toBeCloseTo(1 / 3, 12);
    // r = {1: 1, 2: 1} with drop: R becomes max(0, 1 − 1) = 0 for both labels → 0/0 → 0
    expect(new PrecisionAtK({ k: 3, r: { 1: 1, 2: 1 }, dropClosestLookup: true }).compute(sample)).toBe(0);
  });

  it('counts only the first R[label] lookups with clipAtR and is named by its base', () => {
    // r = {1: 1, 2: 2}, k=3: q0 first 1 [1] → 1/1, q1 first 1 [0] → 0, q2 first 2 [0,1] → 1/2 → 1.5/3
    const p = new PrecisionAtK({ k: 3, r: { 1: 1, 2: 2 }, clipAtR: true });
    expect(p.compute(sample)).toBe(0.5);
    expect(p.name).toBe('precision');
  });

  it('macro-averages per label', () => {
    // k=3 per query [2/3, 0, 2/3]: label 1 → 1/3, label 2 → 2/3 → (1/3 + 2/3) / 2 = 0.5
    expect(new PrecisionAtK({ k: 3, average: 'macro' }).compute(sample)).toBeCloseTo(0.5, 12);
  });

  it('rejects bad r and clipAtR', async () => {
    await expectCode(() => new PrecisionAtK({ r: { 1: -1 } }), 'INVALID_ARGUMENT');
    await expectCode(() => new PrecisionAtK({ r: { 1: 1.5 } }), 'INVALID_ARGUMENT');
    await expectCode(() => new PrecisionAtK({ r: new Map([[0.5, 1]]) }), 'INVALID_ARGUMENT');
    await expectCode(() => new PrecisionAtK({ r: 3 as never }), 'INVALID_ARGUMENT');
    await expectCode(() => new PrecisionAtK({ clipAtR: 'yes' as never }), 'INVALID_ARGUMENT');
  });

  it('round-trips through its config', () => {
    const p = new PrecisionAtK({ k: 3, r: { 1: 1, 2: 2 }, clipAtR: true, distanceThreshold: 0.5, average: 'macro' });
    const c = JSON.parse(JSON.stringify(p.toConfig()));
    expect(c).toEqual({
      type: 'precision-at-k',
      version: 1,
      package: '@simkit/retrieval-metrics',
      config: {
        name: 'precision',
        canonical_name: 'precision@k',
        k: 3,
        distance_threshold: 0.5,
        average: 'macro',
        drop_closest_lookup: false,
        r: { '1': 1, '2': 2 },
        clip_at_r: true,
      },
    });
    const back = PrecisionAtK.fromConfig(c);
    expect(back.compute(sample)).toBe(p.compute(sample));
    expect(back.name).toBe(p.name);
  });
});
