import { batch, type CheckedLabels, dataToJson } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkRecord,
  decodeKey,
  decodeRecord,
  encodeKey,
  encodeKeys,
  encodeRecords,
  HEADER_BYTES,
} from '../src/record-codec.js';

function labelsOf(values: Array<number | null>): CheckedLabels {
  return {
    values: Int32Array.from(values, (v) => v ?? 0),
    present: Uint8Array.from(values, (v) => (v === null ? 0 : 1)),
  };
}

describe('record keys', () => {
  it('are the id as 4 big-endian bytes', () => {
    // 258 = 0x00000102; 2^31 − 1 = 0x7fffffff
    expect(Array.from(encodeKey(258))).toEqual([0x00, 0x00, 0x01, 0x02]);
    expect(Array.from(encodeKey(0x7fffffff))).toEqual([0x7f, 0xff, 0xff, 0xff]);
    expect(encodeKeys([258, 0]).map((k) => Array.from(k))).toEqual([
      [0, 0, 1, 2],
      [0, 0, 0, 0],
    ]);
  });

  it('sort in byte order exactly as the ids do', () => {
    fc.assert(
      fc.property(fc.nat(0x7fffffff), fc.nat(0x7fffffff), (a, b) => {
        const ka = encodeKey(a);
        const kb = encodeKey(b);
        const byteOrder = Buffer.compare(ka, kb);
        expect(Math.sign(byteOrder)).toBe(Math.sign(a - b));
        expect(decodeKey(ka)).toBe(a);
      }),
    );
  });

  it('rejects keys that are not record keys', async () => {
    await expectCode(() => decodeKey(Uint8Array.of(0, 0, 1)), 'CORRUPT_INDEX');
    await expectCode(() => decodeKey(Uint8Array.of(0x80, 0, 0, 0)), 'CORRUPT_INDEX');
  });
});

describe('record values', () => {
  it('lay out flags, label, data length, JSON data and float32 embedding', () => {
    const [value] = encodeRecords(batch(Float32Array.from([1, -2]), 2), labelsOf([7]), ['{"a":1}']).values;
    // flags = label (1) | data (2) = 3
    // label 7 as int32 LE = 07 00 00 00
    // '{"a":1}' is 7 bytes: 7b 22 61 22 3a 31 7d; its length as uint32 LE = 07 00 00 00
    // 1.0f = 0x3f800000 → LE 00 00 80 3f;  −2.0f = 0xc0000000 → LE 00 00 00 c0
    // 9 header bytes + 7 data bytes + 2 × 4 embedding bytes = 24 bytes
    expect(Array.from(value ?? [])).toEqual([
      3, 7, 0, 0, 0, 7, 0, 0, 0, 0x7b, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x7d, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0,
    ]);
  });

  it('encode a negative label, no data, and UTF-8 data byte for byte', () => {
    const { values } = encodeRecords(batch(Float32Array.from([0.5, 0.5]), 1), labelsOf([-1, null]), [null, '"é"']);
    // record 0: flags = 1 (label only); −1 as int32 = ff ff ff ff; no data → length 0;
    // 0.5f = 0x3f000000 → LE 00 00 00 3f. 9 + 0 + 4 = 13 bytes.
    expect(Array.from(values[0] ?? [])).toEqual([1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x3f]);
    // record 1: flags = 2 (data only); '"é"' = 22 c3 a9 22 is 4 bytes (é takes 2 in UTF-8). 9 + 4 + 4 = 17 bytes.
    expect(Array.from(values[1] ?? [])).toEqual([2, 0, 0, 0, 0, 4, 0, 0, 0, 0x22, 0xc3, 0xa9, 0x22, 0, 0, 0, 0x3f]);
  });

  it('decode from views at any byte offset, copying the embedding', () => {
    const [value] = encodeRecords(batch(Float32Array.from([1.5, -3, 1e-7]), 3), labelsOf([42]), [
      '{"p":"x.png"}',
    ]).values;
    const shifted = new Uint8Array((value?.length ?? 0) + 1);
    shifted.set(value ?? [], 1);
    const view = shifted.subarray(1);
    const record = decodeRecord(5, view, 3);
    expect(record.id).toBe(5);
    expect(Array.from(record.embedding)).toEqual(Array.from(Float32Array.from([1.5, -3, 1e-7])));
    expect(record.label).toBe(42);
    expect(record.data).toEqual({ p: 'x.png' });
    shifted.fill(0);
    expect(record.embedding[0]).toBe(1.5);
  });

  it('encodes into a scratch buffer only when it is large enough', () => {
    // One record of dim 2 without label or data needs 9 + 0 + 2 × 4 = 17 bytes.
    const one = batch(Float32Array.from([1, 2]), 2);
    const big = new Uint8Array(17);
    const reused = encodeRecords(one, null, null, big);
    expect(reused.bytes).toBe(big);
    expect(reused.values[0]?.buffer).toBe(big.buffer);
    const small = new Uint8Array(16);
    const fresh = encodeRecords(one, null, null, small);
    expect(fresh.bytes).not.toBe(small);
    expect(Array.from(decodeRecord(0, fresh.values[0] as Uint8Array, 2).embedding)).toEqual([1, 2]);
  });

  it('copies the input, so later changes to it do not leak into encoded values', () => {
    const input = Float32Array.from([1, 2]);
    const [value] = encodeRecords(batch(input, 2), null, null).values;
    input[0] = 99;
    expect(Array.from(decodeRecord(0, value as Uint8Array, 2).embedding)).toEqual([1, 2]);
  });

  it('round-trips random records', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }).chain((dim) =>
          fc.array(
            fc.record({
              embedding: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), {
                minLength: dim,
                maxLength: dim,
              }),
              label: fc.option(fc.integer({ min: -0x7fffffff, max: 0x7fffffff }), { nil: null }),
              data: fc.option(fc.jsonValue(), { nil: null }),
            }),
            { minLength: 1, maxLength: 10 },
          ),
        ),
        (rows) => {
          const dim = rows[0]?.embedding.length ?? 1;
          const data = Float32Array.from(rows.flatMap((r) => r.embedding));
          const { values } = encodeRecords(
            batch(data, dim),
            labelsOf(rows.map((r) => r.label)),
            dataToJson(
              rows.map((r) => r.data),
              rows.length,
            ),
          );
          rows.forEach((r, i) => {
            const got = decodeRecord(i, values[i] as Uint8Array, dim);
            // Compare bytes so −0 and every float bit pattern must survive.
            expect(Array.from(new Uint8Array(got.embedding.buffer))).toEqual(
              Array.from(new Uint8Array(Float32Array.from(r.embedding).buffer)),
            );
            expect(got.label).toBe(r.label);
            expect(got.data).toEqual(r.data === null ? null : JSON.parse(JSON.stringify(r.data)));
            checkRecord(i, values[i] as Uint8Array, dim);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects damaged values with CORRUPT_INDEX', async () => {
    const [value] = encodeRecords(batch(Float32Array.from([1, 2]), 2), labelsOf([3]), ['{"a":1}']).values;
    const good = value as Uint8Array;
    const short = good.subarray(0, HEADER_BYTES - 1);
    await expectCode(() => decodeRecord(0, short, 2), 'CORRUPT_INDEX');
    const badFlags = Uint8Array.from(good);
    badFlags[0] = 0x80;
    await expectCode(() => decodeRecord(0, badFlags, 2), 'CORRUPT_INDEX');
    // One byte cut from the end: 24 − 1 − 9 − 7 = 7 embedding bytes, not a multiple of 4.
    await expectCode(() => decodeRecord(0, good.subarray(0, good.length - 1), undefined), 'CORRUPT_INDEX');
    // Right shape for dim 2, but the store holds dim 3.
    await expectCode(() => decodeRecord(0, good, 3), 'CORRUPT_INDEX');
    const badJson = Uint8Array.from(good);
    badJson[9] = 0x5d; // ']' where '{' was
    await expectCode(() => decodeRecord(0, badJson, 2), 'CORRUPT_INDEX');
    // Data bytes without the data flag: flags = 1 (label only) but n = 7.
    const noFlag = Uint8Array.from(good);
    noFlag[0] = 1;
    await expectCode(() => decodeRecord(0, noFlag, 2), 'CORRUPT_INDEX');
    // checkRecord refuses exactly what decodeRecord refuses.
    for (const [value, dim] of [
      [short, 2],
      [badFlags, 2],
      [good.subarray(0, good.length - 1), undefined],
      [good, 3],
      [badJson, 2],
      [noFlag, 2],
    ] as const) {
      await expectCode(() => checkRecord(0, value, dim), 'CORRUPT_INDEX');
    }
    checkRecord(0, good, 2);
    checkRecord(0, good, undefined);
  });
});

describe('dataToJson', () => {
  it('keeps null as no data and serialises the rest', () => {
    expect(dataToJson([null, { a: [1, 'b'] }, 'x', 0], 4)).toEqual([null, '{"a":[1,"b"]}', '"x"', '0']);
    expect(dataToJson(null, 3)).toBeNull();
  });

  it('rejects values JSON cannot hold with INVALID_ARGUMENT', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expectCode(() => dataToJson([{ n: 1n }], 1), 'INVALID_ARGUMENT');
    await expectCode(() => dataToJson([cyclic], 1), 'INVALID_ARGUMENT');
    await expectCode(() => dataToJson([{ toJSON: () => undefined }], 1), 'INVALID_ARGUMENT');
  });
});
