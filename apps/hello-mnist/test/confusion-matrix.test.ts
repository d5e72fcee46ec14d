import { describe, expect, it } from 'vitest';
import { confusionMatrix } from '../src/confusion-matrix.js';

describe('confusionMatrix', () => {
  it('counts (true, matched) pairs with a last column for no match', () => {
    // Classes 0, 1 → 2 rows × 3 columns (0, 1, unknown).
    // (0→0) ×2, (0→unknown) ×1, (1→0) ×1, (1→1) ×1.
    const m = confusionMatrix([0, 0, 0, 1, 1], [0, -1, 0, 0, 1], [0, 1], -1);
    expect(Array.from(m.counts)).toEqual([2, 0, 1, 1, 1, 0]);
  });

  it('rejects labels outside the classes and length mismatches', () => {
    expect(() => confusionMatrix([2], [0], [0, 1], -1)).toThrow(RangeError);
    expect(() => confusionMatrix([0], [5], [0, 1], -1)).toThrow(RangeError);
    expect(() => confusionMatrix([0, 1], [0], [0, 1], -1)).toThrow(RangeError);
  });
});
