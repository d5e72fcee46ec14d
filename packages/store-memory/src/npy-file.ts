import { SimkitError, describe, invalidArgument } from '@simkit/core';
import { type NpyArray, type NpyInput, checkNpyInput, decodeNpy, npyDataBytes, npyHeader } from './npy-codec.js';
import { gunzip, gzip, isGzip, nodeIo, writeFileSynced } from './node-io.js';

export interface WriteNpyOptions {
  /** Gzip the file (as `np.load(gzip.open(path))` reads it). Defaults to true when the path ends in `.gz`. */
  readonly gzip?: boolean;
}

/**
 * Writes an array to `path` as a NumPy `.npy` file (format 1.0, C order,
 * little-endian), optionally gzipped. Node.js only.
 */
export async function writeNpy(path: string, array: NpyInput, options: WriteNpyOptions = {}): Promise<void> {
  checkPath(path);
  const { dtype, shape } = checkNpyInput(array);
  const compress = options.gzip ?? path.endsWith('.gz');
  if (typeof compress !== 'boolean')
    throw invalidArgument(`options.gzip must be true or false; got ${describe(compress)}.`);
  const io = await nodeIo();
  const parts = [npyHeader(dtype, shape), npyDataBytes(array.data)];
  await writeFileSynced(io, path, compress ? [await gzip(io, parts)] : parts);
}

/**
 * Reads a NumPy `.npy` file (gzipped or not, detected from its first bytes).
 * A missing file fails with NOT_FOUND, damaged bytes with CORRUPT_INDEX. Node.js only.
 */
export async function readNpy(path: string): Promise<NpyArray> {
  checkPath(path);
  const io = await nodeIo();
  let bytes: Uint8Array;
  try {
    bytes = await io.fs.readFile(path);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SimkitError('NOT_FOUND', `No .npy file at ${path}; check the path.`, { cause });
    }
    throw cause;
  }
  if (isGzip(bytes)) {
    try {
      bytes = await gunzip(io, bytes);
    } catch (cause) {
      throw new SimkitError('CORRUPT_INDEX', `${path} looks gzipped but does not decompress (truncated or damaged).`, {
        cause,
      });
    }
  }
  return decodeNpy(bytes, path);
}

function checkPath(path: unknown): asserts path is string {
  if (typeof path !== 'string' || path.length === 0) {
    throw invalidArgument(`path must be a non-empty string; got ${describe(path)}.`);
  }
}
