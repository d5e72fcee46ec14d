import { seededPermutation } from '@simkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IMAGE_SIZE, type Digits, loadMnist } from '../src/mnist-data.js';
import { seededSplit } from '../src/seeded-split.js';

/** `n` fake digits whose first pixel is their position, so a split can be traced back. */
function traced(n: number): Digits {
  const x = new Float32Array(n * IMAGE_SIZE);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x[i * IMAGE_SIZE] = i;
    y[i] = i % 10;
  }
  return { x, y, rows: n };
}

const positions = (d: Digits) => Array.from({ length: d.rows }, (_, i) => d.x[i * IMAGE_SIZE] as number);

describe('loadMnist', () => {
  it('loads the 10,000 digits of the mnist package, 784 values in [0, 1] each', () => {
    const d = loadMnist();
    expect(d.rows).toBe(10_000);
    expect(d.x.length).toBe(10_000 * 784);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const v of d.x) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect([min, max]).toEqual([0, 1]);
    // The package holds 1,001 zeros first, then 1,127 ones.
    expect([d.y[0], d.y[1000], d.y[1001], d.y[2127], d.y[2128]]).toEqual([0, 0, 1, 1, 2]);
  });
});

describe('seededSplit', () => {
  it('cuts test first, then calibration, then the rest for training, with no digit twice', () => {
    const split = seededSplit(traced(50), { test: 10, calibration: 15 }, 3);
    expect([split.test.rows, split.calibration.rows, split.train.rows]).toEqual([10, 15, 25]);
    const all = [...positions(split.test), ...positions(split.calibration), ...positions(split.train)];
    expect(new Set(all).size).toBe(50);
    // Labels travel with their digits: position i has label i mod 10.
    const trainPositions = positions(split.train);
    expect(Array.from(split.train.y)).toEqual(trainPositions.map((p) => p % 10));
  });

  it('is the same for the same seed and different for another', () => {
    const a = seededSplit(traced(200), { test: 20, calibration: 20 }, 7);
    const b = seededSplit(traced(200), { test: 20, calibration: 20 }, 7);
    const c = seededSplit(traced(200), { test: 20, calibration: 20 }, 8);
    expect(positions(b.test)).toEqual(positions(a.test));
    expect(positions(c.test)).not.toEqual(positions(a.test));
  });

  it('rejects sizes that leave nothing to train on', () => {
    expect(() => seededSplit(traced(10), { test: 5, calibration: 5 }, 0)).toThrow(RangeError);
    expect(() => seededSplit(traced(10), { test: 0, calibration: 5 }, 0)).toThrow(RangeError);
  });

  it('permutes: every position exactly once, for any size and seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 2 ** 31 }), (n, seed) => {
        const p = Array.from(seededPermutation(n, seed)).sort((a, b) => a - b);
        expect(p).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
    );
  });
});
