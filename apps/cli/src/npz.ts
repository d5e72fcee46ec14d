import { inflateRawSync } from 'node:zlib';
import { SimkitError, crc32 } from '@simkit/core';
import { decodeNpy } from '@simkit/store-memory';
import { NdArray, decodeElements, parseDescr, shapeCount, unpickle } from './pickle.js';

/** One entry of an `.npz` file: a `name.npy` entry as an array, any other entry as its raw bytes. */
export type NpzValue = NdArray | Uint8Array;

/** Options of `readNpz`. */
export interface ReadNpzOptions {
  /** Most bytes all entries together may inflate to. Default 1 GiB. */
  readonly maxBytes?: number;
  /** Names the file in error messages, e.g. its path. Default `the .npz file`. */
  readonly what?: string;
}

/** Default limit on what an archive may inflate to. */
export const DEFAULT_NPZ_MAX_BYTES = 1 << 30;

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const U32_MAX = 0xffffffff;

interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
  dataStart: number;
}

/**
 * Reads an `.npz` archive as NumPy's `np.savez` / `np.savez_compressed` write it: a ZIP file of
 * `name.npy` entries, stored or deflated. Each `.npy` entry is decoded to an `NdArray` under its
 * name without `.npy`: numeric and bool dtypes, unicode strings (`<U`), byte strings (`|S`) and
 * object arrays (`|O`, read by the restricted unpickler, which executes nothing). Entries with
 * other names are returned as raw bytes.
 *
 * Nothing is allocated beyond what the file's own bytes justify: counts and sizes are checked
 * against the file length, the declared inflated sizes against `maxBytes` before anything is
 * inflated, inflation stops at the declared size, and every entry's CRC-32 is checked.
 *
 * @throws SimkitError CORRUPT_INDEX naming the file and the problem for damaged or hostile
 *   archives; UNSUPPORTED for ZIP64 archives, encrypted entries and compression other than
 *   deflate, and for NumPy dtypes not read here.
 */
export function readNpz(bytes: Uint8Array, options: ReadNpzOptions = {}): Map<string, NpzValue> {
  const what = options.what ?? 'the .npz file';
  const maxBytes = options.maxBytes ?? DEFAULT_NPZ_MAX_BYTES;
  if (!(bytes instanceof Uint8Array)) {
    throw new SimkitError('INVALID_ARGUMENT', 'readNpz needs the bytes of the file as a Uint8Array.');
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new SimkitError('INVALID_ARGUMENT', `maxBytes must be an integer ≥ 0; got ${String(maxBytes)}.`);
  }
  const corrupt = (problem: string) =>
    new SimkitError('CORRUPT_INDEX', `${what} is not a readable .npz archive: ${problem}.`, {
      details: { file: what },
    });
  const entries = readCentralDirectory(bytes, what, corrupt);
  let total = 0;
  for (const e of entries) total += e.size;
  if (total > maxBytes) {
    throw corrupt(
      `its entries declare ${total} bytes once inflated, more than the limit of ${maxBytes} (raise maxBytes if the file is genuine)`,
    );
  }
  const out = new Map<string, NpzValue>();
  for (const e of entries) {
    const raw = inflateEntry(bytes, e, corrupt);
    if (e.name.endsWith('.npy')) {
      const key = e.name.slice(0, -4);
      out.set(key, decodeNpyEntry(raw, `${e.name} in ${what}`));
    } else {
      out.set(e.name, raw);
    }
  }
  return out;
}

function u16(b: Uint8Array, at: number): number {
  return (b[at] as number) | ((b[at + 1] as number) << 8);
}

function u32(b: Uint8Array, at: number): number {
  return (
    ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16)) +
    (b[at + 3] as number) * 0x1000000
  );
}

function readCentralDirectory(b: Uint8Array, what: string, corrupt: (problem: string) => SimkitError): ZipEntry[] {
  const unsupported = (problem: string) =>
    new SimkitError('UNSUPPORTED', `${what} cannot be read: ${problem}.`, { details: { file: what } });
  if (b.length < EOCD_SIZE) throw corrupt(`it has ${b.length} bytes, fewer than any ZIP file (truncated?)`);
  let eocd = -1;
  for (let i = b.length - EOCD_SIZE; i >= Math.max(0, b.length - EOCD_SIZE - 0xffff); i--) {
    if (u32(b, i) === EOCD_SIG && i + EOCD_SIZE + u16(b, i + 20) === b.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt('no end-of-central-directory record was found (truncated, or not a ZIP file)');
  const disk = u16(b, eocd + 4);
  const cdDisk = u16(b, eocd + 6);
  const onDisk = u16(b, eocd + 8);
  const count = u16(b, eocd + 10);
  const cdSize = u32(b, eocd + 12);
  const cdOffset = u32(b, eocd + 16);
  if (
    count === 0xffff ||
    cdSize === U32_MAX ||
    cdOffset === U32_MAX ||
    (eocd >= 20 && u32(b, eocd - 20) === ZIP64_LOCATOR_SIG)
  ) {
    throw unsupported('it is a ZIP64 archive (over 4 GiB or 65535 entries), which this reader does not handle');
  }
  if (disk !== 0 || cdDisk !== 0 || onDisk !== count) throw corrupt('it claims to span several disks');
  if (cdOffset + cdSize > eocd)
    throw corrupt(`its central directory (${cdSize} bytes at ${cdOffset}) runs past the end`);
  if (count * CENTRAL_SIZE > cdSize)
    throw corrupt(`${count} entries cannot fit in a central directory of ${cdSize} bytes`);
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + CENTRAL_SIZE > cdOffset + cdSize || u32(b, p) !== CENTRAL_SIG) {
      throw corrupt(`central directory entry ${i} is damaged`);
    }
    const flags = u16(b, p + 8);
    const method = u16(b, p + 10);
    const crc = u32(b, p + 16);
    const compressedSize = u32(b, p + 20);
    const size = u32(b, p + 24);
    const nameLength = u16(b, p + 28);
    const extraLength = u16(b, p + 30);
    const commentLength = u16(b, p + 32);
    const localOffset = u32(b, p + 42);
    const end = p + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (end > cdOffset + cdSize) throw corrupt(`central directory entry ${i} runs past the directory`);
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(
      b.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLength),
    );
    if (flags & 1) throw unsupported(`entry '${name}' is encrypted`);
    if (method !== 0 && method !== 8)
      throw unsupported(`entry '${name}' uses compression method ${method}; only stored and deflate are read`);
    if (compressedSize === U32_MAX || size === U32_MAX || localOffset === U32_MAX) {
      throw unsupported(`entry '${name}' needs ZIP64 sizes (over 4 GiB), which this reader does not handle`);
    }
    if (method === 0 && compressedSize !== size)
      throw corrupt(`stored entry '${name}' has different packed and unpacked sizes`);
    if (names.has(name)) throw corrupt(`entry '${name}' appears twice`);
    names.add(name);
    entries.push({ name, method, crc, compressedSize, size, localOffset, dataStart: 0 });
    p = end;
  }
  // Each entry's local header and data must lie before the central directory, without overlaps.
  const byOffset = [...entries].sort((x, y) => x.localOffset - y.localOffset);
  let free = 0;
  for (const e of byOffset) {
    const at = e.localOffset;
    if (at < free || at + LOCAL_SIZE > cdOffset || u32(b, at) !== LOCAL_SIG) {
      throw corrupt(`the local header of entry '${e.name}' is missing, damaged or overlaps another entry`);
    }
    const nameLength = u16(b, at + 26);
    const extraLength = u16(b, at + 28);
    const localName = new TextDecoder(u16(b, at + 6) & 0x800 ? 'utf-8' : 'latin1').decode(
      b.subarray(at + LOCAL_SIZE, at + LOCAL_SIZE + nameLength),
    );
    if (localName !== e.name || u16(b, at + 8) !== e.method) {
      throw corrupt(`the local header of entry '${e.name}' does not match the central directory`);
    }
    e.dataStart = at + LOCAL_SIZE + nameLength + extraLength;
    free = e.dataStart + e.compressedSize;
    if (free > cdOffset) throw corrupt(`the data of entry '${e.name}' runs past the central directory (truncated?)`);
  }
  return entries;
}

function inflateEntry(b: Uint8Array, e: ZipEntry, corrupt: (problem: string) => SimkitError): Uint8Array {
  const packed = b.subarray(e.dataStart, e.dataStart + e.compressedSize);
  let raw: Uint8Array;
  if (e.method === 0) {
    raw = packed;
  } else {
    try {
      // Inflation stops as soon as the output would pass the declared size.
      raw = inflateRawSync(packed, { maxOutputLength: Math.max(1, e.size) });
    } catch (cause) {
      const code = (cause as { code?: unknown }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || cause instanceof RangeError) {
        throw corrupt(`entry '${e.name}' inflates to more than the ${e.size} bytes it declares`);
      }
      throw corrupt(`the deflate data of entry '${e.name}' is damaged (${(cause as Error).message})`);
    }
  }
  if (raw.length !== e.size) throw corrupt(`entry '${e.name}' has ${raw.length} bytes but declares ${e.size}`);
  if (crc32(raw) !== e.crc) throw corrupt(`entry '${e.name}' does not match its CRC-32 (damaged)`);
  return raw;
}

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/**
 * Decodes one `.npy` file: numeric and bool arrays through `decodeNpy` of @simkit/store-memory,
 * `<U` and `|S` arrays here, object arrays through the restricted unpickler.
 */
export function decodeNpyEntry(bytes: Uint8Array, what: string): NdArray {
  const corrupt = (problem: string) =>
    new SimkitError('CORRUPT_INDEX', `${what} is not a valid .npy file: ${problem}.`, { details: { source: what } });
  if (bytes.length < 10 || NPY_MAGIC.some((x, i) => bytes[i] !== x)) {
    throw corrupt('it does not start with the magic string \\x93NUMPY');
  }
  const major = bytes[6] as number;
  if (major < 1 || major > 3) throw corrupt(`format version ${major} is unknown`);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) throw corrupt('the header is truncated');
  const headerLength = major === 1 ? u16(bytes, 8) : u32(bytes, 8);
  const dataStart = prefix + headerLength;
  if (dataStart > bytes.length) throw corrupt(`the header says ${headerLength} bytes but the file ends before that`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(prefix, dataStart));
  const descrMatch = /'descr':\s*'([^']*)'/.exec(header);
  const fortranMatch = /'fortran_order':\s*(True|False)/.exec(header);
  const shapeMatch = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (descrMatch === null) {
    if (/'descr':\s*\[/.test(header)) {
      throw new SimkitError('UNSUPPORTED', `${what} has a structured dtype; only plain arrays are read.`);
    }
    throw corrupt("the header has no 'descr'");
  }
  if (fortranMatch === null || shapeMatch === null) throw corrupt("the header lacks 'fortran_order' or 'shape'");
  const descr = parseDescr(descrMatch[1] as string);
  if (descr === undefined) {
    throw new SimkitError(
      'UNSUPPORTED',
      `${what} has dtype '${descrMatch[1]}'; read are numeric, bool, unicode (<U), bytes (|S) and object (|O) arrays.`,
    );
  }
  if (descr.kind === 'numeric') {
    const a = decodeNpy(bytes, what);
    return new NdArray(a.dtype, [...a.shape], a.data);
  }
  const parts = (shapeMatch[1] as string)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (parts.some((s) => !/^\d{1,16}$/.test(s)))
    throw corrupt(`the shape (${shapeMatch[1]}) is not a tuple of integers`);
  const shape = parts.map(Number);
  const count = shapeCount(shape);
  if (count < 0) throw corrupt(`the shape (${shapeMatch[1]}) is too large`);
  if (fortranMatch[1] === 'True' && shape.filter((n) => n > 1).length > 1) {
    throw new SimkitError('UNSUPPORTED', `${what} is stored in Fortran order; save np.ascontiguousarray(arr) instead.`);
  }
  const body = bytes.subarray(dataStart);
  if (descr.kind === 'object') {
    // Every element of a pickled list takes at least one opcode byte.
    if (count > body.length) throw corrupt(`the shape claims ${count} objects but only ${body.length} bytes follow`);
    const value = unpickle(body, { what });
    if (!(value instanceof NdArray) || value.dtype !== 'object')
      throw corrupt('the pickle does not hold an object array');
    if (value.shape.length !== shape.length || value.shape.some((n, i) => n !== shape[i])) {
      throw corrupt(
        `the pickled array has shape (${value.shape.join(', ')}) but the header says (${shape.join(', ')})`,
      );
    }
    return value;
  }
  const data = decodeElements(descr, body, count, (p) => corrupt(`shape (${shape.join(', ')}): ${p}`));
  return new NdArray(descr.kind, shape, data);
}
