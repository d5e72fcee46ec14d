import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { normalizeRows } from '../src/index.js';
import { f32, rows } from './helpers.js';

describe('normalizeRows', () => {
  it('scales each row to unit length, into a copy', () => {
    // [3,4] has norm 5 → [0.6, 0.8]; [0,2] has norm 2 → [0, 1]
    const data = rows([3, 4], [0, 2]);
    const out = normalizeRows(data, 2);
    expect(out).not.toBe(data);
    expect(Array.from(out)).toEqual([Math.fround(0.6), Math.fround(0.8), 0, 1]);
    expect(Array.from(data)).toEqual([3, 4, 0, 2]);
  });

  it('leaves a zero row at zero', () => {
    // [0,0,0] has norm 0: stays [0,0,0]; [1,1,1,…] → each 1/sqrt(3)
    const out = normalizeRows(rows([0, 0, 0], [1, 1, 1]), 3);
    expect(Array.from(out.subarray(0, 3))).toEqual([0, 0, 0]);
    for (const v of out.subarray(3)) expect(v).toBe(Math.fround(1 / Math.sqrt(3)));
  });

  it('writes into out, which may be the input itself', () => {
    const data = rows([0, -5], [8, 6]);
    // [0,−5] → [0,−1]; [8,6] has norm 10 → [0.8, 0.6]
    const same = normalizeRows(data, 2, data);
    expect(same).toBe(data);
    expect(Array.from(data)).toEqual([0, -1, Math.fround(0.8), Math.fround(0.6)]);
    const out = new Float32Array(2);
    expect(normalizeRows(f32(2, 0), 2, out)).toBe(out);
    expect(Array.from(out)).toEqual([1, 0]);
  });

  it('checks its input', async () => {
    await expectCode(() => normalizeRows([1, 2] as unknown as Float32Array, 2), 'INVALID_ARGUMENT');
    await expectCode(() => normalizeRows(f32(1, 2, 3), 2), 'DIMENSION_MISMATCH');
    await expectCode(() => normalizeRows(f32(1, 2), 0), 'INVALID_ARGUMENT');
    await expectCode(() => normalizeRows(f32(1, 2), 2, new Float32Array(3)), 'INVALID_ARGUMENT');
    const e = await expectCode(() => normalizeRows(rows([1, 2], [Number.NaN, 1]), 2), 'INVALID_ARGUMENT');
    expect(e.details?.row).toBe(1);
    await expectCode(() => normalizeRows(f32(Number.POSITIVE_INFINITY, 1), 2), 'INVALID_ARGUMENT');
  });
});
