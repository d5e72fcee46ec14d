import { SimkitError, invalidArgument } from './errors.js';

/** A row-major batch of embeddings: `rows` vectors of `dim` floats in one Float32Array. */
export interface EmbeddingBatch {
  readonly data: Float32Array;
  readonly rows: number;
  readonly dim: number;
}

/** What public entry points accept as embeddings. */
export type EmbeddingsInput =
  | EmbeddingBatch
  | Float32Array
  | ArrayLike<number>
  | ReadonlyArray<ArrayLike<number>>;

/** Builds an EmbeddingBatch over `data` without copying. */
export function batch(data: Float32Array, dim: number): EmbeddingBatch {
  assertPositiveInteger(dim, 'dim');
  if (data.length % dim !== 0) {
    throw new SimkitError(
      'DIMENSION_MISMATCH',
      `Embedding data has ${data.length} values, which is not a multiple of dim=${dim}; pass rows of exactly ${dim} floats.`,
    );
  }
  return { data, rows: data.length / dim, dim };
}

function isBatch(x: unknown): x is EmbeddingBatch {
  return (
    typeof x === 'object' &&
    x !== null &&
    (x as EmbeddingBatch).data instanceof Float32Array &&
    typeof (x as EmbeddingBatch).rows === 'number' &&
    typeof (x as EmbeddingBatch).dim === 'number'
  );
}

/**
 * Turns any accepted embeddings input into a checked EmbeddingBatch.
 * A flat array (or Float32Array) is one vector unless `dim` says how to split it.
 * Rejects ragged rows, a dimension other than `dim`, and NaN/Infinity.
 * Float32Array input is used without copying.
 */
export function toBatch(input: EmbeddingsInput, dim?: number, what = 'embeddings'): EmbeddingBatch {
  let out: EmbeddingBatch;
  if (isBatch(input)) {
    if (input.data.length !== input.rows * input.dim) {
      throw invalidArgument(
        `${what}: batch says ${input.rows} rows × ${input.dim} dims but holds ${input.data.length} values.`,
      );
    }
    out = input;
  } else if (input instanceof Float32Array) {
    out = batch(input, dim ?? input.length);
  } else if (Array.isArray(input) && input.length > 0 && typeof input[0] !== 'number') {
    const rows = input as ReadonlyArray<ArrayLike<number>>;
    const d = rows[0]?.length ?? 0;
    if (d === 0) throw invalidArgument(`${what}: rows must not be empty.`);
    const data = new Float32Array(rows.length * d);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      if (row === undefined || typeof row.length !== 'number' || row.length !== d) {
        throw new SimkitError(
          'DIMENSION_MISMATCH',
          `${what}: row ${r} has ${row?.length ?? 'no'} values but row 0 has ${d}; every row must have the same length.`,
        );
      }
      for (let j = 0; j < d; j++) data[r * d + j] = Number(row[j]);
    }
    out = { data, rows: rows.length, dim: d };
  } else if (input !== null && typeof input === 'object' && typeof (input as ArrayLike<number>).length === 'number') {
    const flat = Float32Array.from(input as ArrayLike<number>, Number);
    if (flat.length === 0) return { data: flat, rows: 0, dim: dim ?? 0 };
    out = batch(flat, dim ?? flat.length);
  } else {
    throw invalidArgument(
      `${what}: expected a Float32Array, an array of numbers, an array of rows, or { data, rows, dim }; got ${describe(input)}.`,
    );
  }
  if (dim !== undefined && out.rows > 0 && out.dim !== dim) {
    throw new SimkitError(
      'DIMENSION_MISMATCH',
      `${what}: got vectors of dimension ${out.dim}, expected ${dim}. Every vector in an index has the same dimension.`,
      { details: { expected: dim, actual: out.dim } },
    );
  }
  assertFinite(out, what);
  return out;
}

/** Throws INVALID_ARGUMENT naming the first NaN or ±Infinity in the batch. */
export function assertFinite(b: EmbeddingBatch, what = 'embeddings'): void {
  const { data, dim } = b;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    // v - v is NaN exactly for NaN and ±Infinity.
    if (v - v !== 0) {
      throw invalidArgument(
        `${what}: value ${v} at row ${Math.floor(i / dim)}, column ${i % dim} is not finite; remove or fix NaN/Infinity before indexing or searching.`,
        { row: Math.floor(i / dim), column: i % dim },
      );
    }
  }
}

/** Row `i` of a batch as a view (no copy). */
export function row(b: EmbeddingBatch, i: number): Float32Array {
  return b.data.subarray(i * b.dim, (i + 1) * b.dim);
}

export function assertPositiveInteger(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalidArgument(`${name} must be an integer ≥ 1; got ${describe(value)}.`);
  }
}

export function assertNonNegativeInteger(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalidArgument(`${name} must be an integer ≥ 0; got ${describe(value)}.`);
  }
}

/** Checks ids: integers in [0, 2^31). Returns them as an Int32Array. */
export function toIds(ids: ArrayLike<number>, what = 'ids'): Int32Array {
  if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') {
    throw invalidArgument(`${what} must be an array of integer ids; got ${describe(ids)}.`);
  }
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
      throw invalidArgument(`${what}[${i}] = ${describe(id)} is not a valid id (an integer ≥ 0).`);
    }
    out[i] = id;
  }
  return out;
}

/** A short, safe description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'function') return 'a function';
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}
