import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CosineDistance,
  EuclideanDistance,
  InnerProductDistance,
  ManhattanDistance,
  SNRDistance,
  SquaredEuclideanDistance,
  normalizeRows,
} from '../src/index.js';

const cosine = new CosineDistance();
const euclidean = new EuclideanDistance();
const squared = new SquaredEuclideanDistance();
const manhattan = new ManhattanDistance();
const innerProduct = new InnerProductDistance();
const snr = new SNRDistance();

const value = fc.float({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true });

/** `n` vectors of one random dimension 1..12. */
function vectors(n: number): fc.Arbitrary<Float32Array[]> {
  return fc
    .integer({ min: 1, max: 12 })
    .chain((dim) => fc.tuple(...Array.from({ length: n }, () => fc.array(value, { minLength: dim, maxLength: dim }))))
    .map((rows) => rows.map((r) => Float32Array.from(r)));
}

/** Unit vectors (zero vectors filtered out). */
function unitVectors(n: number): fc.Arbitrary<Float32Array[]> {
  return vectors(n)
    .filter((vs) => vs.every((v) => v.some((x) => x !== 0)))
    .map((vs) => vs.map((v) => normalizeRows(v, v.length)));
}

const isConstant = (v: Float32Array) => v.every((x) => x === v[0]);

describe('distance properties', () => {
  it('cosine, euclidean, squared euclidean, manhattan and inner product are symmetric', () => {
    fc.assert(
      fc.property(vectors(2), ([a, b]) => {
        for (const d of [cosine, euclidean, squared, manhattan, innerProduct]) {
          expect(d.compute(a!, b!)).toBe(d.compute(b!, a!));
        }
      }),
    );
  });

  it('every vector is at distance 0 from itself', () => {
    fc.assert(
      fc.property(vectors(1), ([a]) => {
        expect(euclidean.compute(a!, a!)).toBe(0);
        expect(squared.compute(a!, a!)).toBe(0);
        expect(manhattan.compute(a!, a!)).toBe(0);
        if (!isConstant(a!)) expect(snr.compute(a!, a!)).toBe(0);
      }),
    );
    fc.assert(
      fc.property(unitVectors(1), ([u]) => {
        // |u| = 1 up to float32 rounding, so 1 − u·u is within a few ulps of 0
        expect(cosine.compute(u!, u!)).toBeLessThan(1e-6);
        expect(Math.abs(innerProduct.compute(u!, u!))).toBeLessThan(1e-6);
      }),
    );
  });

  it('euclidean and manhattan obey the triangle inequality', () => {
    fc.assert(
      fc.property(vectors(3), ([a, b, c]) => {
        for (const d of [euclidean, manhattan]) {
          const direct = d.compute(a!, c!);
          const detour = d.compute(a!, b!) + d.compute(b!, c!);
          expect(direct).toBeLessThanOrEqual(detour * (1 + 1e-12) + 1e-12);
        }
      }),
    );
  });

  it('distances are never negative (inner product: on unit vectors)', () => {
    fc.assert(
      fc.property(vectors(2), ([a, b]) => {
        for (const d of [cosine, euclidean, squared, manhattan]) expect(d.compute(a!, b!)).toBeGreaterThanOrEqual(0);
        if (!isConstant(a!)) expect(snr.compute(a!, b!)).toBeGreaterThanOrEqual(0);
        const out = squared.batch(Float32Array.from([...a!, ...b!]), b!, a!.length);
        for (const v of out) expect(v).toBeGreaterThanOrEqual(0);
      }),
    );
    fc.assert(
      fc.property(unitVectors(2), ([u, v]) => {
        // u·v ∈ [−1, 1] for unit vectors, so 1 − u·v ∈ [0, 2] up to rounding
        const d = innerProduct.compute(u!, v!);
        expect(d).toBeGreaterThanOrEqual(-1e-6);
        expect(d).toBeLessThanOrEqual(2 + 1e-6);
      }),
    );
  });

  it('batch equals compute pair by pair on random shapes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 2, max: 10 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (nq, nk, dim, seed) => {
          let s = seed;
          const next = () => {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            return s / 2 ** 32 - 0.5;
          };
          const q = Float32Array.from({ length: nq * dim }, next);
          const k = Float32Array.from({ length: nk * dim }, next);
          for (const d of [cosine, euclidean, squared, manhattan, innerProduct, snr]) {
            const out = d.batch(q, k, dim);
            for (let i = 0; i < nq; i++) {
              for (let j = 0; j < nk; j++) {
                const c = d.compute(q.subarray(i * dim, (i + 1) * dim), k.subarray(j * dim, (j + 1) * dim));
                expect(out[i * nk + j]).toBe(Math.fround(c));
              }
            }
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});
