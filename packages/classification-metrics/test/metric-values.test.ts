import { describe, expect, it } from 'vitest';
import {
  BinaryAccuracy,
  type ClassificationCounts,
  F1Score,
  FalsePositiveRate,
  NegativePredictiveValue,
  Precision,
  Recall,
} from '../src/index.js';

const f64 = (...v: number[]) => Float64Array.from(v);
const counts = (tp: number[], fp: number[], tn: number[], fn: number[], count: number): ClassificationCounts => ({
  tp: f64(...tp),
  fp: f64(...fp),
  tn: f64(...tn),
  fn: f64(...fn),
  count,
});

// Two thresholds: tp = [10, 20], fp = [1, 2], tn = [10, 9], fn = [15, 5], 36 queries.
const decent = counts([10, 20], [1, 2], [10, 9], [15, 5], 36);

describe('metric values on hand-worked counts', () => {
  it('precision = tp / (tp + fp)', () => {
    // 10 / (10 + 1) = 0.909091; 20 / (20 + 2) = 0.909091
    const v = new Precision().compute(decent);
    expect(v[0]).toBeCloseTo(10 / 11, 12);
    expect(v[1]).toBeCloseTo(20 / 22, 12);
  });

  it('recall = tp / (tp + fn)', () => {
    // 10 / 25 = 0.4; 20 / 25 = 0.8
    expect(Array.from(new Recall().compute(decent))).toEqual([0.4, 0.8]);
  });

  it('f1 = 2pr / (p + r) = 2tp / (2tp + fp + fn)', () => {
    // 20 / (20 + 1 + 15) = 0.555556; 40 / (40 + 2 + 5) = 0.851064
    const v = new F1Score().compute(decent);
    expect(v[0]).toBeCloseTo(0.555556, 6);
    expect(v[1]).toBeCloseTo(0.851064, 6);
    // the same through p and r: p = 10/11, r = 0.4 → 2·(10/11)·0.4 / (10/11 + 0.4) = 0.555556
    const p = 10 / 11;
    expect(v[0]).toBeCloseTo((2 * p * 0.4) / (p + 0.4), 12);
  });

  it('fpr = fp / (fp + tn)', () => {
    // 1 / 11 = 0.090909; 2 / 11 = 0.181818
    const v = new FalsePositiveRate().compute(decent);
    expect(v[0]).toBeCloseTo(1 / 11, 12);
    expect(v[1]).toBeCloseTo(2 / 11, 12);
  });

  it('npv = tn / (tn + fn)', () => {
    // 10 / 25 = 0.4; 9 / 14 = 0.642857
    const v = new NegativePredictiveValue().compute(decent);
    expect(v[0]).toBeCloseTo(0.4, 12);
    expect(v[1]).toBeCloseTo(9 / 14, 12);
  });

  it('binary accuracy = tp / count, not (tp + tn) / total', () => {
    // 10 / 36 = 0.277778; 20 / 36 = 0.555556 (with tn it would be 20/36 and 29/36)
    const v = new BinaryAccuracy().compute(decent);
    expect(v[0]).toBeCloseTo(10 / 36, 12);
    expect(v[1]).toBeCloseTo(20 / 36, 12);
  });

  it('binary accuracy with no queries is 0, not NaN', () => {
    expect(Array.from(new BinaryAccuracy().compute(counts([0], [0], [0], [0], 0)))).toEqual([0]);
  });

  it('divides 0 by 0 as 0 everywhere', () => {
    const zero = counts([0, 0], [0, 0], [0, 0], [0, 0], 0);
    expect(Array.from(new Recall().compute(zero))).toEqual([0, 0]);
    expect(Array.from(new F1Score().compute(zero))).toEqual([0, 0]);
    expect(Array.from(new FalsePositiveRate().compute(zero))).toEqual([0, 0]);
    expect(Array.from(new NegativePredictiveValue().compute(zero))).toEqual([0, 0]);
  });
});

describe('precision first-threshold rule', () => {
  it('sets the first value to 1 when nothing is matched there and there are several thresholds', () => {
    // tp = [0, 1, 2], fp = [0, 1, 1]: 0/0 → 1 (rule), 1/2 = 0.5, 2/3
    const c = counts([0, 1, 2], [0, 1, 1], [3, 2, 2], [2, 1, 0], 5);
    const v = new Precision().compute(c);
    expect(v[0]).toBe(1);
    expect(v[1]).toBe(0.5);
    expect(v[2]).toBeCloseTo(2 / 3, 12);
  });

  it('does not apply with a single threshold', () => {
    expect(Array.from(new Precision().compute(counts([0], [0], [1], [1], 2)))).toEqual([0]);
  });

  it('does not apply when the first threshold matched something', () => {
    // tp[0] + fp[0] = 0 + 1 = 1 ≠ 0, so precision[0] stays 0 / 1 = 0
    expect(Array.from(new Precision().compute(counts([0, 1], [1, 1], [0, 0], [1, 0], 2)))).toEqual([0, 0.5]);
  });

  it('is not used by f1: f1 at an empty first threshold is 0', () => {
    // tp = 0 → f1 = 0 / (0 + 0 + 2) = 0, although precision[0] would be 1
    const c = counts([0, 2], [0, 0], [0, 0], [2, 0], 2);
    expect(Array.from(new F1Score().compute(c))).toEqual([0, 1]);
  });
});

describe('names and flags (SEMANTICS §2)', () => {
  it.each([
    [new Precision(), 'precision', 'precision', true, false],
    [new Recall(), 'recall', 'recall', true, true],
    [new F1Score(), 'f1', 'f1_score', true, true],
    [new FalsePositiveRate(), 'fpr', 'false_positive_rate', false, true],
    [new NegativePredictiveValue(), 'npv', 'negative_predictive_value', true, true],
    [new BinaryAccuracy(), 'binary_accuracy', 'binary_accuracy', true, true],
  ])('%s', (metric, name, canonical, maximize, increasing) => {
    expect(metric.name).toBe(name);
    expect(metric.canonicalName).toBe(canonical);
    expect(metric.maximize).toBe(maximize);
    expect(metric.increasing).toBe(increasing);
    expect(metric.toConfig()).toEqual({
      type: 'classification-metric',
      version: 1,
      package: '@simkit/classification-metrics',
      config: { name, canonical_name: canonical, maximize, increasing },
    });
  });

  it('takes a name of its own', () => {
    expect(new F1Score('f1@0.1').name).toBe('f1@0.1');
    expect(new F1Score('f1@0.1').canonicalName).toBe('f1_score');
  });
});
