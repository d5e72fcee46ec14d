import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import {
  BNDCG,
  MapAtK,
  PrecisionAtK,
  RecallAtK,
  makeRetrievalMetric,
  retrievalMetricFromConfig,
} from '../src/index.js';

describe('makeRetrievalMetric', () => {
  it('parses name@k, case-insensitive', () => {
    const r = makeRetrievalMetric('Recall@10');
    expect(r).toBeInstanceOf(RecallAtK);
    expect(r.k).toBe(10);
    expect(makeRetrievalMetric('precision@3')).toBeInstanceOf(PrecisionAtK);
    expect(makeRetrievalMetric('map@3')).toBeInstanceOf(MapAtK);
    expect(makeRetrievalMetric('ndcg@3')).toBeInstanceOf(BNDCG);
    expect(makeRetrievalMetric('bndcg').k).toBe(5);
  });

  it('passes options on', () => {
    const m = makeRetrievalMetric('precision', { k: 4, clipAtR: true, r: { 1: 2 } }) as PrecisionAtK;
    expect(m.k).toBe(4);
    expect(m.clipAtR).toBe(true);
    expect(makeRetrievalMetric('recall@4', { k: 4 }).k).toBe(4);
  });

  it('passes metric objects through', () => {
    const r = new RecallAtK();
    expect(makeRetrievalMetric(r)).toBe(r);
  });

  it('rejects unknown names, conflicting k, and non-metrics', async () => {
    const e = await expectCode(() => makeRetrievalMetric('f1@5'), 'INVALID_ARGUMENT');
    expect(e.message).toContain('recall');
    await expectCode(() => makeRetrievalMetric('recall@'), 'INVALID_ARGUMENT');
    await expectCode(() => makeRetrievalMetric('recall@0'), 'INVALID_ARGUMENT');
    await expectCode(() => makeRetrievalMetric('recall@3', { k: 4 }), 'INVALID_ARGUMENT');
    await expectCode(() => makeRetrievalMetric({} as never), 'INVALID_ARGUMENT');
  });
});

describe('retrievalMetricFromConfig', () => {
  it('rebuilds each built-in metric', () => {
    const metrics = [
      new RecallAtK({ k: 2, distanceThreshold: 0.3, average: 'macro', dropClosestLookup: true }),
      new PrecisionAtK({ k: 3, r: { 7: 4 } }),
      new MapAtK({ k: 4, clipAtR: true, r: { 1: 2 } }),
      new BNDCG({ k: 2, distanceThreshold: 0.7, name: 'gain' }),
    ];
    for (const m of metrics) {
      const back = retrievalMetricFromConfig(JSON.parse(JSON.stringify(m.toConfig())));
      expect(back.constructor).toBe(m.constructor);
      expect(back.toConfig()).toEqual(m.toConfig());
      expect(back.name).toBe(m.name);
    }
  });

  it('stores +∞ as null', () => {
    expect(new RecallAtK().toConfig().config.distance_threshold).toBeNull();
    expect(retrievalMetricFromConfig(new RecallAtK().toConfig()).distanceThreshold).toBe(Number.POSITIVE_INFINITY);
  });

  it('fails clearly for other types', async () => {
    await expectCode(() => retrievalMetricFromConfig({ type: 'mystery', version: 1, config: {} }), 'MISSING_COMPONENT');
    await expectCode(() => retrievalMetricFromConfig({ type: 'recall-at-k', version: 2, config: {} }), 'UNSUPPORTED');
    await expectCode(
      () => retrievalMetricFromConfig({ type: 'recall-at-k', version: 1, config: { distance_threshold: 'x' } }),
      'CORRUPT_INDEX',
    );
    await expectCode(() => retrievalMetricFromConfig(null as never), 'INVALID_ARGUMENT');
  });
});
