import { deflateSync } from 'node:zlib';
import { crc32 } from '@simkit/core';

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encodes a greyscale image (`width` × `height` values in [0, 1], row-major) as an
 * 8-bit greyscale PNG. `invert` draws 1 as black, like ink on paper. Each pixel can
 * be blown up `scale` times so small digits stay crisp in a browser.
 */
export function encodeGreyPng(
  values: ArrayLike<number>,
  width: number,
  height: number,
  options: { invert?: boolean; scale?: number } = {},
): Uint8Array {
  const scale = options.scale ?? 1;
  const w = width * scale;
  const h = height * scale;
  // One filter byte (0 = none) before each scanline.
  const raw = new Uint8Array(h * (w + 1));
  for (let y = 0; y < h; y++) {
    const line = y * (w + 1);
    const sy = Math.floor(y / scale);
    for (let x = 0; x < w; x++) {
      const v = Math.min(1, Math.max(0, values[sy * width + Math.floor(x / scale)] as number));
      const grey = Math.round((options.invert ? 1 - v : v) * 255);
      raw[line + 1 + x] = grey;
    }
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, w);
  view.setUint32(4, h);
  header[8] = 8; // bit depth
  header[9] = 0; // colour type: greyscale
  const signature = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
  const parts = [signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The PNG as a `data:` URI for an `<img src>`. */
export function pngDataUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}
