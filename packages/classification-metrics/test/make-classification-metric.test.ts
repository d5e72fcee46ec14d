import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import {
  BinaryAccuracy,
  CLASSIFICATION_METRIC_NAMES,
  type ClassificationMetric,
  F1Score,
  FalsePositiveRate,
  NegativePredictiveValue,
  Precision,
  Recall,
  classificationMetricFromConfig,
  makeClassificationMetric,
} from '../src/index.js';

describe('makeClassificationMetric', () => {
  it.each([
    ['recall', Recall],
    ['precision', Precision],
    ['f1', F1Score],
    ['f1score', F1Score],
    ['f1_score', F1Score],
    ['binary_accuracy', BinaryAccuracy],
    ['npv', NegativePredictiveValue],
    ['negative_predictive_value', NegativePredictiveValue],
    ['negative_predicitve_value', NegativePredictiveValue],
    ['fpr', FalsePositiveRate],
    ['false_positive_rate', FalsePositiveRate],
  ])('%s makes a %o named after the alias', (alias, Ctor) => {
    const m = makeClassificationMetric(alias);
    expect(m).toBeInstanceOf(Ctor);
    expect(m.name).toBe(alias);
  });

  it('is case-insensitive and names the metric in lower case', () => {
    const m = makeClassificationMetric('F1_Score');
    expect(m).toBeInstanceOf(F1Score);
    expect(m.name).toBe('f1_score');
    expect(m.canonicalName).toBe('f1_score');
  });

  it('lists every accepted name', () => {
    expect([...CLASSIFICATION_METRIC_NAMES].sort()).toEqual(
      [
        'binary_accuracy',
        'f1',
        'f1_score',
        'f1score',
        'false_positive_rate',
        'fpr',
        'negative_predicitve_value',
        'negative_predictive_value',
        'npv',
        'precision',
        'recall',
      ].sort(),
    );
  });

  it('uses an explicit name', () => {
    expect(makeClassificationMetric('F1', 'my_f1').name).toBe('my_f1');
  });

  it('passes a metric object through, renaming a view of it without touching the original', () => {
    const p = new Precision();
    expect(makeClassificationMetric(p)).toBe(p);
    const q = makeClassificationMetric(p, 'precision@0.5');
    expect(q.name).toBe('precision@0.5');
    expect(p.name).toBe('precision');
    expect(q.canonicalName).toBe('precision');
    expect(q.increasing).toBe(false);
    const c = {
      tp: Float64Array.from([1]),
      fp: Float64Array.from([1]),
      tn: new Float64Array(1),
      fn: new Float64Array(1),
      count: 2,
    };
    // 1 / (1 + 1) = 0.5
    expect(Array.from(q.compute(c))).toEqual([0.5]);
    expect((q as Precision).toConfig().config.name).toBe('precision@0.5');
  });

  it('accepts a plain object with the metric shape', () => {
    const own: ClassificationMetric = {
      name: 'all',
      canonicalName: 'all',
      maximize: true,
      increasing: true,
      compute: ({ tp }) => new Float64Array(tp.length).fill(1),
    };
    expect(makeClassificationMetric(own)).toBe(own);
  });

  it('rejects unknown names, listing the valid ones', async () => {
    const e = await expectCode(() => makeClassificationMetric('accuracy'), 'INVALID_ARGUMENT');
    expect(e.message).toContain('f1_score');
    expect(e.message).toContain('accuracy');
  });

  it('rejects things that are not metrics and empty names', async () => {
    await expectCode(() => makeClassificationMetric({ name: 'x' } as never), 'INVALID_ARGUMENT');
    await expectCode(() => makeClassificationMetric(42 as never), 'INVALID_ARGUMENT');
    await expectCode(() => makeClassificationMetric('f1', ''), 'INVALID_ARGUMENT');
  });
});

describe('classificationMetricFromConfig', () => {
  it('round-trips every built-in metric with its name', () => {
    for (const alias of CLASSIFICATION_METRIC_NAMES) {
      const m = makeClassificationMetric(alias, `${alias}_x`) as F1Score;
      const back = classificationMetricFromConfig(JSON.parse(JSON.stringify(m.toConfig())));
      expect(back.name).toBe(`${alias}_x`);
      expect(back.canonicalName).toBe(m.canonicalName);
      expect(back.constructor).toBe(m.constructor);
    }
  });

  it('reads the bare config TensorFlow Similarity saves, including the NPV spellings', () => {
    const npv = classificationMetricFromConfig({
      name: 'npv',
      canonical_name: 'negative_predictive_value',
      maximize: true,
      increasing: true,
    });
    expect(npv).toBeInstanceOf(NegativePredictiveValue);
    expect(npv.name).toBe('npv');
    const old = classificationMetricFromConfig({
      name: 'npv',
      canonical_name: 'negative_predicitve_value',
      maximize: true,
      increasing: true,
    });
    expect(old).toBeInstanceOf(NegativePredictiveValue);
  });

  it('finds user metrics by canonical name', () => {
    const own: ClassificationMetric = {
      name: 'mine',
      canonicalName: 'mine',
      maximize: true,
      increasing: true,
      compute: ({ tp }) => new Float64Array(tp.length),
    };
    const back = classificationMetricFromConfig(
      { name: 'mine2', canonical_name: 'mine', maximize: true, increasing: true },
      { mine: own },
    );
    expect(back.name).toBe('mine2');
    expect(back.canonicalName).toBe('mine');
  });

  it('fails clearly for unknown or damaged configs', async () => {
    await expectCode(
      () => classificationMetricFromConfig({ name: 'x', canonical_name: 'mystery', maximize: true, increasing: true }),
      'MISSING_COMPONENT',
    );
    await expectCode(() => classificationMetricFromConfig({ name: 'x' } as never), 'CORRUPT_INDEX');
    await expectCode(
      () => classificationMetricFromConfig({ type: 'memory-store', version: 1, config: {} }),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      () => classificationMetricFromConfig({ type: 'classification-metric', version: 9, config: {} }),
      'UNSUPPORTED',
    );
    await expectCode(() => classificationMetricFromConfig(null as never), 'INVALID_ARGUMENT');
  });
});
