import { expectCode } from '@simkit/core/testing';
import { type Tensor, memory, tensor2d, tensor3d } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { UnitNormalization, unitNormalization } from '../src/index.js';
import { useCpu } from './setup-backend.js';

beforeAll(useCpu);

describe('UnitNormalization', () => {
  it('divides each row by its length: [3,4] → [0.6,0.8], [0,-2] → [0,-1]', () => {
    const out = new UnitNormalization().apply(
      tensor2d([
        [3, 4],
        [0, -2],
      ]),
    ) as Tensor;
    const rows = out.arraySync() as number[][];
    expect(rows[0]?.[0]).toBeCloseTo(0.6, 6);
    expect(rows[0]?.[1]).toBeCloseTo(0.8, 6);
    expect(rows[1]).toEqual([0, -1]);
  });

  it('keeps a zero vector zero', () => {
    const out = unitNormalization().apply(tensor2d([[0, 0, 0]])) as Tensor;
    expect(out.arraySync()).toEqual([[0, 0, 0]]);
  });

  it('normalises along the last axis of higher-rank inputs', () => {
    // [[1,0],[0,5]] per batch item: each last-axis vector has length 1 afterwards.
    const out = new UnitNormalization().apply(tensor3d([2, 0, 0, 5], [1, 2, 2])) as Tensor;
    expect(out.arraySync()).toEqual([
      [
        [1, 0],
        [0, 1],
      ],
    ]);
    expect(new UnitNormalization().computeOutputShape([null, 2, 2])).toEqual([null, 2, 2]);
  });

  it('leaks no tensors', () => {
    const layer = new UnitNormalization();
    const x = tensor2d([[1, 2, 3]]);
    layer.apply(x);
    const before = memory().numTensors;
    (layer.apply(x) as Tensor).dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('rejects a non-object argument with INVALID_ARGUMENT', () => {
    expectCode(() => new UnitNormalization('x' as never), 'INVALID_ARGUMENT');
  });
});
