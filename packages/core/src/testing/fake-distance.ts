import type { ComponentConfig } from '../config.js';
import type { Distance } from '../distance.js';

/** Euclidean distance in plain JS, float64 accumulation: the reference the suites compare with. */
export function referenceEuclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    s += d * d;
  }
  return Math.sqrt(s);
}

/** A minimal euclidean Distance for fakes; no tensor support. */
export const fakeEuclidean: Distance = {
  name: 'euclidean',
  aliases: ['l2'],
  normalize: false,
  compute: referenceEuclidean,
  batch(queries, keys, dim, out) {
    const q = queries.length / dim;
    const k = keys.length / dim;
    const res = out ?? new Float32Array(q * k);
    for (let i = 0; i < q; i++) {
      for (let j = 0; j < k; j++) {
        res[i * k + j] = referenceEuclidean(
          queries.subarray(i * dim, (i + 1) * dim),
          keys.subarray(j * dim, (j + 1) * dim),
        );
      }
    }
    return res;
  },
  pairwise() {
    throw new Error('fakeEuclidean has no tensor support');
  },
  toConfig(): ComponentConfig {
    return { type: 'distance', version: 1, config: { name: 'euclidean' } };
  },
};
