import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mixSeed,
  rngFor,
  sampleWithoutReplacement,
  sampleWithReplacement,
  shuffleInPlace,
} from '../src/random-draws.js';

describe('random draws', () => {
  it('sampleWithoutReplacement returns k distinct values in [0, n)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.integer({ min: 0, max: 2 ** 31 }), (n, kRaw, seed) => {
        const k = kRaw % (n + 1);
        const s = sampleWithoutReplacement(rngFor(seed), n, k);
        expect(s.length).toBe(k);
        expect(new Set(s).size).toBe(k);
        for (const v of s) expect(v >= 0 && v < n).toBe(true);
      }),
    );
  });

  it('sampleWithoutReplacement with k = n is a permutation', () => {
    const s = Array.from(sampleWithoutReplacement(rngFor(7), 10, 10)).sort((a, b) => a - b);
    expect(s).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('sampleWithoutReplacement picks every value about equally often', () => {
    // 3000 draws of 2 out of 5: each value expected 3000 × 2 / 5 = 1200 times.
    const rng = rngFor(1);
    const seen = new Array(5).fill(0);
    for (let t = 0; t < 3000; t++) for (const v of sampleWithoutReplacement(rng, 5, 2)) seen[v]++;
    for (const c of seen) expect(Math.abs(c - 1200)).toBeLessThan(150);
  });

  it('sampleWithReplacement stays in range and can repeat', () => {
    const s = sampleWithReplacement(rngFor(3), 2, 50);
    expect(s.every((v) => v === 0 || v === 1)).toBe(true);
    expect(new Set(s).size).toBe(2);
  });

  it('shuffleInPlace keeps the multiset', () => {
    const a = Int32Array.from([5, 1, 1, 9, 3]);
    shuffleInPlace(rngFor(11), a);
    expect(Array.from(a).sort((p, q) => p - q)).toEqual([1, 1, 3, 5, 9]);
  });

  it('mixSeed separates nearby and large inputs', () => {
    expect(mixSeed(1, 0, 0)).not.toBe(mixSeed(0, 1, 0));
    expect(mixSeed(0, 0, 1)).not.toBe(mixSeed(0, 1, 0));
    // 2^32 and 0 agree in their low 32 bits; the high word must still count.
    expect(mixSeed(2 ** 32)).not.toBe(mixSeed(0));
    expect(mixSeed(5, 6)).toBe(mixSeed(5, 6));
  });
});
