import { batch, clusteredVectors } from '@simkit/core';
import { referenceEuclidean } from '@simkit/core/testing';

/** `n` clustered vectors of `dim` (10 clusters), unit length when `unit`. */
export function dataset(n: number, dim: number, seed: number, unit = false): Float32Array {
  const { data } = clusteredVectors(n, dim, 10, seed);
  if (unit) {
    for (let i = 0; i < n; i++) {
      const row = data.subarray(i * dim, (i + 1) * dim);
      const norm = Math.hypot(...row);
      for (let j = 0; j < dim; j++) row[j] = (row[j] as number) / norm;
    }
  }
  return data;
}

/** Exact k nearest ids (euclidean, or cosine when `cosine`) among the ids that `accept` keeps. */
export function exactIds(
  data: Float32Array,
  dim: number,
  query: Float32Array,
  k: number,
  accept: (id: number) => boolean = () => true,
  cosine = false,
): number[] {
  const scored: Array<[number, number]> = [];
  for (let i = 0; i < data.length / dim; i++) {
    if (!accept(i)) continue;
    const key = data.subarray(i * dim, (i + 1) * dim);
    let d: number;
    if (cosine) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += (query[j] as number) * (key[j] as number);
      d = 1 - dot / (Math.hypot(...query) * Math.hypot(...key));
    } else {
      d = referenceEuclidean(query, key);
    }
    scored.push([i, d]);
  }
  scored.sort((a, b) => a[1] - b[1]);
  return scored.slice(0, k).map((s) => s[0]);
}

/** Share of the exact ids found, over all queries. */
export function recallOf(got: ArrayLike<number>[], want: number[][]): number {
  let hits = 0;
  let total = 0;
  want.forEach((w, q) => {
    const found = new Set(Array.from(got[q] ?? []));
    for (const id of w) if (found.has(id)) hits++;
    total += w.length;
  });
  return hits / total;
}

export const ids = (n: number) => Array.from({ length: n }, (_, i) => i);
export { batch };
