import type { ProgressEvent } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { type ClassificationMetric, Precision } from '@simkit/classification-metrics';
import { MemoryEvaluator, type Matcher, toLookupMatrix } from '../src/index.js';
import { rows, worked } from './helpers.js';

const ev = new MemoryEvaluator();

describe('calibrate on the worked example (see helpers.ts)', () => {
  it('finds the optimal f1 cutpoint and reports every metric there', () => {
    const r = ev.calibrate(worked.queryLabels, worked.lookups);
    // f1 = [0.5, 0.8, 0.667, 0.857, 0.75] → best at index 3, distance 0.4
    expect(r.cutpoints).toEqual({
      optimal: { name: 'optimal', value: 6 / 7, distance: 0.4, precision: 3 / 4, recall: 1, f1: 6 / 7 },
    });
    expect(Object.keys(r.cutpoints.optimal ?? {})).toEqual(['name', 'value', 'distance', 'precision', 'recall', 'f1']);
    expect(r.thresholds.distance).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(r.thresholds.precision).toEqual([1, 1, 2 / 3, 3 / 4, 3 / 5]);
    expect(r.thresholds.recall).toEqual([1 / 3, 2 / 3, 2 / 3, 1, 1]);
    expect(r.thresholds.f1).toEqual([2 / 4, 4 / 5, 4 / 6, 6 / 7, 6 / 8]);
    expect(r.thresholds.value).toEqual(r.thresholds.f1);
    expect(Object.keys(r.thresholds)).toEqual(['distance', 'precision', 'recall', 'f1', 'value']);
  });

  it('takes the last index when the calibration metric ties', () => {
    // recall = [1/3, 2/3, 2/3, 1, 1]: the maximum 1 is at indices 3 and 4 → index 4, distance 0.5
    const r = ev.calibrate(worked.queryLabels, worked.lookups, { calibrationMetric: 'recall' });
    expect(r.cutpoints.optimal?.distance).toBe(0.5);
    expect(r.cutpoints.optimal?.value).toBe(1);
    // precision = [1, 1, …]: the maximum 1 at indices 0 and 1 → index 1, distance 0.2
    const p = ev.calibrate(worked.queryLabels, worked.lookups, { calibrationMetric: 'precision', extraMetrics: [] });
    expect(p.cutpoints.optimal).toEqual({ name: 'optimal', value: 1, distance: 0.2, precision: 1 });
  });

  it('minimises a metric that is not maximised, last index on ties', () => {
    // fpr = [0, 0, 1/2, 1/2, 1]: the minimum 0 at indices 0 and 1 → index 1, distance 0.2
    const r = ev.calibrate(worked.queryLabels, worked.lookups, { calibrationMetric: 'fpr', extraMetrics: [] });
    expect(r.cutpoints.optimal).toEqual({ name: 'optimal', value: 0, distance: 0.2, fpr: 0 });
  });

  it('meets a target on an increasing metric at the first index at or above it', () => {
    // f1 ≥ 0.7 at indices 1, 3, 4 → first, index 1: distance 0.2, f1 0.8
    const r = ev.calibrate(worked.queryLabels, worked.lookups, { thresholdsTargets: { '0.7': 0.7 } });
    expect(r.cutpoints['0.7']).toEqual({
      name: '0.7',
      value: 0.8,
      distance: 0.2,
      precision: 1,
      recall: 2 / 3,
      f1: 0.8,
    });
    expect(r.cutpoints.optimal?.distance).toBe(0.4);
  });

  it('meets a target on a decreasing metric at the last index at or above it', () => {
    // precision = [1, 1, 2/3, 3/4, 3/5] ≥ 0.7 at indices 0, 1, 3 → last, index 3: distance 0.4
    const r = ev.calibrate(worked.queryLabels, worked.lookups, {
      calibrationMetric: 'precision',
      thresholdsTargets: { high: 0.7 },
    });
    expect(r.cutpoints.high).toEqual({ name: 'high', value: 0.75, distance: 0.4, precision: 0.75, recall: 1 });
  });

  it('treats a target on a minimised metric as a lower bound too', () => {
    // fpr = [0, 0, 1/2, 1/2, 1] ≥ 0.5 first at index 2 (fpr is increasing): distance 0.3
    const r = ev.calibrate(worked.queryLabels, worked.lookups, {
      calibrationMetric: 'fpr',
      thresholdsTargets: { half: 0.5 },
    });
    expect(r.cutpoints.half?.distance).toBe(0.3);
    expect(r.cutpoints.half?.value).toBe(0.5);
  });

  it('omits a target that no threshold meets', () => {
    // f1 never reaches 0.9 (max 6/7 = 0.857)
    const r = ev.calibrate(worked.queryLabels, worked.lookups, { thresholdsTargets: { '0.9': 0.9, '0.5': 0.5 } });
    expect(Object.keys(r.cutpoints)).toEqual(['optimal', '0.5']);
    // f1 ≥ 0.5 first at index 0
    expect(r.cutpoints['0.5']?.distance).toBe(0.1);
  });

  it('lets a target named optimal replace the optimal cutpoint', () => {
    // f1 ≥ 0.7 first at index 1 → the "optimal" cutpoint is at distance 0.2, not 0.4
    const r = ev.calibrate(worked.queryLabels, worked.lookups, { thresholdsTargets: { optimal: 0.7 } });
    expect(Object.keys(r.cutpoints)).toEqual(['optimal']);
    expect(r.cutpoints.optimal).toEqual({
      name: 'optimal',
      value: 0.8,
      distance: 0.2,
      precision: 1,
      recall: 2 / 3,
      f1: 0.8,
    });
  });

  it('keeps the optimal cutpoint when a target named optimal is not met', () => {
    const r = ev.calibrate(worked.queryLabels, worked.lookups, { thresholdsTargets: { optimal: 0.95 } });
    expect(r.cutpoints.optimal?.distance).toBe(0.4);
  });

  it('accepts metric objects and renamed metrics', () => {
    const r = ev.calibrate(worked.queryLabels, worked.lookups, {
      calibrationMetric: new Precision('p'),
      extraMetrics: ['binary_accuracy'],
    });
    // binary accuracy = tp / 5 = [0.2, 0.4, 0.4, 0.6, 0.6]; precision best (last 1) at index 1
    expect(r.cutpoints.optimal).toEqual({ name: 'optimal', value: 1, distance: 0.2, binary_accuracy: 0.4, p: 1 });
  });
});

describe('calibrate: thresholds, padding and rounding', () => {
  it('takes thresholds from all k columns, including the +Infinity padding', () => {
    // q0 label 1: [(1, 0.1), (2, 0.3)]; q1 label 2: [(1, 0.2)]; q2 label 2: [] (no lookups)
    // thresholds = unique {0.1, 0.3, 0.2, ∞, ∞, ∞} = [0.1, 0.2, 0.3, ∞]
    // nearest: q0 (1, 0.1) match; q1 (1, 0.2) no match; q2 (PAD, ∞) no match
    // tp = [1, 1, 1, 1]; fp = [0, 1, 1, 2]; fn = 0 → recall = [1, 1, 1, 1]
    // f1 = 2/(2 + fp) = [1, 2/3, 2/3, 1/2]
    const lookups = rows(
      [
        [1, 0.1],
        [2, 0.3],
      ],
      [[1, 0.2]],
      [],
    );
    const r = ev.calibrate([1, 2, 2], lookups);
    expect(r.thresholds.distance).toEqual([0.1, 0.2, 0.3, Number.POSITIVE_INFINITY]);
    expect(r.thresholds.f1).toEqual([1, 2 / 3, 2 / 3, 1 / 2]);
    expect(r.thresholds.precision).toEqual([1, 1 / 2, 1 / 2, 1 / 3]);
    expect(r.cutpoints.optimal?.distance).toBe(0.1);
    // recall ties at 1 everywhere → the last threshold, +∞
    const byRecall = ev.calibrate([1, 2, 2], lookups, { calibrationMetric: 'recall' });
    expect(byRecall.cutpoints.optimal?.distance).toBe(Number.POSITIVE_INFINITY);
  });

  it('rounds distances to 8 decimals before taking thresholds', () => {
    // 0.123456789 and 0.1234567910 both round to 0.12345679; 0.3 stays
    const lookups = rows([[1, 0.123456789]], [[2, 0.12345679100000001]], [[3, 0.3]]);
    const r = ev.calibrate([1, 2, 4], lookups);
    expect(r.thresholds.distance).toEqual([0.12345679, 0.3]);
    // tp = [2, 2], fp = [0, 1] → f1 = [4/4, 4/5]; optimal at 0.12345679
    expect(r.cutpoints.optimal?.distance).toBe(0.12345679);
  });

  it('rounds halves to even, as TensorFlow does', () => {
    // 0.5 at 0 decimals → 0, 1.5 → 2, 2.5 → 2
    const lookups = rows([[1, 0.5]], [[1, 1.5]], [[1, 2.5]]);
    const r = new MemoryEvaluator({ distanceRounding: 0 }).calibrate([1, 1, 1], lookups);
    expect(r.thresholds.distance).toEqual([0, 2]);
  });

  it('can leave distances unrounded', () => {
    const lookups = rows([[1, 0.123456789]], [[2, 0.12345679100000001]]);
    const r = new MemoryEvaluator({ distanceRounding: null }).calibrate([1, 2], lookups);
    expect(r.thresholds.distance).toEqual([0.123456789, 0.12345679100000001]);
  });

  it('derives majority-vote distances as the mean of all k (rounded) distances', () => {
    // q0 label 5: labels [5, 6, 6], d [0.25, 0.5, 0.75] → 6 (no match), mean 0.5
    // q1 label 7: labels [7, 8, 7], d [0.125, 0.375, 0.625] → 7 (match), mean 0.375
    // thresholds = [0.125, 0.25, 0.375, 0.5, 0.625, 0.75]
    // tp = [0, 0, 1, 1, 1, 1]; fp = [0, 0, 0, 1, 1, 1]; fn = 1 − tp
    // f1 = [0, 0, 2/2, 2/3, 2/3, 2/3] → optimal at 0.375
    const lookups = rows(
      [
        [5, 0.25],
        [6, 0.5],
        [6, 0.75],
      ],
      [
        [7, 0.125],
        [8, 0.375],
        [7, 0.625],
      ],
    );
    const r = ev.calibrate([5, 7], lookups, { matcher: 'majority_vote' });
    expect(r.thresholds.distance).toEqual([0.125, 0.25, 0.375, 0.5, 0.625, 0.75]);
    expect(r.thresholds.f1).toEqual([0, 0, 1, 2 / 3, 2 / 3, 2 / 3]);
    expect(r.cutpoints.optimal).toEqual({ name: 'optimal', value: 1, distance: 0.375, precision: 1, recall: 1, f1: 1 });
    // with nearest, q0 (5, 0.25) matches and q1 (7, 0.125) matches: f1 = 1 from 0.25 on → last, 0.75
    expect(ev.calibrate([5, 7], lookups).cutpoints.optimal?.distance).toBe(0.75);
  });

  it('uses a user matcher', () => {
    const farthest: Matcher = {
      name: 'farthest',
      derive: ({ n, k, labels, distances }) => ({
        labels: Int32Array.from({ length: n }, (_, i) => labels[i * k + k - 1] as number),
        distances: Float64Array.from({ length: n }, (_, i) => distances[i * k + k - 1] as number),
      }),
    };
    // farthest of q0: (1, 0.3) match; of q1: (1, 0.4) no match → f1 = [2/2 at 0.3, …]
    const r = ev.calibrate(
      [1, 2],
      rows(
        [
          [2, 0.1],
          [1, 0.3],
        ],
        [
          [2, 0.2],
          [1, 0.4],
        ],
      ),
      { matcher: farthest },
    );
    expect(r.cutpoints.optimal?.distance).toBe(0.3);
  });

  it('reports progress through onProgress', () => {
    const events: ProgressEvent[] = [];
    ev.calibrate(worked.queryLabels, worked.lookups, { onProgress: (e) => events.push(e) });
    // derive, count, 3 metrics, cutpoints = 6 steps
    expect(events.map((e) => e.done)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.every((e) => e.task === 'calibrate' && e.total === 6)).toBe(true);
  });
});

describe('calibrate errors', () => {
  it('fails with EMPTY_INDEX when there are no lookups', async () => {
    const e = await expectCode(() => ev.calibrate([], toLookupMatrix([])), 'EMPTY_INDEX');
    expect(e.message).toContain('is there any data in the index?');
    await expectCode(() => ev.calibrate([1, 2], toLookupMatrix([[], []])), 'EMPTY_INDEX');
  });

  it('rejects mismatched lengths, unknown names and bad options', async () => {
    await expectCode(() => ev.calibrate([1, 2], worked.lookups), 'INVALID_ARGUMENT');
    await expectCode(() => ev.calibrate([1, 1, 2, 2, 3.5], worked.lookups), 'INVALID_ARGUMENT');
    await expectCode(
      () => ev.calibrate(worked.queryLabels, worked.lookups, { calibrationMetric: 'accuracy' }),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      () => ev.calibrate(worked.queryLabels, worked.lookups, { extraMetrics: ['nope'] }),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      () => ev.calibrate(worked.queryLabels, worked.lookups, { matcher: 'closest' }),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      () => ev.calibrate(worked.queryLabels, worked.lookups, { thresholdsTargets: { x: Number.NaN } }),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      () => ev.calibrate(worked.queryLabels, worked.lookups, { thresholdsTargets: [0.5] as never }),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => ev.calibrate(worked.queryLabels, worked.lookups, null as never), 'INVALID_ARGUMENT');
    await expectCode(
      () => ev.calibrate(worked.queryLabels, worked.lookups, { onProgress: 'yes' as never }),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => ev.calibrate(worked.queryLabels, { ...worked.lookups, n: 6 }), 'INVALID_ARGUMENT');
  });

  it('rejects a metric whose name is a result key', async () => {
    await expectCode(
      () => ev.calibrate(worked.queryLabels, worked.lookups, { calibrationMetric: new Precision('distance') }),
      'INVALID_ARGUMENT',
    );
  });

  it('rejects a matcher or metric that returns the wrong shape or NaN', async () => {
    const short: Matcher = {
      name: 'short',
      derive: () => ({ labels: new Int32Array(1), distances: new Float64Array(1) }),
    };
    await expectCode(() => ev.calibrate(worked.queryLabels, worked.lookups, { matcher: short }), 'INVALID_ARGUMENT');
    const nan: ClassificationMetric = {
      name: 'nan',
      canonicalName: 'nan',
      maximize: true,
      increasing: true,
      compute: ({ tp }) => new Float64Array(tp.length).fill(Number.NaN),
    };
    await expectCode(
      () => ev.calibrate(worked.queryLabels, worked.lookups, { calibrationMetric: nan }),
      'INVALID_ARGUMENT',
    );
  });
});
