import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { BNDCG, RecallAtK } from '@simkit/retrieval-metrics';
import { MemoryEvaluator, toLookupMatrix } from '../src/index.js';
import { rows } from './helpers.js';

const ev = new MemoryEvaluator();
// q0 label 1: lookups 1 9 1 9; q1 label 1: 9 9 9 1; q2 label 2: 9 2 2 2; distances 0.1 … 0.4
// match mask: 1 0 1 0 / 0 0 0 1 / 0 1 1 1
const queryLabels = [1, 1, 2];
const d = [0.1, 0.2, 0.3, 0.4];
const lookups = rows(
  [1, 9, 1, 9].map((l, i) => [l, d[i] as number] as [number, number]),
  [9, 9, 9, 1].map((l, i) => [l, d[i] as number] as [number, number]),
  [9, 2, 2, 2].map((l, i) => [l, d[i] as number] as [number, number]),
);

describe('evaluateRetrieval', () => {
  it('computes each metric on the match mask, keyed by name', () => {
    const r = ev.evaluateRetrieval(queryLabels, lookups, [
      'recall@1',
      new RecallAtK({ k: 2 }),
      new BNDCG({ k: 3, distanceThreshold: 0.25 }),
    ]);
    // recall@1: [1, 0, 0] → 1/3; recall@2: [1, 0, 1] → 2/3
    // ndcg@3 at 0.25: q0 rel [1,0,0] → 1; q1 0; q2 [0,1,0] → 1/log2(3) → (1 + 0.6309298) / 3
    expect(Object.keys(r)).toEqual(['recall@1', 'recall@2', 'ndcg@3 : distance_threshold@0.25']);
    expect(r['recall@1']).toBeCloseTo(1 / 3, 12);
    expect(r['recall@2']).toBeCloseTo(2 / 3, 12);
    expect(r['ndcg@3 : distance_threshold@0.25']).toBeCloseTo((1 + 1 / Math.log2(3)) / 3, 12);
  });

  it('compares distances rounded to 8 decimals, as calibrate does', () => {
    // 0.2500000001 rounds to 0.25, so it is within the threshold 0.25
    const l = rows([[1, 0.2500000001]]);
    expect(ev.evaluateRetrieval([1], l, [new BNDCG({ k: 1, distanceThreshold: 0.25 })])).toEqual({
      'ndcg@1 : distance_threshold@0.25': 1,
    });
  });

  it('rejects a metric that needs more lookups than were returned', async () => {
    const e = await expectCode(() => ev.evaluateRetrieval(queryLabels, lookups, ['recall@5']), 'INVALID_ARGUMENT');
    expect(e.message).toContain('recall@5');
  });

  it('fails with EMPTY_INDEX on empty lookups', async () => {
    await expectCode(() => ev.evaluateRetrieval([], toLookupMatrix([]), ['recall@1']), 'EMPTY_INDEX');
    await expectCode(() => ev.evaluateRetrieval([1], toLookupMatrix([[]]), ['recall@1']), 'EMPTY_INDEX');
  });

  it('rejects mismatched labels and unknown metrics', async () => {
    await expectCode(() => ev.evaluateRetrieval([1, 1], lookups, ['recall@1']), 'INVALID_ARGUMENT');
    await expectCode(() => ev.evaluateRetrieval(queryLabels, lookups, ['f1@1']), 'INVALID_ARGUMENT');
    await expectCode(() => ev.evaluateRetrieval(queryLabels, lookups, 'recall@1' as never), 'INVALID_ARGUMENT');
  });
});
