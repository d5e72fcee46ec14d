import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { selectExamples } from '../src/index.js';
import { counts, labelsFromX, sourceRows, toyData } from './fixtures.js';

// Rows 0..7 with labels: class 0 → rows 0,1,2; class 1 → rows 3,4; class 2 → rows 5,6,7.
const LABELS = [0, 0, 0, 1, 1, 2, 2, 2];

describe('selectExamples', () => {
  it('keeps every example, shuffled, when no class list or count is given', () => {
    const { x, y } = toyData(LABELS);
    const s = selectExamples(x, y);
    expect(s.rows).toBe(8);
    expect(sourceRows(s.x).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(labelsFromX(s.x)).toEqual(Array.from(s.y));
  });

  it('filters by class list', () => {
    const { x, y } = toyData(LABELS);
    // classes 0 and 2: rows 0,1,2 and 5,6,7 → 6 rows.
    const s = selectExamples(x, y, [2, 0, 2]);
    expect(s.rows).toBe(6);
    expect(sourceRows(s.x).sort((a, b) => a - b)).toEqual([0, 1, 2, 5, 6, 7]);
    expect(labelsFromX(s.x)).toEqual(Array.from(s.y));
  });

  it('takes numExamplesPerClass distinct examples of each class that has enough', () => {
    const { x, y } = toyData(LABELS);
    // 2 of class 0 (3 rows) and 2 of class 2 (3 rows): 4 rows, no repeats.
    const s = selectExamples(x, y, [0, 2], 2, 5);
    expect(s.rows).toBe(4);
    expect(counts(s.y)).toEqual(
      new Map([
        [0, 2],
        [2, 2],
      ]),
    );
    expect(new Set(sourceRows(s.x)).size).toBe(4);
  });

  it('draws with replacement for a class with fewer examples than asked, as TF Similarity does', () => {
    const { x, y } = toyData(LABELS);
    // class 1 has rows 3 and 4 only; 5 are asked for → 5 rows, all from {3, 4}.
    const s = selectExamples(x, y, [1], 5, 9);
    expect(s.rows).toBe(5);
    expect(sourceRows(s.x).every((r) => r === 3 || r === 4)).toBe(true);
    expect(Array.from(s.y)).toEqual([1, 1, 1, 1, 1]);
  });

  it('returns nothing for an empty class list, as TF Similarity does', () => {
    const { x, y } = toyData(LABELS);
    const s = selectExamples(x, y, []);
    expect(s.rows).toBe(0);
    expect(s.x.length).toBe(0);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const { x, y } = toyData(Array.from({ length: 60 }, (_, i) => i % 6));
    const a = selectExamples(x, y, null, 4, 1);
    const b = selectExamples(x, y, null, 4, 1);
    const c = selectExamples(x, y, null, 4, 2);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.x)).not.toEqual(Array.from(c.x));
  });

  it('rejects bad input with stable codes', async () => {
    const { x, y } = toyData(LABELS);
    await expectCode(() => selectExamples(x, y, [0, 7]), 'NOT_FOUND');
    await expectCode(() => selectExamples(x, y, [0.5]), 'INVALID_ARGUMENT');
    await expectCode(() => selectExamples(x, [0, 1, 2]), 'DIMENSION_MISMATCH');
    await expectCode(() => selectExamples(x, [0, 0, 0, 1, 1, 2, 2, 2.5]), 'INVALID_ARGUMENT');
    await expectCode(() => selectExamples(x, []), 'INVALID_ARGUMENT');
    await expectCode(() => selectExamples(x, y, null, 0), 'INVALID_ARGUMENT');
    await expectCode(() => selectExamples(x, y, null, 1.5), 'INVALID_ARGUMENT');
    await expectCode(() => selectExamples(x, y, null, 1, 0.5), 'INVALID_ARGUMENT');
    await expectCode(() => selectExamples([1, 2] as unknown as Float32Array, [0, 1]), 'INVALID_ARGUMENT');
    const bad = x.slice();
    bad[3] = Number.NaN;
    await expectCode(() => selectExamples(bad, y), 'INVALID_ARGUMENT');
  });
});
