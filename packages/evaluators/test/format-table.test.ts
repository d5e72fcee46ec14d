import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { MemoryEvaluator, formatCutpoints, formatMetrics } from '../src/index.js';
import { worked } from './helpers.js';

const result = new MemoryEvaluator().calibrate(worked.queryLabels, worked.lookups, {
  thresholdsTargets: { '0.7': 0.7 },
});

describe('formatCutpoints', () => {
  it('renders name, value, distance and every metric, rounded for display', () => {
    // optimal: f1 6/7 = 0.857 at 0.4 (precision 0.75, recall 1); 0.7: f1 0.8 at 0.2 (precision 1, recall 2/3)
    expect(formatCutpoints(result)).toBe(
      [
        'name     value  distance  precision  recall    f1',
        '-------  -----  --------  ---------  ------  ----',
        'optimal   0.86      0.40       0.75    1.00  0.86',
        '0.7       0.80      0.20       1.00    0.67  0.80',
      ].join('\n'),
    );
  });

  it('takes the cutpoints alone and another rounding', () => {
    const text = formatCutpoints(result.cutpoints, { rounding: 3 });
    expect(text.split('\n')[2]).toBe('optimal  0.857     0.400      0.750   1.000  0.857');
  });

  it('shows infinite distances as inf', () => {
    const text = formatCutpoints({
      optimal: { name: 'optimal', value: 1, distance: Number.POSITIVE_INFINITY } as never,
    });
    expect(text.split('\n')[2]).toBe('optimal   1.00       inf');
  });

  it('rejects bad rounding', async () => {
    await expectCode(() => formatCutpoints(result, { rounding: -1 }), 'INVALID_ARGUMENT');
    await expectCode(() => formatCutpoints(null as never), 'INVALID_ARGUMENT');
  });
});

describe('formatMetrics', () => {
  it('renders scalar results as metric | value', () => {
    expect(formatMetrics({ 'recall@1': 1 / 3, 'ndcg@5': 0.5 })).toBe(
      ['metric    value', '--------  -----', 'recall@1   0.33', 'ndcg@5     0.50'].join('\n'),
    );
  });

  it('renders curves one row per threshold', () => {
    expect(formatMetrics({ distance: [0.1, 0.2], precision: [1, 0.5] }, { rounding: 1 })).toBe(
      ['distance  precision', '--------  ---------', '     0.1        1.0', '     0.2        0.5'].join('\n'),
    );
  });

  it('rejects a mix of numbers and arrays', async () => {
    await expectCode(() => formatMetrics({ a: 1, b: [1] }), 'INVALID_ARGUMENT');
  });
});
