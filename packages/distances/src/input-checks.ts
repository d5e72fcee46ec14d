import { SimkitError, assertPositiveInteger, describe, invalidArgument } from '@simkit/core';

/** Shape of a checked `batch` call. */
export interface BatchShape {
  readonly rows: number;
  readonly cols: number;
  readonly out: Float32Array;
}

function assertFloat32(value: unknown, what: string): asserts value is Float32Array {
  if (!(value instanceof Float32Array)) {
    throw invalidArgument(
      `${what} must be a Float32Array; got ${describe(value)}. Convert with Float32Array.from(...).`,
    );
  }
}

/** Checks the two vectors of `compute`: Float32Arrays of the same, non-zero length. */
export function checkVectorPair(a: unknown, b: unknown, distance: string): asserts a is Float32Array {
  assertFloat32(a, `${distance}.compute: a`);
  assertFloat32(b, `${distance}.compute: b`);
  if (a.length !== b.length) {
    throw new SimkitError(
      'DIMENSION_MISMATCH',
      `${distance}.compute: vectors have lengths ${a.length} and ${b.length}; both must have the same dimension.`,
      { details: { expected: a.length, actual: b.length } },
    );
  }
  if (a.length === 0) throw invalidArgument(`${distance}.compute: vectors are empty; pass at least one value each.`);
}

/** Checks the arguments of `batch` and returns row counts and the output buffer (allocated when not given). */
export function checkBatch(queries: unknown, keys: unknown, dim: unknown, out: unknown, distance: string): BatchShape {
  assertFloat32(queries, `${distance}.batch: queries`);
  assertFloat32(keys, `${distance}.batch: keys`);
  assertPositiveInteger(dim, `${distance}.batch: dim`);
  for (const [data, what] of [
    [queries, 'queries'],
    [keys, 'keys'],
  ] as const) {
    if (data.length % dim !== 0) {
      throw new SimkitError(
        'DIMENSION_MISMATCH',
        `${distance}.batch: ${what} hold ${data.length} values, not a multiple of dim=${dim}; pass whole rows of ${dim} floats.`,
        { details: { dim, length: data.length } },
      );
    }
  }
  const rows = queries.length / dim;
  const cols = keys.length / dim;
  if (out === undefined) return { rows, cols, out: allocate(rows, cols, distance) };
  assertFloat32(out, `${distance}.batch: out`);
  if (out.length < rows * cols) {
    throw invalidArgument(
      `${distance}.batch: out holds ${out.length} values but ${rows} queries × ${cols} keys need ${rows * cols}; pass a larger buffer or none.`,
    );
  }
  return { rows, cols, out };
}

/** The `rows × cols` output of `batch`, or INVALID_ARGUMENT when it is too large to allocate. */
function allocate(rows: number, cols: number, distance: string): Float32Array {
  try {
    return new Float32Array(rows * cols);
  } catch (cause) {
    throw new SimkitError(
      'INVALID_ARGUMENT',
      `${distance}.batch: ${rows} queries × ${cols} keys = ${rows * cols} distances do not fit in one Float32Array; pass fewer queries per call.`,
      { details: { rows, cols }, cause },
    );
  }
}

/** Index of the first row holding NaN or ±Infinity, or -1. Only used to explain an error. */
export function firstNonFiniteRow(data: Float32Array, dim: number): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v - v !== 0) return Math.floor(i / dim);
  }
  return -1;
}

/** The error for NaN/Infinity found in the inputs of `compute` or `batch`. */
export function nonFiniteError(distance: string, queries: Float32Array, keys: Float32Array, dim: number): SimkitError {
  const q = firstNonFiniteRow(queries, dim);
  const k = firstNonFiniteRow(keys, dim);
  const where = q >= 0 ? `query row ${q}` : k >= 0 ? `key row ${k}` : 'the inputs';
  return invalidArgument(
    `${distance}: ${where} contains NaN or Infinity; remove or fix non-finite values before computing distances.`,
    { queryRow: q, keyRow: k },
  );
}

/** Checks a row-major Float32Array of whole rows of `dim` and returns its row count. */
export function checkRows(data: unknown, dim: unknown, what: string): number {
  assertFloat32(data, what);
  assertPositiveInteger(dim, `${what.split(':')[0]}: dim`);
  if (data.length % dim !== 0) {
    throw new SimkitError(
      'DIMENSION_MISMATCH',
      `${what} hold ${data.length} values, not a multiple of dim=${dim}; pass whole rows of ${dim} floats.`,
      { details: { dim, length: data.length } },
    );
  }
  return data.length / dim;
}

/** Returns `out` when it is a Float64Array of at least `need` values, a new one when it is undefined; throws otherwise. */
export function checkFloat64Out(out: unknown, need: number, what: string): Float64Array {
  if (out === undefined) return new Float64Array(need);
  if (!(out instanceof Float64Array) || out.length < need) {
    const got = out instanceof Float64Array ? `a Float64Array of ${out.length}` : describe(out);
    throw invalidArgument(
      `${what} need an out buffer of at least ${need} float64 values; got ${got}. Pass a larger Float64Array or none.`,
    );
  }
  return out;
}
