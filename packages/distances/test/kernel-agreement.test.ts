import { randomVectors } from '@simkit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DISTANCE_NAMES, normalizeRows, resolveDistance } from '../src/index.js';
import { useCpuBackend, values } from './helpers.js';

beforeAll(useCpuBackend);

// Row counts that exercise full 4 × 2 blocks and every kind of leftover row and column.
const SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [3, 5, 7],
  [4, 2, 16],
  [9, 7, 33],
  [13, 10, 64],
];

describe.each(DISTANCE_NAMES.map((n) => [n]))('%s: compute, batch and pairwise agree', (name) => {
  const d = resolveDistance(name);

  it.each(SHAPES)('on random data, %i queries × %i keys × dim %i', (nq, nk, dim) => {
    // SNR needs non-constant queries, so dim 1 is skipped for it (one value is always constant).
    if (name === 'snr' && dim === 1) return;
    let q = randomVectors(nq, dim, 11 + nq);
    let k = randomVectors(nk, dim, 97 + nk);
    if (d.normalize) {
      q = normalizeRows(q, dim);
      k = normalizeRows(k, dim);
    }
    const out = d.batch(q, k, dim);
    const pair = values(d.pairwise(tf.tensor2d(q, [nq, dim]), tf.tensor2d(k, [nk, dim])));
    for (let i = 0; i < nq; i++) {
      for (let j = 0; j < nk; j++) {
        const c = d.compute(q.subarray(i * dim, (i + 1) * dim), k.subarray(j * dim, (j + 1) * dim));
        // batch stores the same float64 result as compute, rounded to float32
        expect(out[i * nk + j]).toBe(Math.fround(c));
        expect(Math.abs((pair[i * nk + j] as number) - c)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(c)));
      }
    }
  });
});
