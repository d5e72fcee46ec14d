import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { PAD_DISTANCE, PAD_LABEL, checkLookupMatrix, toLookupMatrix } from '../src/index.js';

describe('toLookupMatrix', () => {
  it('packs rows row-major and pads short rows with 0x7FFFFFFF / +Infinity', () => {
    const m = toLookupMatrix([
      [
        { label: 1, distance: 0.1 },
        { label: 2, distance: 0.3 },
      ],
      [{ label: 4, distance: 0.2 }],
      [],
    ]);
    expect(m.n).toBe(3);
    expect(m.k).toBe(2);
    expect(Array.from(m.labels)).toEqual([1, 2, 4, PAD_LABEL, PAD_LABEL, PAD_LABEL]);
    expect(Array.from(m.distances)).toEqual([0.1, 0.3, 0.2, PAD_DISTANCE, PAD_DISTANCE, PAD_DISTANCE]);
    expect(PAD_LABEL).toBe(0x7fffffff);
  });

  it('keeps the first k lookups of longer rows when k is given', () => {
    const m = toLookupMatrix(
      [
        [
          { label: 1, distance: 0.1 },
          { label: 2, distance: 0.3 },
          { label: 3, distance: 0.4 },
        ],
      ],
      2,
    );
    expect(m.k).toBe(2);
    expect(Array.from(m.labels)).toEqual([1, 2]);
    expect(toLookupMatrix([[{ label: 1, distance: 0 }]], 3).k).toBe(3);
  });

  it('gives an empty matrix for no rows', () => {
    expect(toLookupMatrix([])).toEqual({ n: 0, k: 0, labels: new Int32Array(0), distances: new Float64Array(0) });
  });

  it('says the index entries have no labels when a label is null', async () => {
    const e = await expectCode(() => toLookupMatrix([[{ label: null, distance: 0.1 }]]), 'INVALID_ARGUMENT');
    expect(e.message).toContain('the index entries have no labels');
  });

  it('rejects malformed rows', async () => {
    await expectCode(() => toLookupMatrix('x' as never), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([null] as never), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([[null]] as never), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([[{ label: 1.5, distance: 0 }]]), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([[{ label: '1' as never, distance: 0 }]]), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([[{ label: 1, distance: Number.NaN }]]), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([[{ label: 1, distance: Number.NEGATIVE_INFINITY }]]), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([[{ label: 1, distance: 0 }]], 0), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([[{ label: 1, distance: 0 }]], 1.5), 'INVALID_ARGUMENT');
  });
});

describe('checkLookupMatrix', () => {
  const ok = { n: 2, k: 1, labels: Int32Array.from([1, 2]), distances: Float64Array.from([0.1, 0.2]) };

  it('accepts a consistent matrix', () => {
    expect(() => checkLookupMatrix(ok)).not.toThrow();
  });

  it('rejects size mismatches, wrong array types and NaN', async () => {
    await expectCode(() => checkLookupMatrix({ ...ok, n: 3 }), 'INVALID_ARGUMENT');
    await expectCode(() => checkLookupMatrix({ ...ok, k: -1 }), 'INVALID_ARGUMENT');
    await expectCode(() => checkLookupMatrix({ ...ok, labels: [1, 2] as never }), 'INVALID_ARGUMENT');
    await expectCode(
      () => checkLookupMatrix({ ...ok, distances: Float32Array.from([0.1, 0.2]) as never }),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      () => checkLookupMatrix({ ...ok, distances: Float64Array.from([0.1, Number.NaN]) }),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => checkLookupMatrix(undefined as never), 'INVALID_ARGUMENT');
  });
});
