import { describe } from './embeddings.js';
import { invalidArgument } from './errors.js';

let table: Uint32Array | undefined;

/** The 256 remainders of the reflected IEEE polynomial 0xEDB88320, built on first use. */
function crcTable(): Uint32Array {
  if (table === undefined) {
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t[n] = c >>> 0;
    }
    table = t;
  }
  return table;
}

/**
 * CRC-32 with the IEEE polynomial (the checksum of zip, gzip and PNG) of `bytes`,
 * as an unsigned 32-bit integer. Pass the result of the previous call as `previous`
 * to continue over data that arrives in pieces: `crc32(b, crc32(a))` equals the
 * CRC-32 of `a` followed by `b`. Pure JavaScript, so it runs in browsers too.
 *
 * @throws SimkitError INVALID_ARGUMENT when `bytes` is not a Uint8Array or `previous`
 *   is not an integer from 0 to 2^32 − 1
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  if (!(bytes instanceof Uint8Array)) {
    throw invalidArgument(
      `crc32 needs a Uint8Array; got ${describe(bytes)}. Encode text with TextEncoder, wrap other buffers with new Uint8Array(buffer).`,
    );
  }
  if (typeof previous !== 'number' || !Number.isInteger(previous) || previous < 0 || previous > 0xffffffff) {
    throw invalidArgument(
      `crc32's previous value must be a CRC-32 returned by an earlier call (an integer from 0 to 2^32 − 1); got ${describe(previous)}.`,
    );
  }
  const t = crcTable();
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = (t[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
