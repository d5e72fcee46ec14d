import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeGreyPng, pngDataUri } from '../src/png-encoder.js';

describe('encodeGreyPng', () => {
  it('writes signature, IHDR, IDAT and IEND for an 8-bit greyscale image', () => {
    const png = encodeGreyPng([0, 0.5, 1, 0.25], 2, 2);
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset);
    // IHDR: length 13, type, width 2, height 2, depth 8, colour type 0.
    expect(view.getUint32(8)).toBe(13);
    expect(new TextDecoder().decode(png.subarray(12, 16))).toBe('IHDR');
    expect([view.getUint32(16), view.getUint32(20), png[24], png[25]]).toEqual([2, 2, 8, 0]);
    expect(new TextDecoder().decode(png.subarray(png.length - 8, png.length - 4))).toBe('IEND');
  });

  it('stores each scanline as filter byte 0 then the grey levels, 1 → 255', () => {
    const png = encodeGreyPng([0, 0.5, 1, 0.25], 2, 2);
    const idatLength = new DataView(png.buffer, png.byteOffset).getUint32(33);
    const pixels = inflateSync(png.subarray(41, 41 + idatLength));
    // Row 0: 0 → 0, 0.5 → round(127.5) = 128; row 1: 1 → 255, 0.25 → round(63.75) = 64.
    expect(Array.from(pixels)).toEqual([0, 0, 128, 0, 255, 64]);
  });

  it('ends every chunk with the CRC-32 of its type and data', () => {
    const png = encodeGreyPng([0, 0.5, 1, 0.25, 0.75, 0.125], 3, 2, { scale: 3 });
    const view = new DataView(png.buffer, png.byteOffset);
    const types: string[] = [];
    for (let at = 8; at < png.length; ) {
      const length = view.getUint32(at);
      types.push(new TextDecoder().decode(png.subarray(at + 4, at + 8)));
      expect(view.getUint32(at + 8 + length)).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
      at += 12 + length;
    }
    expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
    // The IEND chunk of every PNG carries the CRC of the bytes "IEND": 0xAE426082.
    expect(view.getUint32(png.length - 4)).toBe(0xae426082);
  });

  it('inverts and scales up on request', () => {
    const png = encodeGreyPng([1, 0], 2, 1, { invert: true, scale: 2 });
    const view = new DataView(png.buffer, png.byteOffset);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([4, 2]);
    const pixels = inflateSync(png.subarray(41, 41 + view.getUint32(33)));
    // Inverted: 1 → 0 (black ink), 0 → 255; each pixel doubled across and down.
    expect(Array.from(pixels)).toEqual([0, 0, 0, 255, 255, 0, 0, 0, 255, 255]);
  });

  it('makes a base64 data URI', () => {
    expect(pngDataUri(Uint8Array.of(1, 2, 3))).toBe('data:image/png;base64,AQID');
  });
});
