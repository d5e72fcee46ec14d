import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClassificationCounts, makeClassificationMetric } from '@simkit/classification-metrics';
import {
  type CalibrationResult,
  type Cutpoint,
  type LookupMatrix,
  MemoryEvaluator,
  makeMatcher,
  roundDistance,
  toLookupMatrix,
} from '../src/index.js';

const ev = new MemoryEvaluator();

/** Random labelled lookups: ragged rows (possibly empty), sorted distances, few labels so matches happen. */
function lookupsArb(distance: fc.Arbitrary<number>) {
  return fc
    .array(
      fc.record({
        query: fc.integer({ min: 0, max: 3 }),
        row: fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), distance), { minLength: 0, maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 25 },
    )
    .filter((qs) => qs.some((q) => q.row.length > 0))
    .map((qs) => ({
      queryLabels: qs.map((q) => q.query),
      lookups: toLookupMatrix(
        qs.map((q) => q.row.map(([label, d]) => ({ label, distance: d })).sort((a, b) => a.distance - b.distance)),
      ),
    }));
}

/** Distances as a float32 search returns them: not 8-decimal numbers, so rounding matters. */
const float32Distance = fc.double({ min: 0, max: 2, noNaN: true }).map(Math.fround);
/** A coarse grid, so ties between thresholds, metric values and targets are frequent. */
const gridDistance = fc.integer({ min: 0, max: 8 }).map((i) => i / 8);

const METRICS = ['precision', 'recall', 'f1', 'fpr', 'npv', 'binary_accuracy'];

/** Straightforward calibrate: one pass over all queries per threshold. */
function naiveCalibrate(
  queryLabels: number[],
  lookups: LookupMatrix,
  calibration: string,
  extras: string[],
  matcherName: string,
  targets: Record<string, number>,
): CalibrationResult {
  const rounded = { ...lookups, distances: lookups.distances.map((d) => roundDistance(d, 8)) };
  const thresholds = Array.from(new Set(rounded.distances)).sort((a, b) => a - b);
  const derived = makeMatcher(matcherName).derive(rounded);
  const t = thresholds.length;
  const [tp, fp, tn, fn] = [0, 0, 0, 0].map(() => new Array<number>(t).fill(0)) as [
    number[],
    number[],
    number[],
    number[],
  ];
  thresholds.forEach((th, j) => {
    queryLabels.forEach((q, i) => {
      const match = derived.labels[i] === q;
      const within = (derived.distances[i] as number) <= th;
      const bucket = match ? (within ? tp : fn) : within ? fp : tn;
      bucket[j] = (bucket[j] as number) + 1;
    });
  });
  const counts: ClassificationCounts = {
    tp: Float64Array.from(tp),
    fp: Float64Array.from(fp),
    tn: Float64Array.from(tn),
    fn: Float64Array.from(fn),
    count: queryLabels.length,
  };
  const metrics = [...extras, calibration].map((m) => makeClassificationMetric(m));
  const table: Record<string, number[]> = { distance: thresholds };
  for (const m of metrics) table[m.name] = Array.from(m.compute(counts));
  const cal = metrics[metrics.length - 1] as ReturnType<typeof makeClassificationMetric>;
  const values = table[cal.name] as number[];
  const best = cal.maximize ? Math.max(...values) : Math.min(...values);
  const cut = (name: string, idx: number): Cutpoint => {
    const cp: Record<string, number | string> = { name, value: values[idx] as number };
    for (const [k, v] of Object.entries(table)) cp[k] = v[idx] as number;
    return cp as Cutpoint;
  };
  const cutpoints: Record<string, Cutpoint> = { optimal: cut('optimal', values.lastIndexOf(best)) };
  for (const [name, target] of Object.entries(targets)) {
    const hits = values.flatMap((v, i) => (v >= target ? [i] : []));
    const idx = hits.length === 0 ? -1 : ((cal.increasing ? hits[0] : hits[hits.length - 1]) as number);
    if (idx >= 0) cutpoints[name] = cut(name, idx);
  }
  table.value = values;
  return { cutpoints, thresholds: table };
}

describe('evaluator properties', () => {
  it('the fast calibrate equals a naive per-threshold loop', () => {
    fc.assert(
      fc.property(
        fc.oneof(lookupsArb(gridDistance), lookupsArb(float32Distance)),
        fc.constantFrom(...METRICS),
        fc.subarray(METRICS),
        fc.constantFrom('match_nearest', 'match_majority_vote'),
        fc.dictionary(
          fc.constantFrom('optimal', 'a', 'b'),
          fc.integer({ min: 0, max: 8 }).map((i) => i / 8),
        ),
        ({ queryLabels, lookups }, calibration, extras, matcher, targets) => {
          const fast = ev.calibrate(queryLabels, lookups, {
            calibrationMetric: calibration,
            extraMetrics: extras,
            matcher,
            thresholdsTargets: targets,
          });
          expect(fast).toEqual(naiveCalibrate(queryLabels, lookups, calibration, extras, matcher, targets));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('calibrate then match on the calibration set reproduces tp and fp at the cutpoint', () => {
    fc.assert(
      fc.property(
        fc.oneof(lookupsArb(float32Distance), lookupsArb(gridDistance)),
        fc.constantFrom(...METRICS),
        ({ queryLabels, lookups }, calibration) => {
          const { cutpoints } = ev.calibrate(queryLabels, lookups, {
            calibrationMetric: calibration,
            extraMetrics: ['binary_accuracy', 'fpr'],
          });
          const cp = cutpoints.optimal as Cutpoint;
          const matched = ev.match(lookups, cp, { noMatchLabel: -1 });
          const derived = makeMatcher('match_nearest').derive(lookups);
          const n = queryLabels.length;
          const nonMatching = queryLabels.filter((q, i) => derived.labels[i] !== q).length;
          const tp = queryLabels.filter((q, i) => matched[i] === q).length;
          const fp = queryLabels.filter((q, i) => matched[i] !== -1 && matched[i] !== q).length;
          // binary accuracy = tp / n and fpr = fp / (non-matching queries) at the cutpoint
          expect(tp).toBe(Math.round((cp.binary_accuracy as number) * n));
          expect(fp).toBe(Math.round((cp.fpr as number) * nonMatching));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with match_nearest, recall never decreases as the threshold grows', () => {
    fc.assert(
      fc.property(
        lookupsArb(float32Distance),
        fc.array(fc.double({ min: -0.5, max: 2.5, noNaN: true }), { minLength: 1, maxLength: 10 }),
        ({ queryLabels, lookups }, thresholds) => {
          const { distance, recall } = ev.evaluateClassification(queryLabels, lookups, thresholds, ['recall']);
          for (let i = 1; i < distance.length; i++) {
            expect(distance[i]).toBeGreaterThanOrEqual(distance[i - 1] as number);
            expect(recall?.[i]).toBeGreaterThanOrEqual(recall?.[i - 1] as number);
          }
        },
      ),
    );
  });

  it('every calibrated metric value is in [0, 1]', () => {
    fc.assert(
      fc.property(
        lookupsArb(float32Distance),
        fc.constantFrom('match_nearest', 'match_majority_vote'),
        ({ queryLabels, lookups }, matcher) => {
          const { thresholds, cutpoints } = ev.calibrate(queryLabels, lookups, { extraMetrics: METRICS, matcher });
          for (const [key, values] of Object.entries(thresholds)) {
            if (key === 'distance') continue;
            for (const v of values) {
              expect(v).toBeGreaterThanOrEqual(0);
              expect(v).toBeLessThanOrEqual(1);
            }
          }
          const optimal = cutpoints.optimal as Cutpoint;
          const name: string = optimal.name;
          const value: number = optimal.value;
          expect(name).toBe('optimal');
          expect(value).toBe(optimal.f1);
        },
      ),
    );
  });
});
