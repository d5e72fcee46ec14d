import { type EmbeddingBatch, assertFinite, assertPositiveInteger, toBatch, toIds } from './embeddings.js';
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

/** Shared input checks for Search.lookup: k is an integer ≥ 1, queries match `dim` and are finite. */
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
  assertFinite(b, 'queries');
}

/** Throws UNSUPPORTED for an operation a backend does not offer. */
export function unsupported(backend: string, operation: string, hint: string): SimkitError {
  return new SimkitError('UNSUPPORTED', `${backend} does not support ${operation}; ${hint}`);
}
