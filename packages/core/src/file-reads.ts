import { SimkitError } from './errors.js';
import { errnoCode, ioError, isOsFailure } from './io-errors.js';
import { nodeCrypto, nodeFiles } from './node-files.js';

type Hash = ReturnType<typeof import('node:crypto').createHash>;

/** What `readRegularFile` checks before it returns the bytes. */
export interface ReadRegularFileOptions {
  /** The file must have exactly this many bytes. */
  readonly bytes?: number;
  /** The file must not have more bytes than this. */
  readonly maxBytes?: number;
  /** The file's SHA-256 must be this (lower-case hex). */
  readonly sha256?: string;
  /** Builds the error for a file that is not what it should be. Default: CORRUPT_INDEX. */
  readonly corrupt?: (problem: string, cause?: unknown) => SimkitError;
}

const CHUNK = 1 << 20;

/**
 * Reads a whole file that must be a plain regular file: symlinks (in the last part of the
 * path), FIFOs, sockets and devices are refused without blocking, and nothing is allocated
 * before the file's real size is known and within bounds. With `sha256`, the content is
 * checked before it is returned. Missing or odd files are CORRUPT_INDEX; OS failures IO_ERROR.
 */
export async function readRegularFile(file: string, options: ReadRegularFileOptions = {}): Promise<Uint8Array> {
  let out: Buffer | undefined;
  await readChecked(file, options, (size) => {
    out = Buffer.allocUnsafe(size);
    return (offset, length) => (out as Buffer).subarray(offset, offset + length);
  });
  const bytes = out as Buffer;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Reads a file with the checks of `readRegularFile`, but hands its bytes to `onChunk` in
 * order, a chunk of at most 1 MiB at a time, instead of keeping them: for files too large to
 * hold twice. The chunk's memory is reused after `onChunk` returns. The checksum is known
 * only at the end, so a caller must not act on the bytes until this resolves.
 */
export async function scanRegularFile(
  file: string,
  onChunk: (chunk: Uint8Array, offset: number) => void,
  options: ReadRegularFileOptions = {},
): Promise<void> {
  let buffer: Buffer | undefined;
  await readChecked(
    file,
    options,
    (size) => {
      buffer = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
      return (_offset, length) => (buffer as Buffer).subarray(0, length);
    },
    onChunk,
  );
}

/**
 * The checked read both functions share. `target(size)` says where each chunk is read to
 * (given its offset and length); `filled`, when given, sees each chunk once it is read.
 */
async function readChecked(
  file: string,
  options: ReadRegularFileOptions,
  target: (size: number) => (offset: number, length: number) => Buffer,
  filled?: (chunk: Uint8Array, offset: number) => void,
): Promise<void> {
  const { fs } = await nodeFiles();
  const corrupt =
    options.corrupt ??
    ((problem: string, cause?: unknown) =>
      new SimkitError('CORRUPT_INDEX', `${file} cannot be loaded: ${problem}. Save it again.`, {
        details: { file },
        ...(cause === undefined ? {} : { cause }),
      }));
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
  let handle: Awaited<ReturnType<typeof fs.open>>;
  try {
    handle = await fs.open(file, O_RDONLY | (O_NOFOLLOW ?? 0) | (O_NONBLOCK ?? 0));
  } catch (cause) {
    if (isOsFailure(cause)) throw ioError(`Reading ${file}`, cause);
    const code = errnoCode(cause);
    if (code === 'ENOENT') throw corrupt('it is missing', cause);
    if (code === 'ELOOP') throw corrupt('it is a symbolic link, which a save never holds', cause);
    throw corrupt(`it cannot be opened (${code ?? String(cause)})`, cause);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw corrupt('it is not a regular file');
    const size = stat.size;
    if (options.bytes !== undefined && size !== options.bytes) {
      throw corrupt(`it has ${size} bytes but ${options.bytes} were saved (truncated, damaged or from another save)`);
    }
    if (options.maxBytes !== undefined && size > options.maxBytes) {
      throw corrupt(`it has ${size} bytes, more than the ${options.maxBytes} it can hold`);
    }
    const into = target(size);
    let hash: Hash | undefined;
    if (options.sha256 !== undefined) hash = (await nodeCrypto()).createHash('sha256');
    let offset = 0;
    while (offset < size) {
      const length = Math.min(CHUNK, size - offset);
      const chunk = into(offset, length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await handle.read(chunk, got, length - got, offset + got);
        if (bytesRead === 0) throw corrupt('it became shorter while it was read');
        got += bytesRead;
      }
      hash?.update(chunk);
      filled?.(chunk, offset);
      offset += length;
    }
    // One more byte would mean the file grew after it was measured.
    const { bytesRead: extra } = await handle.read(Buffer.alloc(1), 0, 1, size);
    if (extra !== 0) throw corrupt('it grew while it was read');
    if (hash !== undefined && hash.digest('hex') !== options.sha256) {
      throw corrupt('it does not match its checksum (damaged, or from another save)');
    }
  } catch (cause) {
    if (SimkitError.isInstance(cause)) throw cause;
    if (isOsFailure(cause)) throw ioError(`Reading ${file}`, cause);
    throw corrupt(`it cannot be read (${errnoCode(cause) ?? String(cause)})`, cause);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
