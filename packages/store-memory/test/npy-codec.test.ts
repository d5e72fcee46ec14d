import { expectCode } from '@simkit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type NpyDtype, decodeNpy, encodeNpy, npyHeader } from '../src/index.js';

const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));
const MAGIC = [0x93, ...ascii('NUMPY')];

/** A version 1.0 file: magic, version, 2-byte little-endian header length, header text, data. */
function handBuilt(headerText: string, data: number[], major = 1): Uint8Array {
  const len = headerText.length;
  const lenBytes = major === 1 ? [len & 0xff, len >> 8] : [len & 0xff, (len >> 8) & 0xff, len >> 16, 0];
  return Uint8Array.from([...MAGIC, major, 0, ...lenBytes, ...ascii(headerText), ...data]);
}

describe('encodeNpy', () => {
  it('writes the exact bytes of a tiny float32 vector', () => {
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
    // The dict is 57 characters; magic (6) + version (2) + length (2) + 57 + '\n' = 68 bytes,
    // padded to the next multiple of 64 = 128, so 128 − 68 = 60 spaces and a header length of
    // 57 + 60 + 1 = 118 (0x76 0x00). This is also what np.save writes for this array.
    const header = `${dict}${' '.repeat(60)}\n`;
    expect(header.length).toBe(118);
    // float32 little-endian: 1.0 = 00 00 80 3f, −2.0 = 00 00 00 c0, 0.5 = 00 00 00 3f.
    const data = [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x3f];
    const expected = handBuilt(header, data);
    const got = encodeNpy({ data: Float32Array.from([1, -2, 0.5]) });
    expect(got.length).toBe(128 + 12);
    expect(Array.from(got.subarray(0, 10))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0x76, 0x00]);
    expect(Array.from(got)).toEqual(Array.from(expected));
  });

  it('writes a 2-D int32 header with the shape as a Python tuple', () => {
    const got = encodeNpy({ data: Int32Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3] });
    const dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }";
    // 10 + 59 + 1 = 70 bytes → padded to 128: 58 spaces; data starts at byte 128.
    expect(new TextDecoder('latin1').decode(got.subarray(10, 128))).toBe(`${dict}${' '.repeat(58)}\n`);
    // 6 int32 values × 4 bytes = 24 data bytes; value 2 is 02 00 00 00 at byte 128 + 4.
    expect(got.length).toBe(128 + 24);
    expect(Array.from(got.subarray(132, 136))).toEqual([2, 0, 0, 0]);
  });

  it('writes bool as |b1 and an empty 2-D array with shape (0, 4)', () => {
    const text = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes.subarray(10, 128));
    const b = encodeNpy({ data: Uint8Array.from([1, 0, 1]), dtype: 'bool' });
    expect(text(b)).toMatch(/^\{'descr': '\|b1', 'fortran_order': False, 'shape': \(3,\), \} +\n$/);
    expect(Array.from(b.subarray(128))).toEqual([1, 0, 1]);
    const e = encodeNpy({ data: new Float32Array(0), shape: [0, 4] });
    expect(text(e)).toMatch(/'shape': \(0, 4\), \}/);
    expect(e.length).toBe(128);
  });

  it('pads every header so the data starts at a multiple of 64', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000_000 }), { maxLength: 8 }), (shape) => {
        const h = npyHeader('float64', shape);
        expect(h.length % 64).toBe(0);
        expect(h[h.length - 1]).toBe(0x0a);
        expect(h[8]! + h[9]! * 256).toBe(h.length - 10);
      }),
    );
  });

  it('rejects data that does not match its shape or dtype', async () => {
    await expectCode(() => encodeNpy({ data: new Float32Array(5), shape: [2, 3] }), 'INVALID_ARGUMENT');
    await expectCode(() => encodeNpy({ data: new Float32Array(6), shape: [2, -3] }), 'INVALID_ARGUMENT');
    await expectCode(() => encodeNpy({ data: new Float32Array(2), dtype: 'bool' }), 'INVALID_ARGUMENT');
    await expectCode(() => encodeNpy({ data: Uint8Array.from([0, 1, 2]), dtype: 'bool' }), 'INVALID_ARGUMENT');
    await expectCode(() => encodeNpy({ data: new Int32Array(2), dtype: 'complex' as NpyDtype }), 'INVALID_ARGUMENT');
    await expectCode(() => encodeNpy({ data: [1, 2] as unknown as Float32Array }), 'INVALID_ARGUMENT');
    await expectCode(() => encodeNpy(null as never), 'INVALID_ARGUMENT');
    await expectCode(() => npyHeader('float16' as NpyDtype, [1]), 'INVALID_ARGUMENT');
    await expectCode(() => npyHeader('float32', [1.5]), 'INVALID_ARGUMENT');
    await expectCode(() => npyHeader('float32', 3 as never), 'INVALID_ARGUMENT');
  });
});

describe('decodeNpy', () => {
  it('reads hand-built files of several dtypes, orders and versions', () => {
    const pad = (dict: string, prefix = 10) => `${dict}${' '.repeat(64 - ((prefix + dict.length + 1) % 64))}\n`;
    // Big-endian int32 7 = 00 00 00 07.
    const be = decodeNpy(handBuilt(pad("{'descr': '>i4', 'fortran_order': False, 'shape': (1,), }"), [0, 0, 0, 7]));
    expect(be).toEqual({ dtype: 'int32', shape: [1], data: Int32Array.from([7]) });
    // Python 2 wrote longs as 2L; float64 1.5 = 0x3FF8000000000000, little-endian bytes reversed.
    const f8 = decodeNpy(
      handBuilt(pad("{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 1L), }"), [0, 0, 0, 0, 0, 0, 0xf8, 0x3f]),
    );
    expect(f8).toEqual({ dtype: 'float64', shape: [1, 1], data: Float64Array.from([1.5]) });
    // Format 2.0 has a 4-byte header length (prefix 12 bytes).
    const v2 = decodeNpy(handBuilt(pad("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", 12), [200, 3], 2));
    expect(v2).toEqual({ dtype: 'uint8', shape: [2], data: Uint8Array.from([200, 3]) });
    // A 0-d array holds one value; Fortran order does not matter for one dimension.
    const scalar = decodeNpy(handBuilt(pad("{'descr': '<i2', 'fortran_order': True, 'shape': (), }"), [0xff, 0xff]));
    expect(scalar).toEqual({ dtype: 'int16', shape: [], data: Int16Array.from([-1]) });
  });

  it('round-trips every dtype through encode → decode', () => {
    const cases: Array<[NpyDtype, fc.Arbitrary<ArrayLike<number | bigint>>, (v: never[]) => ArrayLike<unknown>]> = [
      ['float32', fc.array(fc.float({ noNaN: true })), (v) => Float32Array.from(v)],
      ['float64', fc.array(fc.double()), (v) => Float64Array.from(v)],
      ['int8', fc.array(fc.integer({ min: -128, max: 127 })), (v) => Int8Array.from(v)],
      ['uint16', fc.array(fc.integer({ min: 0, max: 65535 })), (v) => Uint16Array.from(v)],
      ['int32', fc.array(fc.integer()), (v) => Int32Array.from(v)],
      ['uint32', fc.array(fc.nat()), (v) => Uint32Array.from(v)],
      ['int64', fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })), (v) => BigInt64Array.from(v)],
      ['bool', fc.array(fc.integer({ min: 0, max: 1 })), (v) => Uint8Array.from(v)],
    ];
    for (const [dtype, values, make] of cases) {
      fc.assert(
        fc.property(values, (v) => {
          const data = make(v as never[]) as never;
          const back = decodeNpy(encodeNpy({ data, dtype }));
          expect(back.dtype).toBe(dtype);
          expect(back.shape).toEqual([v.length]);
          expect(back.data).toEqual(data);
        }),
        { numRuns: 30 },
      );
    }
  });

  it('returns an aligned copy even from an unaligned view of a larger buffer', () => {
    const bytes = encodeNpy({ data: Float32Array.from([3, 4]) });
    const host = new Uint8Array(bytes.length + 3);
    host.set(bytes, 3);
    const got = decodeNpy(host.subarray(3));
    expect(Array.from(got.data as Float32Array)).toEqual([3, 4]);
    host.fill(0);
    expect(Array.from(got.data as Float32Array)).toEqual([3, 4]);
  });

  it('fails with CORRUPT_INDEX on damaged bytes', async () => {
    const good = encodeNpy({ data: Float32Array.from([1, 2, 3]) });
    const bad = (edit: (b: Uint8Array) => Uint8Array) => () => decodeNpy(edit(good.slice()));
    const patched = (offset: number, ...values: number[]) =>
      bad((b) => {
        b.set(values, offset);
        return b;
      });
    await expectCode(patched(1, 0x41), 'CORRUPT_INDEX');
    await expectCode(
      bad((b) => b.subarray(0, 5)),
      'CORRUPT_INDEX',
    );
    await expectCode(patched(6, 9), 'CORRUPT_INDEX');
    // Header length 0xffff runs past the end of the 140-byte file.
    await expectCode(patched(8, 0xff, 0xff), 'CORRUPT_INDEX');
    // 3 float32 need 12 data bytes: one missing is truncation, one extra is a mismatch.
    const truncated = await expectCode(
      bad((b) => b.subarray(0, b.length - 1)),
      'CORRUPT_INDEX',
    );
    expect(truncated.message).toMatch(/needs 12 data bytes but the file has 11 \(truncated\)/);
    await expectCode(() => decodeNpy(Uint8Array.from([...good, 0])), 'CORRUPT_INDEX');
    const header = (dict: string) => {
      const text = `${dict}${' '.repeat(64 - ((10 + dict.length + 1) % 64))}\n`;
      return handBuilt(text, [0, 0, 0, 0]);
    };
    await expectCode(
      () => decodeNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)")),
      'CORRUPT_INDEX',
    );
    await expectCode(() => decodeNpy(header("{'descr': '<f4', 'shape': (1,), }")), 'CORRUPT_INDEX');
    await expectCode(
      () => decodeNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}")),
      'CORRUPT_INDEX',
    );
    await expectCode(() => decodeNpy(header("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }")), 'CORRUPT_INDEX');
    await expectCode(
      () => decodeNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }")),
      'CORRUPT_INDEX',
    );
    await expectCode(() => decodeNpy(header("__import__('os')")), 'CORRUPT_INDEX');
    await expectCode(() => decodeNpy('not bytes' as never), 'INVALID_ARGUMENT');
  });

  it('fails with UNSUPPORTED on valid files it does not handle', async () => {
    const header = (dict: string, data: number[]) =>
      handBuilt(`${dict}${' '.repeat(64 - ((10 + dict.length + 1) % 64))}\n`, data);
    const complex = header("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0, 0, 0, 0, 0]);
    await expectCode(() => decodeNpy(complex), 'UNSUPPORTED');
    const structured = header("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0]);
    await expectCode(() => decodeNpy(structured), 'UNSUPPORTED');
    const fortran = header("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 2), }", [1, 2, 3, 4]);
    const e = await expectCode(() => decodeNpy(fortran), 'UNSUPPORTED');
    expect(e.message).toMatch(/ascontiguousarray/);
  });
});
