import { describe } from './embeddings.js';
import { invalidArgument } from './errors.js';
import type { LabelsInput } from './store.js';

/** Largest magnitude a label may have: labels are stored as int32. */
const LABEL_MAX = 0x7fffffff;

/** Checked labels of a batch: `values[i]` is meaningful only where `present[i] === 1`. */
export interface CheckedLabels {
  readonly values: Int32Array;
  readonly present: Uint8Array;
}

/**
 * Validates labels for `rows` records: integers in int32 range or null.
 * Returns null when no labels were given at all.
 */
export function checkLabels(labels: LabelsInput, rows: number): CheckedLabels | null {
  if (labels === null || labels === undefined) return null;
  if (typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw invalidArgument(`labels must be an array of integers (or null); got ${describe(labels)}.`);
  }
  if (labels.length !== rows) {
    throw invalidArgument(`Got ${labels.length} labels for ${rows} embeddings; pass one label per embedding, or none.`, {
      labels: labels.length,
      rows,
    });
  }
  const values = new Int32Array(rows);
  const present = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const l = labels[i];
    if (l === null || l === undefined) continue;
    if (typeof l !== 'number' || !Number.isInteger(l) || Math.abs(l) > LABEL_MAX) {
      throw invalidArgument(
        `labels[${i}] = ${describe(l)} is not an integer label; labels must be integers (map class names to integers first).`,
        { index: i },
      );
    }
    values[i] = l;
    present[i] = 1;
  }
  return { values, present };
}

/** Validates per-record data: an array-like of `rows` JSON-serialisable values (or null). */
export function checkData(data: ArrayLike<unknown> | null | undefined, rows: number): ArrayLike<unknown> | null {
  if (data === null || data === undefined) return null;
  if (typeof data !== 'object' || typeof data.length !== 'number') {
    throw invalidArgument(`data must be an array with one entry per embedding; got ${describe(data)}.`);
  }
  if (data.length !== rows) {
    throw invalidArgument(`Got ${data.length} data entries for ${rows} embeddings; pass one per embedding, or none.`, {
      data: data.length,
      rows,
    });
  }
  for (let i = 0; i < rows; i++) {
    const d = data[i];
    if (d === undefined || typeof d === 'function' || typeof d === 'symbol' || typeof d === 'bigint') {
      throw invalidArgument(`data[${i}] is ${describe(d)}; data entries must be JSON values (use null for none).`);
    }
  }
  return data;
}
