import { SimkitError, describe, errnoCode, fileError, invalidArgument, readRegularFile } from '@simkit/core';
import { type NpyArray, type NpyInput, checkNpyInput, decodeNpy, npyDataBytes, npyHeader } from './npy-codec.js';
import { gunzip, gzip, isGzip, nodeIo, writeFileParts } from './node-io.js';

/** Options of `writeNpy`. */
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
  try {
    await writeFileParts(io, path, compress ? [await gzip(io, parts)] : parts, { sync: true });
  } catch (cause) {
    throw fileError(`Writing ${path}`, cause, (c) =>
      invalidArgument(
        `Could not write ${path} (${errnoCode(c) ?? String(c)}); pass a path where a file can be written.`,
      ),
    );
  }
}

/** Options of `readNpy`. */
export interface ReadNpyOptions {
  /** Largest array, in bytes once decompressed, that the file may hold. Default 1 GiB. */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_NPY_BYTES = 1 << 30;

/**
 * Reads a NumPy `.npy` file (gzipped or not, detected from its first bytes). Links are
 * followed, but the file must be a regular file: a FIFO or a device is refused at once.
 * Neither the file nor what it inflates to may exceed `maxBytes`, so a decompression bomb
 * stops there. A missing file fails with NOT_FOUND, damaged bytes with CORRUPT_INDEX.
 * Node.js only.
 */
export async function readNpy(path: string, options: ReadNpyOptions = {}): Promise<NpyArray> {
  checkPath(path);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_NPY_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw invalidArgument(`options.maxBytes must be a positive integer; got ${describe(maxBytes)}.`);
  }
  const io = await nodeIo();
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(await io.fs.realpath(path), { maxBytes });
  } catch (cause) {
    if (errnoCode(cause) === 'ENOENT') {
      throw new SimkitError('NOT_FOUND', `No .npy file at ${path}; check the path.`, { cause });
    }
    throw fileError(`Reading ${path}`, cause, (c) =>
      invalidArgument(`Could not read ${path} (${errnoCode(c) ?? String(c)}); pass the path of a .npy file.`),
    );
  }
  if (isGzip(bytes)) {
    try {
      bytes = await gunzip(io, bytes, maxBytes);
    } catch (cause) {
      const tooBig = errnoCode(cause) === 'ERR_BUFFER_TOO_LARGE';
      throw new SimkitError(
        'CORRUPT_INDEX',
        tooBig
          ? `${path} inflates to more than ${maxBytes} bytes; pass a larger options.maxBytes if the array really is that big.`
          : `${path} looks gzipped but does not decompress (truncated or damaged).`,
        { cause },
      );
    }
  }
  return decodeNpy(bytes, path);
}

function checkPath(path: unknown): asserts path is string {
  if (typeof path !== 'string' || path.length === 0) {
    throw invalidArgument(`path must be a non-empty string; got ${describe(path)}.`);
  }
}
