import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { RecallAtK } from '../src/index.js';
import { sample } from './fixtures.js';

describe('RecallAtK', () => {
  it('counts a query when any of its first k lookups matches', () => {
    // k=1: q0 1, q1 0, q2 0 → 1/3
    expect(new RecallAtK({ k: 1 }).compute(sample)).toBeCloseTo(1 / 3, 12);
    // k=2: q0 1, q1 0, q2 1 → 2/3
    expect(new RecallAtK({ k: 2 }).compute(sample)).toBeCloseTo(2 / 3, 12);
    // k=4: every query has a match → 1
    expect(new RecallAtK({ k: 4 }).compute(sample)).toBe(1);
  });

  it('reads columns [1, 1+k) when dropping the closest lookup', () => {
    // k=1 from column 1: q0 0, q1 0, q2 1 → 1/3
    expect(new RecallAtK({ k: 1, dropClosestLookup: true }).compute(sample)).toBeCloseTo(1 / 3, 12);
    // k=2 → columns 1..2: q0 [0,1] 1, q1 [0,0] 0, q2 [1,1] 1 → 2/3
    expect(new RecallAtK({ k: 2, dropClosestLookup: true }).compute(sample)).toBeCloseTo(2 / 3, 12);
    // k=3 → columns 1..3: q1 [0,0,1] now matches → 1
    expect(new RecallAtK({ k: 3, dropClosestLookup: true }).compute(sample)).toBe(1);
  });

  it('macro-averages over query labels in order of first occurrence', () => {
    // k=1 per query [1, 0, 0]; label 1: (1 + 0) / 2 = 0.5, label 2: 0 → (0.5 + 0) / 2 = 0.25
    expect(new RecallAtK({ k: 1, average: 'macro' }).compute(sample)).toBe(0.25);
  });

  it('ignores the distance threshold except in its name', () => {
    const r = new RecallAtK({ k: 1, distanceThreshold: 0.05 });
    expect(r.compute(sample)).toBeCloseTo(1 / 3, 12);
    expect(r.name).toBe('recall@1 : distance_threshold@0.05');
  });

  it('rejects M < k and shape mismatches', async () => {
    await expectCode(() => new RecallAtK({ k: 5 }).compute(sample), 'INVALID_ARGUMENT');
    await expectCode(
      () => new RecallAtK({ k: 1 }).compute({ ...sample, queryLabels: Int32Array.from([1, 1]) }),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      () => new RecallAtK({ k: 1 }).compute({ ...sample, matchMask: new Uint8Array(11) }),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      () => new RecallAtK({ k: 1 }).compute({ queryLabels: new Int32Array(0), matchMask: new Uint8Array(0), m: 4 }),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => new RecallAtK().compute({ ...sample, matchMask: [1, 0] as never }), 'INVALID_ARGUMENT');
    await expectCode(() => new RecallAtK().compute({ ...sample, queryLabels: [1, 1, 2] as never }), 'INVALID_ARGUMENT');
    await expectCode(() => new RecallAtK().compute({ ...sample, m: 4.5 }), 'INVALID_ARGUMENT');
    await expectCode(
      () => new RecallAtK({ k: 1 }).compute({ ...sample, distances: new Float64Array(3) }),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => new RecallAtK().compute(null as never), 'INVALID_ARGUMENT');
  });

  it('checks its options', async () => {
    for (const bad of [
      { k: 0 },
      { k: 1.5 },
      { k: '5' },
      { distanceThreshold: Number.NaN },
      { average: 'weighted' },
      { dropClosestLookup: 1 },
      { name: '' },
    ]) {
      await expectCode(() => new RecallAtK(bad as never), 'INVALID_ARGUMENT');
    }
    await expectCode(() => new RecallAtK(null as never), 'INVALID_ARGUMENT');
  });

  it('has defaults k = 5, +∞, micro, no drop', () => {
    const r = new RecallAtK();
    expect([r.k, r.distanceThreshold, r.average, r.dropClosestLookup]).toEqual([
      5,
      Number.POSITIVE_INFINITY,
      'micro',
      false,
    ]);
    expect(r.name).toBe('recall@5');
    expect(r.canonicalName).toBe('recall@k');
  });
});
