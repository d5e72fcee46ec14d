import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { MemoryEvaluator, formatCutpoints, formatMetrics, toLookupMatrix } from '../src/index.js';
import { worked } from './helpers.js';

const ev = new MemoryEvaluator();
const notOptions: unknown[] = [null, [], 3, 'rounding=2', true, () => ({}), Symbol('s')];

describe('options that are not objects are INVALID_ARGUMENT, never a raw TypeError or silently ignored', () => {
  it.each(notOptions)('calibrate(x, y, %s)', async (bad) => {
    const e = await expectCode(
      () => ev.calibrate(worked.queryLabels, worked.lookups, bad as never),
      'INVALID_ARGUMENT',
    );
    expect(e.message).toContain('calibrate options');
  });

  it.each(notOptions)('match(lookups, cutpoint, %s)', async (bad) => {
    const { cutpoints } = ev.calibrate(worked.queryLabels, worked.lookups);
    const cp = cutpoints.optimal as NonNullable<typeof cutpoints.optimal>;
    await expectCode(() => ev.match(worked.lookups, cp, bad as never), 'INVALID_ARGUMENT');
  });

  it.each(notOptions)('new MemoryEvaluator(%s) and the table formatters', async (bad) => {
    await expectCode(() => new MemoryEvaluator(bad as never), 'INVALID_ARGUMENT');
    await expectCode(() => formatMetrics({ f1: 0.5 }, bad as never), 'INVALID_ARGUMENT');
    await expectCode(() => formatCutpoints({}, bad as never), 'INVALID_ARGUMENT');
  });

  it('left out, options take their defaults', () => {
    expect(ev.calibrate(worked.queryLabels, worked.lookups, undefined).cutpoints.optimal?.distance).toBe(0.4);
    expect(new MemoryEvaluator(undefined).distanceRounding).toBe(8);
    expect(formatMetrics({ f1: 0.5 }, undefined)).toContain('0.50');
  });
});

describe('sizes and arrays given by the caller', () => {
  it('a huge k in toLookupMatrix allocates no more than the rows hold', () => {
    const rows = [[{ label: 1, distance: 0.1 }], [{ label: 2, distance: 0.2 }]];
    expect(toLookupMatrix(rows, 2 ** 40).k).toBe(1);
    expect(toLookupMatrix(rows, 2 ** 50).labels.length).toBe(2);
  });

  it('rows too long to allocate are INVALID_ARGUMENT, not a RangeError', async () => {
    // 2²² references to one sparse row of 2³² − 1 entries: ≈ 1.8e16 cells, more than any typed array holds.
    const sparse: Array<{ label: number; distance: number }> = [];
    sparse.length = 2 ** 32 - 1;
    const rows = new Array(2 ** 22).fill(sparse);
    const e = await expectCode(() => toLookupMatrix(rows), 'INVALID_ARGUMENT');
    expect(e.message).toContain('do not fit in memory');
  });

  it('distance thresholds must be an array of numbers, not any object with a length', async () => {
    const q = worked.queryLabels;
    await expectCode(
      () => ev.evaluateClassification(q, worked.lookups, { length: 1e10 } as never, ['f1']),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => ev.evaluateClassification(q, worked.lookups, '0.5' as never, ['f1']), 'INVALID_ARGUMENT');
    await expectCode(() => ev.evaluateClassification(q, worked.lookups, ['0.5'] as never, ['f1']), 'INVALID_ARGUMENT');
    expect(ev.evaluateClassification(q, worked.lookups, Float64Array.of(0.4), ['f1']).distance).toEqual([0.4]);
  });
});
