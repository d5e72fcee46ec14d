import { describe, expect, it } from 'vitest';
import { SimkitError, batch, checkLabels, toBatch, toIds } from '../src/index.js';
import { expectCode } from '../src/testing/index.js';

describe('toBatch', () => {
  it('accepts rows, flat arrays with dim, and batches without copying Float32Array', () => {
    const rows = toBatch([
      [1, 2],
      [3, 4],
    ]);
    expect(rows).toMatchObject({ rows: 2, dim: 2 });
    expect(Array.from(rows.data)).toEqual([1, 2, 3, 4]);
    const f = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const b = toBatch(f, 3);
    expect(b.data).toBe(f);
    expect(b.rows).toBe(2);
    expect(toBatch(batch(f, 2)).rows).toBe(3);
  });

  it('rejects ragged rows, wrong dimension, and non-finite values with codes', async () => {
    await expectCode(() => toBatch([[1, 2], [3]]), 'DIMENSION_MISMATCH');
    await expectCode(() => toBatch(Float32Array.from([1, 2, 3]), 2), 'DIMENSION_MISMATCH');
    await expectCode(() => toBatch([[1, 2]], 3), 'DIMENSION_MISMATCH');
    await expectCode(() => toBatch([[1, Number.NaN]]), 'INVALID_ARGUMENT');
    await expectCode(() => toBatch([[1, Number.NEGATIVE_INFINITY]]), 'INVALID_ARGUMENT');
    await expectCode(() => toBatch('nope' as never), 'INVALID_ARGUMENT');
    const e = await expectCode(() => toBatch([[0, 0], [0, Number.NaN]]), 'INVALID_ARGUMENT');
    expect(e.message).toContain('row 1, column 1');
  });
});

describe('checks', () => {
  it('toIds accepts non-negative integers only', async () => {
    expect(Array.from(toIds([0, 5, 2]))).toEqual([0, 5, 2]);
    await expectCode(() => toIds([1, 2.5]), 'INVALID_ARGUMENT');
    await expectCode(() => toIds([-3]), 'INVALID_ARGUMENT');
  });

  it('checkLabels keeps null as "no label" and rejects non-integers and length mismatches', async () => {
    const l = checkLabels([3, null, -2], 3);
    expect(Array.from(l?.values ?? [])).toEqual([3, 0, -2]);
    expect(Array.from(l?.present ?? [])).toEqual([1, 0, 1]);
    expect(checkLabels(undefined, 3)).toBeNull();
    await expectCode(() => checkLabels([1, 2], 3), 'INVALID_ARGUMENT');
    await expectCode(() => checkLabels([1, 0.5, 2], 3), 'INVALID_ARGUMENT');
    await expectCode(() => checkLabels([1, 2 ** 40, 2], 3), 'INVALID_ARGUMENT');
  });
});

describe('SimkitError', () => {
  it('is recognised by marker, also across copies of the package', () => {
    const e = new SimkitError('NOT_FOUND', 'gone');
    expect(SimkitError.isInstance(e)).toBe(true);
    expect(SimkitError.isInstance(e, 'NOT_FOUND')).toBe(true);
    expect(SimkitError.isInstance(e, 'LOCKED')).toBe(false);
    const foreign = Object.assign(new Error('x'), { code: 'NOT_FOUND', [Symbol.for('@simkit/core/error')]: true });
    expect(SimkitError.isInstance(foreign, 'NOT_FOUND')).toBe(true);
    expect(SimkitError.isInstance(new Error('plain'))).toBe(false);
  });
});
