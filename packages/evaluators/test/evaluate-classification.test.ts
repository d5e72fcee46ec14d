import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { MemoryEvaluator, toLookupMatrix } from '../src/index.js';
import { rows } from './helpers.js';

const ev = new MemoryEvaluator();
// Queries labelled [0, 0, 1, 1, 2, 2, 3, 3]; every other nearest neighbour has the wrong label 10.
const queryLabels = [0, 0, 1, 1, 2, 2, 3, 3];
const lookups = rows(
  [[0, 0.0]],
  [[10, 0.1]],
  [[1, 0.2]],
  [[10, 0.3]],
  [[2, 0.4]],
  [[10, 0.5]],
  [[3, 0.6]],
  [[10, 0.7]],
);

describe('evaluateClassification', () => {
  it('computes each metric at each threshold', () => {
    // At +∞ every query is within: tp = 4 (labels 0,1,2,3), fp = 4 → precision 4/8 = 0.5, recall 4/4 = 1
    const r = ev.evaluateClassification(queryLabels, lookups, [Number.POSITIVE_INFINITY], ['precision', 'recall']);
    expect(r).toEqual({ distance: [Number.POSITIVE_INFINITY], precision: [0.5], recall: [1] });
  });

  it('returns distances and metrics both sorted ascending', () => {
    // Thresholds passed as [0.35, 0.05, ∞] come back as [0.05, 0.35, ∞].
    // 0.05: q0 (0.0, match) → tp 1, fp 0 → precision 1, recall 1/4
    // 0.35: q0, q2 match; q1, q3 not → tp 2, fp 2 → precision 0.5, recall 0.5
    // ∞: tp 4, fp 4 → 0.5, 1
    const r = ev.evaluateClassification(
      queryLabels,
      lookups,
      [0.35, 0.05, Number.POSITIVE_INFINITY],
      ['precision', 'recall', 'f1'],
    );
    expect(r.distance).toEqual([0.05, 0.35, Number.POSITIVE_INFINITY]);
    expect(r.precision).toEqual([1, 0.5, 0.5]);
    expect(r.recall).toEqual([0.25, 0.5, 1]);
    // f1 = 2tp/(2tp + fp + fn) = [2/(2+0+3), 4/(4+2+2), 8/(8+4+0)]
    expect(r.f1).toEqual([2 / 5, 4 / 8, 8 / 12]);
  });

  it('applies the precision rule at the first sorted threshold', () => {
    // At −1 nothing is within: tp + fp = 0 → precision 1 (first of several thresholds)
    const r = ev.evaluateClassification(queryLabels, lookups, [Number.POSITIVE_INFINITY, -1], ['precision']);
    expect(r.precision).toEqual([1, 0.5]);
  });

  it('uses the matcher', () => {
    // majority of [4, 5, 5] is 5 with mean distance (0.25 + 0.5 + 0.75) / 3 = 0.5
    const l = rows([
      [4, 0.25],
      [5, 0.5],
      [5, 0.75],
    ]);
    const nearest = ev.evaluateClassification([5], l, [0.3, 0.6], ['recall']);
    const vote = ev.evaluateClassification([5], l, [0.3, 0.6], ['recall'], 'match_majority_vote');
    expect(nearest.recall).toEqual([0, 0]);
    expect(vote.recall).toEqual([0, 1]);
  });

  it('rejects bad input', async () => {
    await expectCode(() => ev.evaluateClassification(queryLabels, lookups, [], ['precision']), 'INVALID_ARGUMENT');
    await expectCode(
      () => ev.evaluateClassification(queryLabels, lookups, [Number.NaN], ['precision']),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      () => ev.evaluateClassification(queryLabels, lookups, 0.5 as never, ['precision']),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => ev.evaluateClassification([0], lookups, [0.5], ['precision']), 'INVALID_ARGUMENT');
    await expectCode(() => ev.evaluateClassification(queryLabels, lookups, [0.5], ['accuracy']), 'INVALID_ARGUMENT');
    await expectCode(
      () => ev.evaluateClassification(queryLabels, lookups, [0.5], 'precision' as never),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      () => ev.evaluateClassification(queryLabels, lookups, [0.5], ['precision'], 'closest'),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => ev.evaluateClassification([], toLookupMatrix([]), [0.5], ['precision']), 'EMPTY_INDEX');
  });
});
