import type { RetrievalMetricInput } from '../src/index.js';

/**
 * Three queries, four lookups each (1 = the lookup's label equals the query's):
 *   q0 label 1: 1 0 1 0
 *   q1 label 1: 0 0 0 1
 *   q2 label 2: 0 1 1 1
 * Distances are 0.1, 0.2, 0.3, 0.4 in every row.
 */
export const sample: RetrievalMetricInput = {
  queryLabels: Int32Array.from([1, 1, 2]),
  matchMask: Uint8Array.from([1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1]),
  m: 4,
  distances: Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3, 0.4]),
};
