import { describe, expect, it } from 'vitest';
import {
  SimkitError,
  assertPositiveInteger,
  batch,
  checkAddInput,
  checkData,
  checkLabels,
  checkOptions,
  checkedCount,
  describe as describeValue,
  fromConfig,
  isComponentConfig,
  toBatch,
  toIds,
} from '../src/index.js';
import { FakeSearch, FakeStore, expectCode } from '../src/testing/index.js';

/** Calls fn, expects a SimkitError with `code`, and returns it (synchronously). */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!SimkitError.isInstance(e)) throw new Error(`expected a SimkitError, got ${String(e)}`);
    return e.code;
  }
  throw new Error('expected a SimkitError, but nothing was thrown');
}

describe('toBatch accepts only numbers', () => {
  const bad: Array<[string, unknown]> = [
    ["'1'", '1'],
    ['true', true],
    ['null', null],
    ['undefined', undefined],
    ['1n', 1n],
    ['[1]', [1]],
    ['an object', { v: 1 }],
    ['a Symbol', Symbol('x')],
    ['a Date', new Date(0)],
  ];

  it.each(bad)('rejects %s inside a row, naming row and column', async (_, value) => {
    const e = await expectCode(
      () =>
        toBatch([
          [0, 0, 0],
          [0, 0, value as number],
        ]),
      'INVALID_ARGUMENT',
    );
    expect(e.message).toContain('row 1, column 2');
    expect(e.details).toMatchObject({ row: 1, column: 2 });
  });

  it.each(bad)('rejects %s inside a flat array, naming row and column', async (_, value) => {
    const e = await expectCode(() => toBatch([0, 0, 0, 0, value as number, 0], 3), 'INVALID_ARGUMENT');
    // flat index 4 with dim 3 is row 1, column 1
    expect(e.message).toContain('row 1, column 1');
  });

  it('rejects a bad first value of a flat array (not mistaken for a row)', async () => {
    const e = await expectCode(() => toBatch(['1', 2] as never), 'INVALID_ARGUMENT');
    expect(e.message).toContain('row 0, column 0');
    await expectCode(() => toBatch([null, 2] as never, 2), 'INVALID_ARGUMENT');
    await expectCode(() => toBatch([Symbol('s')] as never), 'INVALID_ARGUMENT');
  });

  it('rejects rows that are not arrays of numbers: strings, objects, BigInt arrays, DataViews', async () => {
    // '12' has length 2: it used to be read as the row [1, 2].
    await expectCode(() => toBatch([[1, 2], '12'] as never), 'INVALID_ARGUMENT');
    await expectCode(() => toBatch([[1, 2], { length: 2, 0: 1, 1: 2 }] as never), 'INVALID_ARGUMENT');
    await expectCode(() => toBatch([[1, 2], 3] as never), 'INVALID_ARGUMENT');
    await expectCode(() => toBatch([BigInt64Array.of(1n, 2n)] as never), 'INVALID_ARGUMENT');
    await expectCode(() => toBatch([[1, 2], new BigUint64Array(2)] as never), 'INVALID_ARGUMENT');
    await expectCode(() => toBatch([new DataView(new ArrayBuffer(8))] as never), 'INVALID_ARGUMENT');
    // a hole in a row is undefined
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point of the test
    await expectCode(() => toBatch([[1, , 3]] as never), 'INVALID_ARGUMENT');
  });

  it('rejects top-level values that are not embeddings', async () => {
    for (const value of ['1, 2', 7, true, null, undefined, 1n, Symbol('s'), () => 1, { length: 2, 0: 1, 1: 2 }]) {
      await expectCode(() => toBatch(value as never), 'INVALID_ARGUMENT');
    }
    await expectCode(() => toBatch(BigInt64Array.of(1n) as never), 'INVALID_ARGUMENT');
    await expectCode(() => toBatch(new DataView(new ArrayBuffer(4)) as never), 'INVALID_ARGUMENT');
  });

  it('rejects a value that overflows float32 instead of storing Infinity', async () => {
    const e = await expectCode(() => toBatch([[1, 1e300]]), 'INVALID_ARGUMENT');
    expect(e.message).toContain('row 0, column 1');
    await expectCode(() => toBatch(Float64Array.of(1, -1e39)), 'INVALID_ARGUMENT');
  });

  it('accepts every numeric typed array, as rows and flat, with the same values', () => {
    const want = [1, 2, 3, 4];
    for (const T of [
      Float64Array,
      Int8Array,
      Int16Array,
      Int32Array,
      Uint8Array,
      Uint8ClampedArray,
      Uint16Array,
      Uint32Array,
    ]) {
      const flat = toBatch(T.from(want), 2);
      expect(flat).toMatchObject({ rows: 2, dim: 2 });
      expect(Array.from(flat.data)).toEqual(want);
      const rows = toBatch([T.from([1, 2]), T.from([3, 4])]);
      expect(Array.from(rows.data)).toEqual(want);
    }
    const mixed = toBatch([Float32Array.of(1, 2), [3, 4]]);
    expect(Array.from(mixed.data)).toEqual(want);
  });

  it('keeps Float32Array input zero-copy, flat and in a batch object', () => {
    const f = Float32Array.of(1, 2, 3, 4, 5, 6);
    expect(toBatch(f, 3).data).toBe(f);
    expect(toBatch({ data: f, rows: 2, dim: 3 }).data).toBe(f);
    expect(toBatch(new Float32Array(0))).toMatchObject({ rows: 0, dim: 0 });
    expect(toBatch([])).toMatchObject({ rows: 0 });
  });

  it('names row and column of a NaN in a Float32Array row of an array of rows', async () => {
    const e = await expectCode(
      () => toBatch([Float32Array.of(1, 2), Float32Array.of(3, Number.NaN)]),
      'INVALID_ARGUMENT',
    );
    expect(e.message).toContain('row 1, column 1');
  });
});

describe('toBatch checks { data, rows, dim } batch objects', () => {
  const data = new Float32Array(6);
  const bad: Array<[string, Record<string, unknown>]> = [
    ['negative rows', { data, rows: -2, dim: -3 }],
    ['negative dim', { data, rows: 2, dim: -3 }],
    ['fractional rows', { data, rows: 1.5, dim: 4 }],
    ['NaN rows', { data, rows: Number.NaN, dim: 3 }],
    ['NaN dim', { data, rows: 2, dim: Number.NaN }],
    ['Infinity rows', { data, rows: Number.POSITIVE_INFINITY, dim: 0 }],
    ['huge rows with dim 0', { data: new Float32Array(0), rows: 1e20, dim: 0 }],
    ['huge rows', { data, rows: 2 ** 60, dim: 3 }],
    ['rows as a string', { data, rows: '2', dim: 3 }],
    ['missing dim', { data, rows: 2 }],
    ['rows × dim ≠ length', { data, rows: 2, dim: 2 }],
    ['data that is not a Float32Array', { data: [0, 0, 0, 0, 0, 0], rows: 2, dim: 3 }],
    ['data that is a Float64Array', { data: new Float64Array(6), rows: 2, dim: 3 }],
  ];

  it.each(bad)('rejects %s with INVALID_ARGUMENT (no RangeError)', async (_, b) => {
    await expectCode(() => toBatch(b as never), 'INVALID_ARGUMENT');
    await expectCode(() => checkAddInput([0, 1], b as never, undefined), 'INVALID_ARGUMENT');
  });

  it('still tells a dimension mismatch and a NaN apart', async () => {
    await expectCode(() => toBatch({ data, rows: 2, dim: 3 }, 4), 'DIMENSION_MISMATCH');
    await expectCode(() => toBatch({ data: Float32Array.of(1, Number.NaN), rows: 1, dim: 2 }), 'INVALID_ARGUMENT');
    expect(toBatch({ data: new Float32Array(0), rows: 0, dim: 0 })).toMatchObject({ rows: 0 });
  });

  it('batch() refuses what is not a Float32Array', async () => {
    await expectCode(() => batch([1, 2] as never, 2), 'INVALID_ARGUMENT');
    await expectCode(() => batch(new Float32Array(4), -2), 'INVALID_ARGUMENT');
    await expectCode(() => batch(new Float32Array(4), 3), 'DIMENSION_MISMATCH');
  });

  it('rejects a bad dim argument and huge integers', async () => {
    await expectCode(() => toBatch([1, 2], 1.5), 'INVALID_ARGUMENT');
    await expectCode(() => toBatch([1, 2], -1), 'INVALID_ARGUMENT');
    await expectCode(() => assertPositiveInteger(2 ** 60, 'k'), 'INVALID_ARGUMENT');
  });
});

describe('toIds', () => {
  it('rejects null, a bare number, strings and objects instead of reading them as "no ids"', async () => {
    const e = await expectCode(() => toIds(0 as never), 'INVALID_ARGUMENT');
    expect(e.message).toContain('[0]');
    for (const value of [null, undefined, 3, '12', { length: 1, 0: 1 }, new Set([1]), true]) {
      await expectCode(() => toIds(value as never), 'INVALID_ARGUMENT');
    }
    await expectCode(() => toIds(BigInt64Array.of(1n) as never), 'INVALID_ARGUMENT');
  });

  it('rejects non-integers, negatives, values above 2^31 − 1 and non-numbers, naming the index', async () => {
    for (const bad of [1.5, -1, -0.5, 2 ** 31, Number.NaN, Number.POSITIVE_INFINITY, '1', null, 1n, [1]]) {
      const e = await expectCode(() => toIds([0, bad as number]), 'INVALID_ARGUMENT');
      expect(e.message).toContain('ids[1]');
    }
    await expectCode(() => toIds(Float64Array.of(0, 2.5)), 'INVALID_ARGUMENT');
    await expectCode(() => toIds(Int32Array.of(0, -4)), 'INVALID_ARGUMENT');
  });

  it('accepts arrays and numeric typed arrays of ids, up to 2^31 − 1', () => {
    expect(Array.from(toIds([0, 2 ** 31 - 1]))).toEqual([0, 2147483647]);
    expect(Array.from(toIds(Uint16Array.of(3, 4)))).toEqual([3, 4]);
    expect(Array.from(toIds([]))).toEqual([]);
  });
});

describe('checkLabels and checkData check every row before returning', () => {
  it('checkLabels rejects non-integer labels anywhere, and label containers that are not arrays', async () => {
    const labels: unknown[] = Array.from({ length: 9000 }, (_, i) => i % 7);
    labels[8500] = '3';
    const e = await expectCode(() => checkLabels(labels as number[], 9000), 'INVALID_ARGUMENT');
    expect(e.message).toContain('labels[8500]');
    for (const bad of [true, 1n, Symbol('s'), [1], 0.5, Number.NaN]) {
      await expectCode(() => checkLabels([1, bad as number], 2), 'INVALID_ARGUMENT');
    }
    await expectCode(() => checkLabels('12' as never, 2), 'INVALID_ARGUMENT');
    await expectCode(() => checkLabels({ length: 2, 0: 1, 1: 2 } as never, 2), 'INVALID_ARGUMENT');
    await expectCode(() => checkLabels(5 as never, 1), 'INVALID_ARGUMENT');
    expect(Array.from(checkLabels(Int32Array.of(4, 5), 2)?.values ?? [])).toEqual([4, 5]);
  });

  it('checkData finds a bad value deep inside row 8500 of 9000, in one call', async () => {
    const data: unknown[] = Array.from({ length: 9000 }, (_, i) => ({ i, tags: ['a', i] }));
    const cases: Array<[unknown, string]> = [
      [{ i: 1, tags: ['a', 1n] }, 'data[8500].tags[1]'],
      [{ i: 1, when: new Date(0) }, 'data[8500].when'],
      [{ i: Number.NaN }, 'data[8500].i'],
      [{ f: () => 1 }, 'data[8500].f'],
      [[1, undefined], 'data[8500][1]'],
      [new Map(), 'data[8500]'],
      [Float32Array.of(1), 'data[8500]'],
      [Symbol('s'), 'data[8500]'],
      [undefined, 'data[8500]'],
    ];
    for (const [value, path] of cases) {
      const copy = data.slice();
      copy[8500] = value;
      const e = await expectCode(() => checkData(copy, 9000), 'INVALID_ARGUMENT');
      expect(e.message.startsWith(path)).toBe(true);
    }
    expect(checkData(data, 9000)).toBe(data);
  });

  it('checkData refuses cycles, very deep nesting and getters that throw, with INVALID_ARGUMENT', async () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    await expectCode(() => checkData([null, cyclic], 2), 'INVALID_ARGUMENT');
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    await expectCode(() => checkData([deep], 1), 'INVALID_ARGUMENT');
    const hostile = {
      get x(): number {
        throw new TypeError('no');
      },
    };
    const e = await expectCode(() => checkData([hostile], 1), 'INVALID_ARGUMENT');
    expect(e.message).toContain('data[0]');
    await expectCode(() => checkData('ab' as never, 2), 'INVALID_ARGUMENT');
    await expectCode(() => checkData({ length: 1, 0: 'a' } as never, 1), 'INVALID_ARGUMENT');
  });

  it('checkData keeps shared (non-cyclic) references and plain JSON values', () => {
    const shared = { x: 1 };
    const data = [
      null,
      'a',
      1.5,
      true,
      { a: shared, b: shared, c: [shared] },
      Object.create(null),
      [],
      { skip: undefined },
    ];
    expect(checkData(data, data.length)).toBe(data);
  });
});

describe('checkOptions', () => {
  it('gives {} for undefined and passes an object through', () => {
    expect(checkOptions(undefined, 'calibrate options')).toEqual({});
    const o = { k: 3 };
    expect(checkOptions(o, 'calibrate options')).toBe(o);
  });

  it('rejects null, arrays, numbers, strings, booleans and functions with INVALID_ARGUMENT naming what', async () => {
    for (const bad of [null, [], 3, 'k=3', true, () => ({}), Symbol('s'), 1n]) {
      const e = await expectCode(() => checkOptions(bad as never, 'calibrate options'), 'INVALID_ARGUMENT');
      expect(e.message).toContain('calibrate options');
    }
  });
});

describe('checkedCount', () => {
  it('returns a count within bounds', () => {
    expect(checkedCount(0, { max: 10, what: 'next_id' })).toBe(0);
    expect(checkedCount(10, { max: 10, what: 'next_id' })).toBe(10);
    expect(checkedCount(5, { min: 5, max: 10, what: 'x' })).toBe(5);
  });

  it('rejects what a damaged file may say with CORRUPT_INDEX, before anything is allocated', async () => {
    const what = 'stat_buffer_size in index_metadata.json';
    for (const bad of [
      1e12,
      2_147_483_647,
      -1,
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '10',
      null,
      undefined,
      [3],
      {},
    ]) {
      const e = await expectCode(() => checkedCount(bad, { max: 1_000_000, what }), 'CORRUPT_INDEX');
      expect(e.message).toContain(what);
    }
    await expectCode(() => checkedCount(4, { min: 5, max: 10, what: 'x' }), 'CORRUPT_INDEX');
  });
});

describe('configs read from files', () => {
  it('a version that is not an integer ≥ 1, or an odd package, is not a config: CORRUPT_INDEX', async () => {
    const registry = { 'fake-search': FakeSearch, 'fake-store': FakeStore };
    for (const version of [Number.NaN, 1.5, 0, -1, Number.POSITIVE_INFINITY, '1']) {
      const config = { type: 'fake-search', version, config: { dim: 2 } };
      expect(isComponentConfig(config)).toBe(false);
      await expectCode(() => fromConfig(config, registry), 'CORRUPT_INDEX');
    }
    await expectCode(() => fromConfig({ type: '', version: 1, config: {} }, registry), 'CORRUPT_INDEX');
    await expectCode(() => fromConfig({ type: 'x', version: 1, package: {}, config: {} }, registry), 'CORRUPT_INDEX');
    await expectCode(() => fromConfig({ type: 'x', version: 1, config: [] }, registry), 'CORRUPT_INDEX');
  });
});

describe('describe', () => {
  it('describes every kind of value without throwing', () => {
    expect(describeValue(Symbol('s'))).toBe('a Symbol');
    expect(describeValue(1n)).toContain('BigInt');
    expect(describeValue(new Map())).toContain('Map');
    expect(describeValue(new (class Tensor {})())).toBe('an object (Tensor)');
    expect(describeValue(Object.create(null))).toBe('an object (Object)');
    expect(describeValue(Float64Array.of(1))).toBe('a Float64Array');
  });
});

describe('every bad call above throws synchronously with a code, never a raw error', () => {
  it('covers the calls of issue 11 point 11', () => {
    expect(codeOf(() => toBatch({ data: new Float32Array(6), rows: -2, dim: -3 } as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => toBatch([[1, Symbol('s') as never]]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => toIds(null as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => toIds(0 as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => checkOptions(null as never, 'calibrate options'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => checkedCount(1e12, { max: 1e6, what: 'stat_buffer_size' }))).toBe('CORRUPT_INDEX');
  });
});
