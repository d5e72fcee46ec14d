import { SimkitError, describe, invalidArgument } from '@simkit/core';
import { PythonLiteralError, parsePythonLiteral } from './python-literal.js';

/** NumPy dtypes that `.npy` files read and write here, named as NumPy names them. */
export type NpyDtype =
  | 'float32'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool';

/** The typed arrays that hold `.npy` data; `bool` is a Uint8Array of 0s and 1s. */
export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** An n-dimensional array in C (row-major) order. */
export interface NpyArray<D extends NpyData = NpyData> {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  readonly data: D;
}

/** What `encodeNpy` accepts: `shape` defaults to one dimension, `dtype` to the one of the typed array. */
export interface NpyInput {
  readonly data: NpyData;
  readonly shape?: readonly number[];
  readonly dtype?: NpyDtype;
}

type NpyArrayConstructor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => NpyData;

interface DtypeInfo {
  /** NumPy type character and item size, e.g. `f` and 4 for float32. */
  readonly kind: 'f' | 'i' | 'u' | 'b';
  readonly size: 1 | 2 | 4 | 8;
  readonly array: NpyArrayConstructor;
}

const DTYPES: Readonly<Record<NpyDtype, DtypeInfo>> = {
  float32: { kind: 'f', size: 4, array: Float32Array },
  float64: { kind: 'f', size: 8, array: Float64Array },
  int8: { kind: 'i', size: 1, array: Int8Array },
  uint8: { kind: 'u', size: 1, array: Uint8Array },
  int16: { kind: 'i', size: 2, array: Int16Array },
  uint16: { kind: 'u', size: 2, array: Uint16Array },
  int32: { kind: 'i', size: 4, array: Int32Array },
  uint32: { kind: 'u', size: 4, array: Uint32Array },
  int64: { kind: 'i', size: 8, array: BigInt64Array },
  uint64: { kind: 'u', size: 8, array: BigUint64Array },
  bool: { kind: 'b', size: 1, array: Uint8Array },
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** NumPy aligns the start of the data to this many bytes. */
const ALIGN = 64;
const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The `descr` NumPy writes for a dtype, e.g. `<f4`, `|b1`. */
function npyDescr(dtype: NpyDtype): string {
  const info = DTYPES[dtype];
  return `${info.size === 1 ? '|' : '<'}${info.kind}${info.size}`;
}

/**
 * The `.npy` header (magic, version, header length, dict, padding) for an array
 * of this dtype and shape. Version 1.0 unless the dict is too long for it.
 */
export function npyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  checkDtype(dtype);
  checkShape(shape);
  const dims = shape.map(String);
  const shapeText = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  const dict = `{'descr': '${npyDescr(dtype)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Version 1.0 stores the header length in 2 bytes; 2.0 in 4.
  const major = 10 + dict.length + 1 <= 0xffff ? 1 : 2;
  const prefix = major === 1 ? 10 : 12;
  const unpadded = prefix + dict.length + 1;
  const total = Math.ceil(unpadded / ALIGN) * ALIGN;
  const headerText = `${dict}${' '.repeat(total - unpadded)}\n`;
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, headerText.length, true);
  else view.setUint32(8, headerText.length, true);
  for (let i = 0; i < headerText.length; i++) out[prefix + i] = headerText.charCodeAt(i);
  return out;
}

/** Checks an array to write and returns its dtype and shape. */
export function checkNpyInput(input: NpyInput): { dtype: NpyDtype; shape: number[] } {
  if (input === null || typeof input !== 'object') {
    throw invalidArgument(`Expected { data, shape?, dtype? } to write as .npy; got ${describe(input)}.`);
  }
  const { data } = input;
  const dtype = input.dtype ?? inferDtype(data);
  checkDtype(dtype);
  const expected = DTYPES[dtype].array;
  if (!(data instanceof expected)) {
    throw invalidArgument(`dtype '${dtype}' needs its data in a ${expected.name}; got ${describe(data)}.`);
  }
  if (dtype === 'bool' && (data as Uint8Array).some((v) => v > 1)) {
    throw invalidArgument(`bool data must hold only 0 and 1; map other values with (v ? 1 : 0) first.`);
  }
  const shape = input.shape === undefined ? [data.length] : checkShape(input.shape);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw invalidArgument(
      `shape [${shape.join(', ')}] needs ${count} values but the data holds ${data.length}; pass a matching shape.`,
    );
  }
  return { dtype, shape };
}

function checkDtype(dtype: unknown): asserts dtype is NpyDtype {
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPES, dtype)) {
    throw invalidArgument(`dtype ${describe(dtype)} is not supported; use one of ${Object.keys(DTYPES).join(', ')}.`);
  }
}

function checkShape(shape: unknown): number[] {
  if (!Array.isArray(shape)) throw invalidArgument(`shape must be an array of integers ≥ 0; got ${describe(shape)}.`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw invalidArgument(`shape [${shape.join(', ')}] must hold integers ≥ 0.`);
    }
  }
  return Array.from(shape as number[]);
}

/** The little-endian bytes of `data` (a view without copying on little-endian machines). */
export function npyDataBytes(data: NpyData): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (IS_LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return bytes;
  const copy = new Uint8Array(bytes);
  swapBytes(copy, data.BYTES_PER_ELEMENT);
  return copy;
}

/** Encodes an array as the bytes of a `.npy` file (format 1.0, C order, little-endian). */
export function encodeNpy(input: NpyInput): Uint8Array {
  const { dtype, shape } = checkNpyInput(input);
  const header = npyHeader(dtype, shape);
  const body = npyDataBytes(input.data);
  const out = new Uint8Array(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}

/**
 * Decodes the bytes of a `.npy` file (format 1.0, 2.0 or 3.0) into a fresh,
 * aligned typed array. `what` names the source in error messages.
 * Throws CORRUPT_INDEX for damaged bytes and UNSUPPORTED for valid files this
 * reader does not handle (Fortran order, structured or object dtypes).
 */
export function decodeNpy(bytes: Uint8Array, what = 'the .npy data'): NpyArray {
  if (!(bytes instanceof Uint8Array)) {
    throw invalidArgument(`decodeNpy needs a Uint8Array (or Buffer); got ${describe(bytes)}.`);
  }
  const corrupt = (problem: string) =>
    new SimkitError('CORRUPT_INDEX', `${what} is not a valid .npy file: ${problem}.`, { details: { source: what } });
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw corrupt('it does not start with the magic string \\x93NUMPY');
  }
  const major = bytes[6] as number;
  if (major < 1 || major > 3) throw corrupt(`format version ${major}.${bytes[7]} is unknown`);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) throw corrupt('the header is truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = prefix + headerLength;
  if (bytes.length < dataStart) throw corrupt(`the header says ${headerLength} bytes but the file ends before that`);
  const headerBytes = bytes.subarray(prefix, dataStart);
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);

  let header: unknown;
  try {
    header = parsePythonLiteral(headerText);
  } catch (e) {
    if (e instanceof PythonLiteralError) throw corrupt(`the header is not a Python dict literal (${e.message})`);
    throw e;
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw corrupt('the header is not a dict');
  const h = header as Record<string, unknown>;
  const keys = Object.keys(h).sort().join(',');
  if (keys !== 'descr,fortran_order,shape') {
    throw corrupt(`the header has keys {${keys}} instead of {descr, fortran_order, shape}`);
  }
  const { descr, fortran_order: fortranOrder, shape } = h;
  if (typeof fortranOrder !== 'boolean') throw corrupt("'fortran_order' is not True or False");
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)) {
    throw corrupt("'shape' is not a tuple of integers ≥ 0");
  }
  if (typeof descr !== 'string') {
    throw new SimkitError(
      'UNSUPPORTED',
      `${what} has a structured dtype; only plain numeric and bool arrays are read.`,
    );
  }
  const parsed = parseDescr(descr);
  if (parsed === undefined) {
    throw new SimkitError(
      'UNSUPPORTED',
      `${what} has dtype '${descr}'; supported are ${Object.values(DTYPES)
        .map((d) => `${d.kind}${d.size}`)
        .join(', ')} (convert with arr.astype(...) before saving).`,
    );
  }
  const dims = shape as number[];
  if (fortranOrder && dims.filter((d) => d > 1).length > 1) {
    throw new SimkitError(
      'UNSUPPORTED',
      `${what} is stored in Fortran order; save it with np.save(path, np.ascontiguousarray(arr)) instead.`,
    );
  }
  const info = DTYPES[parsed.dtype];
  const count = dims.reduce((a, b) => a * b, 1);
  const expectedBytes = count * info.size;
  const actualBytes = bytes.length - dataStart;
  if (actualBytes !== expectedBytes) {
    throw corrupt(
      `shape (${dims.join(', ')}) of ${parsed.dtype} needs ${expectedBytes} data bytes but the file has ${actualBytes}${
        actualBytes < expectedBytes ? ' (truncated)' : ''
      }`,
    );
  }
  // A fresh buffer keeps the typed array aligned and independent of the input (a Buffer's slice() would share it).
  const body = new Uint8Array(actualBytes);
  body.set(bytes.subarray(dataStart));
  if (info.size > 1 && parsed.littleEndian !== IS_LITTLE_ENDIAN) swapBytes(body, info.size);
  return { dtype: parsed.dtype, shape: dims, data: new info.array(body.buffer, 0, count) };
}

function parseDescr(descr: string): { dtype: NpyDtype; littleEndian: boolean } | undefined {
  const m = /^([<>|=]?)([fiub])(\d)$/.exec(descr);
  if (m === null) return undefined;
  const [, order, kind, sizeText] = m;
  const size = Number(sizeText);
  const dtype = (Object.keys(DTYPES) as NpyDtype[]).find((d) => DTYPES[d].kind === kind && DTYPES[d].size === size);
  if (dtype === undefined) return undefined;
  if (order === '|' && size > 1) return undefined;
  const littleEndian = order === '>' ? false : order === '=' || order === '' ? IS_LITTLE_ENDIAN : true;
  return { dtype, littleEndian };
}

function inferDtype(data: unknown): NpyDtype {
  for (const dtype of Object.keys(DTYPES) as NpyDtype[]) {
    if (dtype !== 'bool' && data instanceof DTYPES[dtype].array) return dtype;
  }
  throw invalidArgument(`.npy data must be a typed array such as Float32Array or Int32Array; got ${describe(data)}.`);
}

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a] as number;
      bytes[a] = bytes[b] as number;
      bytes[b] = t;
    }
  }
}
