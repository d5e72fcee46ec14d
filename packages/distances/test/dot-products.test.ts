import { expectCode, randomVectors } from '@simkit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dotProducts, InnerProductDistance, SquaredEuclideanDistance, squaredNorms } from '../src/index.js';
import { f32, rows } from './helpers.js';

// Row counts that exercise full 4 × 2 blocks, leftover rows and columns, and odd dims (the unrolled loop's tail).
const SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [3, 5, 7],
  [4, 2, 16],
  [9, 7, 33],
  [13, 10, 64],
  [8, 6, 128],
];

describe('dotProducts', () => {
  it('computes q·k for every pair, row-major', () => {
    // queries (1, 2), (3, −1); keys (4, 5), (0, 2), (−1, 1)
    // q0: 1·4 + 2·5 = 14, 1·0 + 2·2 = 4, 1·(−1) + 2·1 = 1
    // q1: 3·4 − 1·5 = 7, 3·0 − 1·2 = −2, 3·(−1) − 1·1 = −4
    const out = dotProducts(rows([1, 2], [3, -1]), rows([4, 5], [0, 2], [-1, 1]), 2);
    expect(out).toBeInstanceOf(Float64Array);
    expect(Array.from(out)).toEqual([14, 4, 1, 7, -2, -4]);
  });

  it('covers the blocked part and the leftovers alike', () => {
    // Queries are rows i = 0..4 of (i, 1, 1); keys rows j = 0..2 of (1, j, 0): q_i·k_j = i + j.
    const q = rows(...[0, 1, 2, 3, 4].map((i) => [i, 1, 1]));
    const k = rows(...[0, 1, 2].map((j) => [1, j, 0]));
    const out = dotProducts(q, k, 3);
    expect(Array.from(out)).toEqual([0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 5, 4, 5, 6]);
  });

  it('writes into out when given (longer is fine) and returns it', () => {
    const out = new Float64Array(5).fill(-1);
    // (1, 1)·(2, 3) = 5; (1, 1)·(−1, 0) = −1
    expect(dotProducts(f32(1, 1), rows([2, 3], [-1, 0]), 2, out)).toBe(out);
    expect(Array.from(out)).toEqual([5, -1, -1, -1, -1]);
  });

  it.each(SHAPES)('agrees with inner_product to the bit, %i queries × %i keys × dim %i', (nq, nk, dim) => {
    const q = randomVectors(nq, dim, 3 + nq);
    const k = randomVectors(nk, dim, 41 + nk);
    const dots = dotProducts(q, k, dim);
    const ip = new InnerProductDistance().batch(q, k, dim);
    // inner_product is 1 − q·k summed in the same order, so it is the same float64 dot rounded once.
    for (let i = 0; i < nq * nk; i++) expect(ip[i]).toBe(Math.fround(1 - (dots[i] as number)));
  });

  it.each(SHAPES)('gives the squared euclidean distance by expansion, %i queries × %i keys × dim %i', (nq, nk, dim) => {
    const q = randomVectors(nq, dim, 5 + nq);
    const k = randomVectors(nk, dim, 59 + nk);
    const dots = dotProducts(q, k, dim);
    const qn = squaredNorms(q, dim);
    const kn = squaredNorms(k, dim);
    const direct = new SquaredEuclideanDistance().batch(q, k, dim);
    for (let i = 0; i < nq; i++) {
      for (let j = 0; j < nk; j++) {
        const expansion = (qn[i] as number) + (kn[j] as number) - 2 * (dots[i * nk + j] as number);
        // Values in [−1, 1): both sums are accurate to ~dim·2^-53 of ‖q‖² + ‖k‖² ≤ 2·dim; float32 rounding dominates.
        expect(Math.abs(expansion - (direct[i * nk + j] as number))).toBeLessThanOrEqual(1e-6 * dim);
      }
    }
  });

  it('gives q·q equal to squaredNorms(q), so the expansion of a vector against itself is exactly 0', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        (n, dim, seed, offset) => {
          const v = randomVectors(n, dim, seed).map((x) => x * 1000 + offset);
          const dots = dotProducts(v, v, dim);
          const norms = squaredNorms(v, dim);
          for (let i = 0; i < n; i++) {
            const self = dots[i * n + i] as number;
            expect(self).toBe(norms[i]);
            expect((norms[i] as number) + (norms[i] as number) - 2 * self).toBe(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('checks its input', async () => {
    const q = rows([1, 2, 3], [3, 1, 2]);
    await expectCode(() => dotProducts([1, 2, 3] as unknown as Float32Array, q, 3), 'INVALID_ARGUMENT');
    await expectCode(() => dotProducts(q, new Float64Array(3) as unknown as Float32Array, 3), 'INVALID_ARGUMENT');
    await expectCode(() => dotProducts(q, q, 0), 'INVALID_ARGUMENT');
    await expectCode(() => dotProducts(q, q, 2.5), 'INVALID_ARGUMENT');
    await expectCode(() => dotProducts(q, q, 4), 'DIMENSION_MISMATCH');
    await expectCode(() => dotProducts(q, f32(1, 2), 3), 'DIMENSION_MISMATCH');
    // 2 queries × 2 keys need 4 values
    await expectCode(() => dotProducts(q, q, 3, new Float64Array(3)), 'INVALID_ARGUMENT');
    await expectCode(() => dotProducts(q, q, 3, new Float32Array(4) as unknown as Float64Array), 'INVALID_ARGUMENT');
  });

  it('rejects NaN and Infinity, naming the row', async () => {
    const keys = rows([1, 2], [3, Number.POSITIVE_INFINITY]);
    const e = await expectCode(() => dotProducts(f32(1, 0), keys, 2), 'INVALID_ARGUMENT');
    expect(e.details?.keyRow).toBe(1);
    const f = await expectCode(
      () => dotProducts(rows([0, 0], [Number.NaN, 1]), keys.subarray(0, 2), 2),
      'INVALID_ARGUMENT',
    );
    expect(f.details?.queryRow).toBe(1);
  });
});

describe('squaredNorms', () => {
  it('computes Σx² per row', () => {
    // (3, 4): 9 + 16 = 25; (1, −2): 1 + 4 = 5; (0, 0): 0
    expect(Array.from(squaredNorms(rows([3, 4], [1, -2], [0, 0]), 2))).toEqual([25, 5, 0]);
    // one row (1, −2, 2): 1 + 4 + 4 = 9
    expect(Array.from(squaredNorms(f32(1, -2, 2), 3))).toEqual([9]);
  });

  it('writes into out when given (longer is fine) and returns it', () => {
    const out = new Float64Array(3).fill(-1);
    // (0.5, 0.5): 0.25 + 0.25 = 0.5
    expect(squaredNorms(f32(0.5, 0.5), 2, out)).toBe(out);
    expect(Array.from(out)).toEqual([0.5, -1, -1]);
  });

  it('sums in float64: no float32 rounding', () => {
    // 4097² = 2^24 + 2^13 + 1 = 16785409 needs 25 significant bits; float32 would round it to 16785408.
    expect(squaredNorms(f32(4097), 1)[0]).toBe(16785409);
  });

  it('checks its input', async () => {
    await expectCode(() => squaredNorms([3, 4] as unknown as Float32Array, 2), 'INVALID_ARGUMENT');
    await expectCode(() => squaredNorms(f32(3, 4), 0), 'INVALID_ARGUMENT');
    await expectCode(() => squaredNorms(f32(3, 4, 5), 2), 'DIMENSION_MISMATCH');
    await expectCode(() => squaredNorms(f32(3, 4, 5, 6), 2, new Float64Array(1)), 'INVALID_ARGUMENT');
    const e = await expectCode(() => squaredNorms(rows([1, 2], [Number.NaN, 0]), 2), 'INVALID_ARGUMENT');
    expect(e.details?.row).toBe(1);
  });
});
