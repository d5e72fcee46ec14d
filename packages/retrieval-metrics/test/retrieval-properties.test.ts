import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BNDCG,
  MapAtK,
  PrecisionAtK,
  RecallAtK,
  type RetrievalMetric,
  type RetrievalMetricInput,
} from '../src/index.js';

const inputArb = fc
  .record({ n: fc.integer({ min: 1, max: 12 }), m: fc.integer({ min: 2, max: 8 }), seed: fc.integer() })
  .chain(({ n, m }) =>
    fc.record({
      queryLabels: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
      mask: fc.array(fc.boolean(), { minLength: n * m, maxLength: n * m }),
      distances: fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: n * m, maxLength: n * m }),
      m: fc.constant(m),
      k: fc.integer({ min: 1, max: m - 1 }),
      drop: fc.boolean(),
      threshold: fc.double({ min: 0, max: 2, noNaN: true }),
      clip: fc.boolean(),
      macro: fc.boolean(),
      r: fc.dictionary(fc.constantFrom('0', '1', '2', '3'), fc.integer({ min: 0, max: 10 })),
    }),
  )
  .map((x) => {
    const input: RetrievalMetricInput = {
      queryLabels: Int32Array.from(x.queryLabels),
      matchMask: Uint8Array.from(x.mask, (b) => (b ? 1 : 0)),
      m: x.m,
      distances: Float64Array.from(x.distances),
    };
    return { ...x, input };
  });

describe('retrieval metric properties', () => {
  it('every metric value is in [0, 1]', () => {
    fc.assert(
      fc.property(inputArb, (x) => {
        const common = {
          k: x.k,
          dropClosestLookup: x.drop,
          average: x.macro ? ('macro' as const) : ('micro' as const),
        };
        // Without clipAtR an R below k can exceed 1 (as in TensorFlow Similarity), so R ≥ k there.
        const atLeastK = Object.fromEntries(Object.entries(x.r).map(([label, r]) => [label, r + x.k]));
        const r = x.clip ? x.r : atLeastK;
        const metrics: RetrievalMetric[] = [
          new RecallAtK(common),
          new PrecisionAtK({ ...common, r, clipAtR: x.clip }),
          new PrecisionAtK(common),
          new MapAtK({ k: x.k, dropClosestLookup: x.drop, r, clipAtR: x.clip }),
          new BNDCG({ ...common, distanceThreshold: x.threshold }),
        ];
        for (const metric of metrics) {
          const v = metric.compute(x.input);
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1 + 1e-12);
        }
      }),
    );
  });

  it('recall@k never decreases as k grows', () => {
    fc.assert(
      fc.property(inputArb, (x) => {
        let prev = 0;
        for (let k = 1; k <= x.m; k++) {
          const v = new RecallAtK({ k }).compute(x.input);
          expect(v).toBeGreaterThanOrEqual(prev);
          prev = v;
        }
      }),
    );
  });

  it('map@k ≤ precision@k with the same R (precision at a hit is at most 1)', () => {
    fc.assert(
      fc.property(inputArb, (x) => {
        const o = { k: x.k, dropClosestLookup: x.drop };
        expect(new MapAtK(o).compute(x.input)).toBeLessThanOrEqual(new PrecisionAtK(o).compute(x.input) + 1e-12);
      }),
    );
  });
});
