import { type Neighbors, rngFor } from '@simkit/core';
import fc from 'fast-check';
import { expect } from 'vitest';

/** One stored entry of the naive model: id and vector, kept in insertion order. */
export interface Entry {
  readonly id: number;
  readonly vector: Float32Array;
}

/**
 * Reference kNN: score every entry, sort stably by distance (so equal distances keep
 * insertion order), take the first k. `score` returns the distance for one entry.
 */
export function naiveScan(entries: readonly Entry[], k: number, score: (v: Float32Array) => number): Neighbors {
  const scored = entries.map((e) => ({ id: e.id, d: score(e.vector) }));
  scored.sort((a, b) => a.d - b.d);
  const top = scored.slice(0, k);
  return { ids: Int32Array.from(top, (t) => t.id), distances: Float32Array.from(top, (t) => t.d) };
}

/** Rows of a row-major Float32Array as separate vectors. */
export function rowsOf(data: Float32Array, dim: number): Float32Array[] {
  return Array.from({ length: data.length / dim }, (_, r) => data.slice(r * dim, (r + 1) * dim));
}

/** Unit-length copy computed in float64 (a zero vector stays zero). */
export function unit(v: ArrayLike<number>): number[] {
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += (v[i] as number) ** 2;
  const n = Math.sqrt(ss);
  return Array.from(v, (x) => (n === 0 ? 0 : x / n));
}

/** The six distances as SEMANTICS.md §1 defines them, written out plainly in float64. */
export function referenceDistance(name: string, q: ArrayLike<number>, k: ArrayLike<number>): number {
  const n = q.length;
  let s = 0;
  switch (name) {
    case 'cosine': {
      const a = unit(q);
      const b = unit(k);
      for (let i = 0; i < n; i++) s += (a[i] as number) * (b[i] as number);
      return Math.max(1 - s, 0);
    }
    case 'euclidean':
    case 'squared_euclidean':
      for (let i = 0; i < n; i++) s += ((q[i] as number) - (k[i] as number)) ** 2;
      return name === 'euclidean' ? Math.sqrt(s) : s;
    case 'manhattan':
      for (let i = 0; i < n; i++) s += Math.abs((q[i] as number) - (k[i] as number));
      return s;
    case 'inner_product':
      for (let i = 0; i < n; i++) s += (q[i] as number) * (k[i] as number);
      return 1 - s;
    case 'snr': {
      const variance = (x: number[]) => {
        const mean = x.reduce((a, b) => a + b, 0) / x.length;
        return x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
      };
      const qs = Array.from(q);
      return variance(qs.map((x, i) => x - (k[i] as number))) / variance(qs);
    }
    default:
      throw new Error(`no reference for ${name}`);
  }
}

/** Plain arrays, for readable equality failures. */
export function plain(rows: readonly Neighbors[]): Array<{ ids: number[]; distances: number[] }> {
  return rows.map((r) => ({ ids: Array.from(r.ids), distances: Array.from(r.distances) }));
}

/** Asserts equal lengths and every value close to the expected one (to `digits` decimals). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i] as number, digits);
}

/** Deterministic uniform numbers in [-0.5, 0.5), from core's seeded generator. */
export function uniformNumbers(count: number, seed: number): Float32Array {
  const rng = rngFor(seed);
  return Float32Array.from({ length: count }, () => rng() - 0.5);
}

/** The random cases the kernel properties draw: sizes, k, a scale, duplicates, removal, a filter and a seed. */
export function kernelCaseFields(scales: readonly number[]) {
  return {
    dim: fc.integer({ min: 1, max: 40 }),
    n: fc.integer({ min: 1, max: 300 }),
    rows: fc.integer({ min: 1, max: 12 }),
    k: fc.integer({ min: 1, max: 40 }),
    scale: fc.constantFrom(...scales),
    duplicates: fc.boolean(),
    nearDuplicates: fc.boolean(),
    remove: fc.boolean(),
    filterModulo: fc.integer({ min: 0, max: 12 }),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  };
}

/**
 * A kernel case's vectors: uniform values times `scale` (and times `magnitude(row)`), where every
 * third vector repeats the one before it and/or is its near-duplicate: the next float32 up in one
 * coordinate, whose distance differs in the last bits.
 */
export function kernelCaseData(
  p: { n: number; dim: number; scale: number; seed: number; duplicates: boolean; nearDuplicates: boolean },
  magnitude: (row: number) => number = () => 1,
): Float32Array {
  const data = uniformNumbers(p.n * p.dim, p.seed).map((x, i) => x * p.scale * magnitude(Math.floor(i / p.dim)));
  for (let s = 1; s < p.n; s += 3) {
    const from = (s - 1) * p.dim;
    if (p.duplicates) data.copyWithin(s * p.dim, from, from + p.dim);
    if (p.nearDuplicates) data[s * p.dim] = (data[from] as number) * (1 + 2 ** -23) + 2 ** -140;
  }
  return data;
}
