import { describe, isNumericTypedArray } from './embeddings.js';
import { invalidArgument } from './errors.js';

/** Deterministic PRNG (mulberry32) for tests and benchmarks; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `rows` × `dim` uniform values in [-1, 1), seeded. */
export function randomVectors(rows: number, dim: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(rows * dim);
  for (let i = 0; i < out.length; i++) out[i] = rand() * 2 - 1;
  return out;
}

/**
 * Seeded clustered data: `clusters` Gaussian blobs; returns vectors and each row's cluster.
 */
export function clusteredVectors(
  rows: number,
  dim: number,
  clusters: number,
  seed: number,
  spread = 0.15,
): { data: Float32Array; labels: Int32Array } {
  const rand = seededRandom(seed);
  const gauss = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const centers = new Float32Array(clusters * dim);
  for (let i = 0; i < centers.length; i++) centers[i] = gauss();
  const data = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const c = Math.floor(rand() * clusters);
    labels[r] = c;
    for (let j = 0; j < dim; j++) data[r * dim + j] = (centers[c * dim + j] as number) + spread * gauss();
  }
  return { data, labels };
}

/** A source of floats in [0, 1), such as `seededRandom(seed)` or `rngFor(...)`. */
export type Rng = () => number;

/** A mutable list of numbers: a plain array or a numeric typed array. */
export interface MutableNumbers {
  readonly length: number;
  [index: number]: number;
}

const TWO_32 = 4294967296;
/** Draws come back as an Int32Array, so values must stay below 2^31. */
const MAX_RANGE = 2 ** 31;

function checkRng(rng: unknown): asserts rng is Rng {
  if (typeof rng !== 'function') {
    throw invalidArgument(
      `rng must be a function returning floats in [0, 1), such as seededRandom(seed) or rngFor(...parts); got ${describe(rng)}.`,
    );
  }
}

function checkRange(n: unknown, name: string, min: number): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > MAX_RANGE) {
    throw invalidArgument(`${name} must be an integer from ${min} to 2^31; got ${describe(n)}.`);
  }
}

function checkSeedValue(seed: unknown, name: string): asserts seed is number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw invalidArgument(`${name} must be a safe integer; got ${describe(seed)}.`);
  }
}

/** Unchecked draw of an integer in [0, n); callers have checked `n`. */
function draw(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Unchecked Fisher–Yates shuffle (from the end, as Python's `random.shuffle`). */
function shuffle<T extends MutableNumbers>(rng: Rng, a: T): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = draw(rng, i + 1);
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
  return a;
}

/**
 * Mixes integers into one 32-bit seed (a murmur3 finaliser per 32-bit word), so
 * nearby inputs such as `(seed, epoch, batch)` give unrelated streams. Each part
 * counts with all its bits, also above 2^32.
 *
 * @throws SimkitError INVALID_ARGUMENT when a part is not a safe integer
 */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    checkSeedValue(p, `mixSeed part ${i}`);
    // Two 32-bit words per part, so seeds that agree in their low 32 bits still differ.
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

/**
 * A seeded generator for the stream named by `parts`: `seededRandom(mixSeed(...parts))`.
 * Name each independent use with its own parts, e.g. `rngFor(seed, epoch, batch)`.
 *
 * @throws SimkitError INVALID_ARGUMENT when a part is not a safe integer
 */
export function rngFor(...parts: readonly number[]): Rng {
  return seededRandom(mixSeed(...parts));
}

/**
 * An integer in [0, n) from one draw of `rng`.
 *
 * @throws SimkitError INVALID_ARGUMENT when `rng` is not a function or `n` is not an integer from 1 to 2^31
 */
export function randomInt(rng: Rng, n: number): number {
  checkRng(rng);
  checkRange(n, 'n', 1);
  return draw(rng, n);
}

/**
 * Shuffles `a` in place with Fisher–Yates (from the last element down) and returns it.
 *
 * @throws SimkitError INVALID_ARGUMENT when `rng` is not a function or `a` is not an array or numeric typed array
 */
export function shuffleInPlace<T extends MutableNumbers>(rng: Rng, a: T): T {
  checkRng(rng);
  if (!Array.isArray(a) && !isNumericTypedArray(a)) {
    throw invalidArgument(`shuffleInPlace needs an array or a numeric typed array to shuffle; got ${describe(a)}.`);
  }
  return shuffle(rng, a);
}

/**
 * `k` distinct integers from [0, n) in random order (like Python's `random.sample`).
 * Floyd's algorithm, then a shuffle: O(k) time and memory whatever `n` is.
 *
 * @throws SimkitError INVALID_ARGUMENT when `rng` is not a function, `n` is not an
 *   integer from 0 to 2^31, or `k` is not an integer from 0 to `n`
 */
export function sampleWithoutReplacement(rng: Rng, n: number, k: number): Int32Array {
  checkRng(rng);
  checkRange(n, 'n', 0);
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 0 || k > n) {
    throw invalidArgument(`k must be an integer from 0 to n (${n}) to draw without replacement; got ${describe(k)}.`);
  }
  const chosen = new Set<number>();
  const out = new Int32Array(k);
  let filled = 0;
  for (let j = n - k; j < n; j++) {
    const t = draw(rng, j + 1);
    const pick = chosen.has(t) ? j : t;
    chosen.add(pick);
    out[filled++] = pick;
  }
  return shuffle(rng, out);
}

/**
 * `k` integers from [0, n), drawn independently (like Python's `random.choices`).
 *
 * @throws SimkitError INVALID_ARGUMENT when `rng` is not a function, `n` is not an
 *   integer from 1 to 2^31, or `k` is not an integer ≥ 0
 */
export function sampleWithReplacement(rng: Rng, n: number, k: number): Int32Array {
  checkRng(rng);
  checkRange(n, 'n', 1);
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 0) {
    throw invalidArgument(`k must be an integer ≥ 0; got ${describe(k)}.`);
  }
  const out = new Int32Array(k);
  for (let i = 0; i < k; i++) out[i] = draw(rng, n);
  return out;
}

/**
 * Positions 0..n-1 in a seeded random order: Fisher–Yates on `seededRandom(seed)`,
 * i.e. the same order as `shuffleInPlace(seededRandom(seed), [0, 1, …, n-1])`.
 * The same `n` and `seed` always give the same order.
 *
 * @throws SimkitError INVALID_ARGUMENT when `n` is not an integer from 0 to 2^31 or `seed` is not a safe integer
 */
export function seededPermutation(n: number, seed: number): Int32Array {
  checkRange(n, 'n', 0);
  checkSeedValue(seed, 'seed');
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return shuffle(seededRandom(seed), order);
}
