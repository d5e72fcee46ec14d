import { seededRandom } from '@simkit/core';

/** A source of floats in [0, 1). */
export type Rng = () => number;

const TWO_32 = 4294967296;

/** Mixes integers into one 32-bit seed (murmur3 finaliser per part), so nearby inputs give unrelated streams. */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    // Split into two 32-bit words so seeds above 2^32 do not collide.
    const lo = p >>> 0;
    const hi = Math.floor(p / TWO_32) >>> 0;
    for (const word of [lo, hi]) {
      h = Math.imul(h ^ word, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return h >>> 0;
}

/** A seeded generator for the stream named by `parts`. */
export function rngFor(...parts: readonly number[]): Rng {
  return seededRandom(mixSeed(...parts));
}

/** An integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Shuffles `a` in place (Fisher–Yates). */
export function shuffleInPlace(rng: Rng, a: Int32Array): Int32Array {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
  return a;
}

/**
 * `k` distinct integers from [0, n) in random order (like Python's `random.sample`).
 * Floyd's algorithm: O(k) time and memory whatever n is.
 */
export function sampleWithoutReplacement(rng: Rng, n: number, k: number): Int32Array {
  const chosen = new Set<number>();
  const out = new Int32Array(k);
  let filled = 0;
  for (let j = n - k; j < n; j++) {
    const t = randomInt(rng, j + 1);
    const pick = chosen.has(t) ? j : t;
    chosen.add(pick);
    out[filled++] = pick;
  }
  return shuffleInPlace(rng, out);
}

/** `k` integers from [0, n), drawn independently (like Python's `random.choices`). */
export function sampleWithReplacement(rng: Rng, n: number, k: number): Int32Array {
  const out = new Int32Array(k);
  for (let i = 0; i < k; i++) out[i] = randomInt(rng, n);
  return out;
}
