import { SimkitError, invalidArgument } from './errors.js';

/** A row-major batch of embeddings: `rows` vectors of `dim` floats in one Float32Array. */
export interface EmbeddingBatch {
  readonly data: Float32Array;
  readonly rows: number;
  readonly dim: number;
}

/** What public entry points accept as embeddings. */
export type EmbeddingsInput = EmbeddingBatch | Float32Array | ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

/** Builds an EmbeddingBatch over `data` without copying. */
export function batch(data: Float32Array, dim: number): EmbeddingBatch {
  if (!(data instanceof Float32Array)) {
    throw invalidArgument(`batch() needs a Float32Array; got ${describe(data)}. Use toBatch() for other inputs.`);
  }
  assertPositiveInteger(dim, 'dim');
  if (data.length % dim !== 0) {
    throw new SimkitError(
      'DIMENSION_MISMATCH',
      `Embedding data has ${data.length} values, which is not a multiple of dim=${dim}; pass rows of exactly ${dim} floats.`,
      { details: { expected: dim, values: data.length } },
    );
  }
  return { data, rows: data.length / dim, dim };
}

/** A typed array whose elements are JS numbers (every typed array but the BigInt ones). */
export type NumericTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array;

/** True for a typed array whose elements are numbers: not a DataView, not a BigInt64Array. */
export function isNumericTypedArray(x: unknown): x is NumericTypedArray {
  return (
    ArrayBuffer.isView(x) && !(x instanceof DataView) && !(x instanceof BigInt64Array) && !(x instanceof BigUint64Array)
  );
}

/** An object that means to be `{ data, rows, dim }` (a tensor or an array is not one). */
function looksLikeBatch(x: unknown): x is Record<'data' | 'rows' | 'dim', unknown> {
  return (
    typeof x === 'object' &&
    x !== null &&
    !Array.isArray(x) &&
    !ArrayBuffer.isView(x) &&
    'data' in x &&
    ('rows' in x || 'dim' in x)
  );
}

/** Checks the fields of a `{ data, rows, dim }` object; the values are checked by the caller. */
function checkBatchObject(x: Record<'data' | 'rows' | 'dim', unknown>, what: string): EmbeddingBatch {
  const { data, rows, dim } = x;
  if (!(data instanceof Float32Array)) {
    throw invalidArgument(
      `${what}: a { data, rows, dim } batch needs data to be a Float32Array; got ${describe(data)}. Convert with Float32Array.from(...) or pass an array of rows.`,
    );
  }
  if (typeof rows !== 'number' || !Number.isSafeInteger(rows) || rows < 0) {
    throw invalidArgument(`${what}: batch.rows must be an integer ≥ 0; got ${describe(rows)}.`);
  }
  if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0 || (dim === 0 && rows > 0)) {
    throw invalidArgument(`${what}: batch.dim must be an integer ≥ 1; got ${describe(dim)}.`);
  }
  if (rows * dim !== data.length) {
    throw invalidArgument(`${what}: batch says ${rows} rows × ${dim} dims but holds ${data.length} values.`, {
      rows,
      dim,
      values: data.length,
    });
  }
  return { data, rows, dim };
}

/** A Float32Array of `length` values, or INVALID_ARGUMENT when it cannot be allocated. */
function allocate(length: number, what: string): Float32Array {
  try {
    return new Float32Array(length);
  } catch (cause) {
    throw new SimkitError(
      'INVALID_ARGUMENT',
      `${what}: ${length} values do not fit in one Float32Array; pass fewer rows per call.`,
      { details: { values: length }, cause },
    );
  }
}

/** The error for a value that is not a JS number. */
function notANumber(value: unknown, row: number, column: number, what: string): SimkitError {
  return invalidArgument(
    `${what}: row ${row}, column ${column} is ${describe(value)}, not a number; embeddings hold numbers only (convert them before passing them in).`,
    { row, column },
  );
}

/** The error for NaN, ±Infinity, or a number too large for a 32-bit float. */
function notFinite(value: number, row: number, column: number, what: string): SimkitError {
  const why = Number.isFinite(value) ? 'is too large for a 32-bit float' : 'is not finite';
  return invalidArgument(
    `${what}: value ${value} at row ${row}, column ${column} ${why}; remove or fix NaN/Infinity before indexing or searching.`,
    { row, column },
  );
}

/**
 * Copies `count` values of `src` from `from` into `out` at `to`, checking each one in
 * the same pass: a JS number whose float32 value is finite. `dim` and `firstRow` only
 * serve to name the row and column of a bad value.
 */
function copyChecked(
  src: ArrayLike<unknown>,
  from: number,
  out: Float32Array,
  to: number,
  count: number,
  dim: number,
  firstRow: number,
  what: string,
): void {
  for (let j = 0; j < count; j++) {
    const v = src[from + j];
    if (typeof v !== 'number') throw notANumber(v, firstRow + Math.floor(j / dim), j % dim, what);
    const f = Math.fround(v);
    // f - f is NaN exactly for NaN and ±Infinity (also after float32 overflow).
    if (f - f !== 0) throw notFinite(v, firstRow + Math.floor(j / dim), j % dim, what);
    out[to + j] = f;
  }
}

/** Array of rows: each row an array of numbers or a numeric typed array, all of one length. */
function fromRows(rows: ReadonlyArray<unknown>, dim: number | undefined, what: string): EmbeddingBatch {
  const first = rows[0];
  if (!Array.isArray(first) && !isNumericTypedArray(first)) throw notARow(first, 0, what);
  const d = first.length;
  if (d === 0) throw invalidArgument(`${what}: rows must not be empty.`);
  if (dim !== undefined && d !== dim) throw dimensionMismatch(d, dim, what);
  const data = allocate(rows.length * d, what);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!Array.isArray(row) && !isNumericTypedArray(row)) throw notARow(row, r, what);
    if (row.length !== d) {
      throw new SimkitError(
        'DIMENSION_MISMATCH',
        `${what}: row ${r} has ${row.length} values but row 0 has ${d}; every row must have the same length.`,
        { details: { row: r, expected: d, actual: row.length } },
      );
    }
    if (row instanceof Float32Array) {
      data.set(row, r * d);
      assertFiniteFrom(data, r * d, d, d, what);
    } else {
      copyChecked(row, 0, data, r * d, d, d, r, what);
    }
  }
  return { data, rows: rows.length, dim: d };
}

/** A flat array of numbers (or a numeric typed array): one vector, or rows of `dim`. */
function fromFlat(flat: ArrayLike<unknown>, dim: number | undefined, what: string): EmbeddingBatch {
  if (flat.length === 0) return { data: new Float32Array(0), rows: 0, dim: dim ?? 0 };
  const d = dim ?? flat.length;
  assertPositiveInteger(d, 'dim');
  if (flat.length % d !== 0) throw notMultiple(flat.length, d, what);
  const data = allocate(flat.length, what);
  copyChecked(flat, 0, data, 0, flat.length, d, 0, what);
  return { data, rows: flat.length / d, dim: d };
}

function notARow(row: unknown, r: number, what: string): SimkitError {
  return invalidArgument(
    `${what}: row ${r} is ${describe(row)}; each row must be an array of numbers or a numeric typed array.`,
    { row: r },
  );
}

function notMultiple(length: number, dim: number, what: string): SimkitError {
  return new SimkitError(
    'DIMENSION_MISMATCH',
    `${what}: ${length} values are not a multiple of dim=${dim}; pass rows of exactly ${dim} floats.`,
    { details: { expected: dim, values: length } },
  );
}

function dimensionMismatch(actual: number, expected: number, what: string): SimkitError {
  return new SimkitError(
    'DIMENSION_MISMATCH',
    `${what}: got vectors of dimension ${actual}, expected ${expected}. Every vector in an index has the same dimension.`,
    { details: { expected, actual } },
  );
}

/**
 * Turns any accepted embeddings input into a checked EmbeddingBatch.
 * Accepted: a Float32Array (used without copying), another numeric typed array,
 * an array of numbers, an array of rows (arrays of numbers or typed arrays), or
 * `{ data: Float32Array, rows, dim }`. A flat input is one vector unless `dim`
 * says how to split it. Only JS numbers are accepted — no strings, booleans,
 * null, BigInts or nested arrays — and every value must be finite as a float32.
 * Bad values are found in the same pass that copies, and named by row and column.
 */
export function toBatch(input: EmbeddingsInput, dim?: number, what = 'embeddings'): EmbeddingBatch {
  if (dim !== undefined) assertPositiveInteger(dim, 'dim');
  if (input instanceof Float32Array) {
    const out =
      input.length === 0 && dim === undefined ? { data: input, rows: 0, dim: 0 } : batch(input, dim ?? input.length);
    assertFinite(out, what);
    return out;
  }
  if (Array.isArray(input)) {
    const first: unknown = input[0];
    if (Array.isArray(first) || ArrayBuffer.isView(first)) return fromRows(input, dim, what);
    const out = fromFlat(input, dim, what);
    if (dim !== undefined && out.rows > 0 && out.dim !== dim) throw dimensionMismatch(out.dim, dim, what);
    return out;
  }
  if (isNumericTypedArray(input)) {
    const out = fromFlat(input, dim, what);
    if (dim !== undefined && out.rows > 0 && out.dim !== dim) throw dimensionMismatch(out.dim, dim, what);
    return out;
  }
  if (looksLikeBatch(input)) {
    const out = checkBatchObject(input, what);
    if (dim !== undefined && out.rows > 0 && out.dim !== dim) throw dimensionMismatch(out.dim, dim, what);
    assertFinite(out, what);
    return out;
  }
  throw invalidArgument(
    `${what}: expected a Float32Array, an array of numbers, an array of rows, or { data, rows, dim }; got ${describe(input)}.`,
  );
}

/** Throws INVALID_ARGUMENT naming the first NaN or ±Infinity in the batch. */
export function assertFinite(b: EmbeddingBatch, what = 'embeddings'): void {
  assertFiniteFrom(b.data, 0, b.data.length, b.dim, what);
}

/** Checks `count` values of `data` from `start` (a whole number of rows of `dim`). */
function assertFiniteFrom(data: Float32Array, start: number, count: number, dim: number, what: string): void {
  const end = start + count;
  for (let i = start; i < end; i++) {
    const v = data[i] as number;
    // v - v is NaN exactly for NaN and ±Infinity.
    if (v - v !== 0) throw notFinite(v, Math.floor(i / dim), i % dim, what);
  }
}

/** Row `i` of a batch as a view (no copy). */
export function row(b: EmbeddingBatch, i: number): Float32Array {
  return b.data.subarray(i * b.dim, (i + 1) * b.dim);
}

/** Throws INVALID_ARGUMENT naming `name` unless `value` is a safe integer ≥ 1. */
export function assertPositiveInteger(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalidArgument(`${name} must be an integer ≥ 1; got ${describe(value)}.`);
  }
}

/** Throws INVALID_ARGUMENT naming `name` unless `value` is a safe integer ≥ 0. */
export function assertNonNegativeInteger(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(`${name} must be an integer ≥ 0; got ${describe(value)}.`);
  }
}

/** Largest id: ids are stored as int32. */
const MAX_ID = 0x7fffffff;

/**
 * Checks ids: an array (or numeric typed array) of integers in [0, 2^31 − 1].
 * A bare number, null, a string or any other object is refused, never read as "no ids".
 * Returns them as a new Int32Array.
 */
export function toIds(ids: ArrayLike<number>, what = 'ids'): Int32Array {
  if (!Array.isArray(ids) && !isNumericTypedArray(ids)) {
    const hint = typeof ids === 'number' ? ` To pass one id, wrap it in an array: [${ids}].` : '';
    throw invalidArgument(`${what} must be an array of integer ids; got ${describe(ids)}.${hint}`);
  }
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id: unknown = ids[i];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_ID) {
      throw invalidArgument(`${what}[${i}] = ${describe(id)} is not a valid id (an integer from 0 to ${MAX_ID}).`, {
        index: i,
      });
    }
    out[i] = id;
  }
  return out;
}

/** A short, safe description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `${value}n (a BigInt)`;
  if (typeof value === 'symbol') return 'a Symbol';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  if (ArrayBuffer.isView(value)) return `a ${tag}`;
  const ctor: unknown = Object.getPrototypeOf(value)?.constructor?.name;
  return typeof ctor === 'string' && ctor !== '' && ctor !== tag ? `an object (${ctor})` : `an object (${tag})`;
}
