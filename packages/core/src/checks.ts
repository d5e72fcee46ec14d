import { type EmbeddingBatch, assertPositiveInteger, describe, toBatch, toIds } from './embeddings.js';
import { SimkitError, invalidArgument } from './errors.js';

/**
 * Shared input checks for Search.add: ids and vectors agree in count, ids are
 * unique integers, vectors have the index dimension and are finite.
 * Returns the checked ids; throws before anything is changed.
 */
export function checkAddInput(ids: ArrayLike<number>, embeddings: EmbeddingBatch, dim: number | undefined): Int32Array {
  const b = toBatch(embeddings, dim);
  const checked = toIds(ids);
  if (checked.length !== b.rows) {
    throw invalidArgument(`Got ${checked.length} ids for ${b.rows} vectors; pass one id per vector.`);
  }
  const seen = new Set<number>();
  for (const id of checked) {
    if (seen.has(id)) throw invalidArgument(`id ${id} appears twice in one add; ids in a batch must be unique.`);
    seen.add(id);
  }
  return checked;
}

/** Shared input checks for Search.lookup: k is an integer ≥ 1, queries match `dim` and are finite (toBatch checks that). */
export function checkLookupInput(queries: EmbeddingBatch, k: number, dim: number | undefined): void {
  assertPositiveInteger(k, 'k');
  const b = toBatch(queries, undefined, 'queries');
  if (dim !== undefined && b.rows > 0 && b.dim !== dim) {
    throw new SimkitError(
      'DIMENSION_MISMATCH',
      `queries have dimension ${b.dim} but the index holds vectors of dimension ${dim}.`,
      { details: { expected: dim, actual: b.dim } },
    );
  }
}

/** Throws UNSUPPORTED for an operation a backend does not offer. */
export function unsupported(backend: string, operation: string, hint: string): SimkitError {
  return new SimkitError('UNSUPPORTED', `${backend} does not support ${operation}; ${hint}`);
}

/**
 * Checks an options argument: `undefined` gives `{}`; anything but a non-array object
 * (null, a number, a string, an array, a function) is INVALID_ARGUMENT naming `what`,
 * e.g. `checkOptions(options, 'calibrate options')`.
 */
export function checkOptions<T extends object>(value: T | undefined, what: string): T {
  if (value === undefined) return {} as T;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgument(`${what} must be an object (or left out); got ${describe(value)}.`);
  }
  return value;
}

/** Bounds for a count read from a saved file. */
export interface CountBounds {
  /** Largest value the files can actually hold, e.g. derived from a file's real size. */
  readonly max: number;
  /** Smallest value accepted; 0 unless given. */
  readonly min?: number;
  /** What the count is, for the message, e.g. `stat_buffer_size in index_metadata.json`. */
  readonly what: string;
}

/**
 * Checks a count read from a saved file before anything is sized by it: an integer
 * in [min, max]. Returns it as a number; anything else (a string, NaN, a fraction,
 * 1e12 when the files hold less) is CORRUPT_INDEX, since the files, not the caller, are wrong.
 */
export function checkedCount(value: unknown, bounds: CountBounds): number {
  const min = bounds.min ?? 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > bounds.max) {
    throw new SimkitError(
      'CORRUPT_INDEX',
      `${bounds.what} is ${describe(value)}, but must be an integer from ${min} to ${bounds.max}; the save is damaged or was not written by simkit. Save the index again.`,
      { details: { value: typeof value === 'number' ? value : describe(value), min, max: bounds.max } },
    );
  }
  return value;
}
