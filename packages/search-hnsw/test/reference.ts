/** Plain float64 reference computations the tests compare HnswSearch with. */

export type DistanceName = 'cosine' | 'euclidean' | 'squared_euclidean' | 'inner_product';

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** Our distance units: cosine = max(1 − cos, 0), inner_product = 1 − q·k, euclidean = √Σ(q−k)². */
export function referenceDistance(name: DistanceName, q: ArrayLike<number>, k: ArrayLike<number>): number {
  switch (name) {
    case 'cosine':
      return Math.max(1 - dot(q, k) / Math.sqrt(dot(q, q) * dot(k, k)), 0);
    case 'inner_product':
      return 1 - dot(q, k);
    default: {
      let s = 0;
      for (let i = 0; i < q.length; i++) s += ((q[i] as number) - (k[i] as number)) ** 2;
      return name === 'euclidean' ? Math.sqrt(s) : s;
    }
  }
}

/** Exact k nearest ids of `query` among `rows` (row i has id `ids[i]`), closest first. */
export function bruteForce(
  name: DistanceName,
  ids: ArrayLike<number>,
  rows: Float32Array,
  dim: number,
  query: Float32Array,
  k: number,
): Array<{ id: number; distance: number }> {
  const scored: Array<{ id: number; distance: number }> = [];
  for (let i = 0; i < ids.length; i++) {
    scored.push({
      id: ids[i] as number,
      distance: referenceDistance(name, query, rows.subarray(i * dim, (i + 1) * dim)),
    });
  }
  scored.sort((a, b) => a.distance - b.distance);
  return scored.slice(0, k);
}

/** Fraction of `want` ids found in `got`, over all queries. */
export function recall(got: ArrayLike<number>[], want: number[][]): number {
  let hits = 0;
  let total = 0;
  for (let q = 0; q < want.length; q++) {
    const found = new Set(Array.from(got[q] ?? []));
    for (const id of want[q] ?? []) if (found.has(id)) hits++;
    total += want[q]?.length ?? 0;
  }
  return total === 0 ? 1 : hits / total;
}
