import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClassificationCounts, makeClassificationMetric } from '../src/index.js';

/**
 * Counts as calibration produces them: n queries of which `matches` have a
 * correct derived label; tp and fp grow with the threshold.
 */
const countsArb = fc
  .record({
    matches: fc.integer({ min: 0, max: 30 }),
    nonMatches: fc.integer({ min: 0, max: 30 }),
    steps: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), {
      minLength: 1,
      maxLength: 12,
    }),
  })
  .map(({ matches, nonMatches, steps }): ClassificationCounts => {
    const tpFracs = steps.map(([a]) => a).sort((x, y) => x - y);
    const fpFracs = steps.map(([, b]) => b).sort((x, y) => x - y);
    const tp = Float64Array.from(tpFracs, (a) => Math.floor(a * matches));
    const fp = Float64Array.from(fpFracs, (b) => Math.floor(b * nonMatches));
    return {
      tp,
      fp,
      fn: Float64Array.from(tp, (t) => matches - t),
      tn: Float64Array.from(fp, (f) => nonMatches - f),
      count: matches + nonMatches,
    };
  });

describe('metric properties', () => {
  it('every metric value is in [0, 1]', () => {
    fc.assert(
      fc.property(
        countsArb,
        fc.constantFrom('precision', 'recall', 'f1', 'fpr', 'npv', 'binary_accuracy'),
        (c, name) => {
          const v = makeClassificationMetric(name).compute(c);
          expect(v.length).toBe(c.tp.length);
          for (const x of v) {
            expect(x).toBeGreaterThanOrEqual(0);
            expect(x).toBeLessThanOrEqual(1);
          }
        },
      ),
    );
  });

  it('metrics flagged increasing never decrease as tp and fp grow (recall, fpr, binary accuracy)', () => {
    fc.assert(
      fc.property(countsArb, fc.constantFrom('recall', 'fpr', 'binary_accuracy'), (c, name) => {
        const v = makeClassificationMetric(name).compute(c);
        for (let i = 1; i < v.length; i++) expect(v[i]).toBeGreaterThanOrEqual(v[i - 1] as number);
      }),
    );
  });

  it('f1 equals 2pr / (p + r) computed from plain precision and recall', () => {
    fc.assert(
      fc.property(countsArb, (c) => {
        const f1 = makeClassificationMetric('f1').compute(c);
        for (let i = 0; i < f1.length; i++) {
          const tp = c.tp[i] as number;
          const p = tp + (c.fp[i] as number) === 0 ? 0 : tp / (tp + (c.fp[i] as number));
          const r = tp + (c.fn[i] as number) === 0 ? 0 : tp / (tp + (c.fn[i] as number));
          expect(f1[i]).toBeCloseTo(p + r === 0 ? 0 : (2 * p * r) / (p + r), 12);
        }
      }),
    );
  });
});
