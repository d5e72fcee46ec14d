import { SimkitError } from '@simkit/core';
import { type NodeFiles, nodeFiles } from '@simkit/core/node';
import { importZlib } from './zlib-module.js';

/** The Node.js modules that saving and loading need: core's file modules plus zlib. */
export interface NodeIo extends NodeFiles {
  readonly zlib: typeof import('node:zlib');
}

let cached: Promise<NodeIo> | undefined;

/**
 * Loads the Node.js file-system modules on first use, so that the in-memory part
 * of this package also runs in browsers; there, save/load fail with UNSUPPORTED.
 */
export function nodeIo(): Promise<NodeIo> {
  cached ??= Promise.all([nodeFiles(), importZlib()]).then(
    ([files, zlib]) => ({ ...files, zlib }),
    (cause: unknown) => {
      cached = undefined;
      if (SimkitError.isInstance(cause)) throw cause;
      throw new SimkitError(
        'UNSUPPORTED',
        'Saving and loading files needs Node.js (node:zlib); in a browser keep the records in memory.',
        { cause },
      );
    },
  );
  return cached;
}

/**
 * Writes `parts` to a new file (refusing one that exists); with `sync`, flushes it to disk
 * before returning. OS errors are thrown as they are, for the caller to map.
 */
export async function writeFileParts(
  io: NodeIo,
  file: string,
  parts: readonly Uint8Array[],
  options: { sync?: boolean; exclusive?: boolean } = {},
): Promise<void> {
  const handle = await io.fs.open(file, options.exclusive ? 'wx' : 'w');
  try {
    for (const part of parts) if (part.length > 0) await handle.write(part);
    if (options.sync) await handle.sync();
  } finally {
    await handle.close();
  }
}

export function gzip(io: NodeIo, parts: readonly Uint8Array[]): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    io.zlib.gzip(Buffer.concat(parts), (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** Decompresses gzip `bytes`; more than `maxOutputLength` bytes of output fails (ERR_BUFFER_TOO_LARGE). */
export function gunzip(io: NodeIo, bytes: Uint8Array, maxOutputLength?: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const options = maxOutputLength === undefined ? {} : { maxOutputLength };
    io.zlib.gunzip(bytes, options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Deflate turns one byte of input into at most 1032 bytes of output (a 258-byte match
 * coded in two bits), so a gzip file of `n` bytes cannot hold more than `1032 × n` bytes.
 */
export const MAX_INFLATE_RATIO = 1032;

/** Output chunk of the bounded gunzip: small enough to stop a bomb early, big enough to be fast. */
const INFLATE_CHUNK = 1 << 16;

/** Why `gunzipExactly` gave up. */
export class InflateError extends Error {}

/**
 * Decompresses gzip `bytes` that must inflate to exactly `expected` bytes. Output is
 * streamed, and decompression stops as soon as it goes past `expected`, so a
 * decompression bomb costs at most `expected` bytes and one chunk of work, whatever
 * it would inflate to. `check(chunk, offset)` sees each piece of output (at `offset`
 * in the whole) and may return a problem to stop early.
 */
export function gunzipExactly(
  io: NodeIo,
  bytes: Uint8Array,
  expected: number,
  check?: (chunk: Uint8Array, offset: number) => string | undefined,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let filled = 0;
    let done = false;
    const stream = io.zlib.createGunzip({ chunkSize: INFLATE_CHUNK });
    const fail = (problem: string, cause?: unknown) => {
      if (done) return;
      done = true;
      stream.destroy();
      reject(new InflateError(problem, cause === undefined ? undefined : { cause }));
    };
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      if (filled + chunk.length > expected) {
        fail(`it inflates to more than the ${expected} bytes it should hold`);
        return;
      }
      chunks.push(chunk);
      const offset = filled;
      filled += chunk.length;
      const problem = check?.(chunk, offset);
      if (problem !== undefined) fail(problem);
    });
    stream.on('error', (cause: Error) => fail(`it does not decompress (${cause.message})`, cause));
    stream.on('end', () => {
      if (done) return;
      done = true;
      if (filled !== expected) {
        reject(new InflateError(`it inflates to ${filled} bytes but should hold ${expected} (truncated or damaged)`));
        return;
      }
      try {
        resolve(Buffer.concat(chunks, filled));
      } catch (cause) {
        reject(cause);
      }
    });
    stream.end(bytes);
  });
}
