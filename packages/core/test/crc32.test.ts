import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32, seededRandom } from '../src/index.js';
import { expectCode } from '../src/testing/index.js';

const ascii = (text: string) => new TextEncoder().encode(text);

describe('crc32', () => {
  it('gives the published check values', () => {
    // The CRC-32/ISO-HDLC check value: the checksum of the ASCII digits "123456789".
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    // Every PNG ends with an IEND chunk whose CRC, over the bytes "IEND", is 0xAE426082.
    expect(crc32(ascii('IEND'))).toBe(0xae426082);
  });

  it('is 0 for empty input, and leaves the previous value unchanged for an empty piece', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    const c = crc32(ascii('abc'));
    expect(crc32(new Uint8Array(0), c)).toBe(c);
  });

  it('agrees with node:zlib on random buffers, also on views into a larger buffer and on Buffers', () => {
    const rand = seededRandom(32);
    for (const length of [1, 7, 255, 256, 1000, 65_537]) {
      const bytes = new Uint8Array(length);
      for (let i = 0; i < length; i++) bytes[i] = Math.floor(rand() * 256);
      expect(crc32(bytes)).toBe(zlibCrc32(bytes));
      const view = bytes.subarray(3, Math.max(3, length - 2));
      expect(crc32(view)).toBe(zlibCrc32(view));
      expect(crc32(Buffer.from(bytes))).toBe(zlibCrc32(bytes));
    }
  });

  it('continues over pieces exactly as over the whole, wherever the cuts fall', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const [i, j] = [a % (bytes.length + 1), b % (bytes.length + 1)].sort((p, q) => p - q) as [number, number];
        const pieces = crc32(bytes.subarray(j), crc32(bytes.subarray(i, j), crc32(bytes.subarray(0, i))));
        expect(pieces).toBe(crc32(bytes));
        expect(pieces).toBe(zlibCrc32(bytes));
        // node:zlib takes the running value the same way.
        expect(crc32(bytes.subarray(i), zlibCrc32(bytes.subarray(0, i)))).toBe(zlibCrc32(bytes));
      }),
    );
  });

  it('refuses what is not bytes, and previous values that are not a CRC-32', async () => {
    for (const bad of ['123456789', [1, 2, 3], new Uint16Array(2), new ArrayBuffer(4), null, undefined]) {
      const error = await expectCode(() => crc32(bad as unknown as Uint8Array), 'INVALID_ARGUMENT');
      expect(error.message).toMatch(/Uint8Array/);
    }
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN, '0', null]) {
      const error = await expectCode(() => crc32(ascii('x'), bad as unknown as number), 'INVALID_ARGUMENT');
      expect(error.message).toMatch(/previous/);
    }
  });
});
