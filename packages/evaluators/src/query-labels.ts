import { describe, invalidArgument } from '@simkit/core';

/** Checks query labels (integers in int32 range) against `n` lookup rows; returns them as an Int32Array. */
export function toQueryLabels(labels: ArrayLike<number>, n: number): Int32Array {
  if (typeof labels !== 'object' || labels === null || typeof labels.length !== 'number') {
    throw invalidArgument(`queryLabels must be an array of integer labels; got ${describe(labels)}.`);
  }
  if (labels.length !== n) {
    throw invalidArgument(
      `Got ${labels.length} query labels for ${n} lookup rows; pass one label per query, in the order the queries were looked up.`,
      { labels: labels.length, rows: n },
    );
  }
  if (labels instanceof Int32Array) return labels;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (typeof l !== 'number' || !Number.isInteger(l) || l < -0x80000000 || l > 0x7fffffff) {
      throw invalidArgument(`queryLabels[${i}] = ${describe(l)} is not an integer label.`, { index: i });
    }
    out[i] = l;
  }
  return out;
}
