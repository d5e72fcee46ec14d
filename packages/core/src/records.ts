import { describe, isNumericTypedArray } from './embeddings.js';
import { SimkitError, invalidArgument } from './errors.js';
import type { LabelsInput } from './store.js';

/** Largest magnitude a label may have: labels are stored as int32. */
const LABEL_MAX = 0x7fffffff;

/** Deepest nesting of objects and arrays accepted in one data entry. */
const DATA_MAX_DEPTH = 256;

/** Checked labels of a batch: `values[i]` is meaningful only where `present[i] === 1`. */
export interface CheckedLabels {
  readonly values: Int32Array;
  readonly present: Uint8Array;
}

/**
 * Validates labels for `rows` records: an array (or numeric typed array) of integers
 * in int32 range, or null for "no label". Every entry is checked before this returns.
 * Returns null when no labels were given at all.
 */
export function checkLabels(labels: LabelsInput, rows: number): CheckedLabels | null {
  if (labels === null || labels === undefined) return null;
  if (!Array.isArray(labels) && !isNumericTypedArray(labels)) {
    throw invalidArgument(`labels must be an array of integers (or null); got ${describe(labels)}.`);
  }
  if (labels.length !== rows) {
    throw invalidArgument(
      `Got ${labels.length} labels for ${rows} embeddings; pass one label per embedding, or none.`,
      {
        labels: labels.length,
        rows,
      },
    );
  }
  const values = new Int32Array(rows);
  const present = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const l: unknown = labels[i];
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

/**
 * Validates per-record data: an array of `rows` entries, each null or a JSON value
 * that JSON holds unchanged (plain objects, arrays, strings, finite numbers, booleans,
 * null; no undefined array entries, cycles, class instances, BigInts, functions or
 * symbols, and at most 256 levels deep). Every entry is checked, all the way down,
 * before this returns, so a caller that checks a whole batch first writes nothing
 * when any row is bad. The error names the first bad value, e.g. `data[8500].tags[2]`.
 */
export function checkData(data: ArrayLike<unknown> | null | undefined, rows: number): ArrayLike<unknown> | null {
  if (data === null || data === undefined) return null;
  if (!Array.isArray(data) && !isNumericTypedArray(data)) {
    throw invalidArgument(`data must be an array with one entry per embedding; got ${describe(data)}.`);
  }
  if (data.length !== rows) {
    throw invalidArgument(`Got ${data.length} data entries for ${rows} embeddings; pass one per embedding, or none.`, {
      data: data.length,
      rows,
    });
  }
  const parents: object[] = [];
  let i = 0;
  try {
    for (; i < rows; i++) {
      const d: unknown = data[i];
      if (d === undefined) {
        throw badData(`data[${i}]`, 'undefined; use null for "no data"');
      }
      checkJson(d, `data[${i}]`, parents);
    }
  } catch (error) {
    if (SimkitError.isInstance(error)) throw error;
    // A getter or proxy of the caller's object threw while it was being read.
    throw new SimkitError(
      'INVALID_ARGUMENT',
      `data[${i}] could not be read (${error instanceof Error ? error.message : String(error)}); pass plain JSON values.`,
      { details: { path: `data[${i}]` }, cause: error },
    );
  }
  return data;
}

/** Throws INVALID_ARGUMENT naming the first part of `value` that JSON cannot hold unchanged. */
function checkJson(value: unknown, path: string, parents: object[]): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw badData(path, `${value}, which JSON cannot hold`);
      return;
    case 'object':
      break;
    default:
      throw badData(path, describe(value));
  }
  if (value === null) return;
  if (parents.includes(value)) throw badData(path, 'a reference back to one of its parents (a cycle)');
  if (parents.length >= DATA_MAX_DEPTH) throw badData(path, `nested more than ${DATA_MAX_DEPTH} levels deep`);
  parents.push(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      // Holes and undefined would come back as null, so they are refused rather than changed.
      if (!(i in value) || value[i] === undefined) throw badData(`${path}[${i}]`, 'undefined');
      checkJson(value[i], `${path}[${i}]`, parents);
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw badData(path, `${describe(value)}; convert it to a plain object, array, string or number first`);
    }
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key];
      // JSON drops undefined properties, and so do the stores.
      if (v !== undefined) checkJson(v, `${path}.${key}`, parents);
    }
  }
  parents.pop();
}

function badData(path: string, what: string): SimkitError {
  return invalidArgument(
    `${path} is ${what}; record data must be JSON values (objects, arrays, strings, finite numbers, booleans, null).`,
    { path },
  );
}

/**
 * Serialises each data entry to JSON text (null where there is none), for stores that keep it as text;
 * `checkData` has already vetted the entries.
 * Throws INVALID_ARGUMENT for values JSON cannot hold (BigInt, cycles).
 */
export function dataToJson(data: ArrayLike<unknown> | null, rows: number): Array<string | null> | null {
  if (data === null) return null;
  const out = new Array<string | null>(rows);
  for (let i = 0; i < rows; i++) {
    const d = data[i];
    if (d === null) {
      out[i] = null;
      continue;
    }
    let text: string | undefined;
    try {
      text = JSON.stringify(d);
    } catch (cause) {
      throw new SimkitError(
        'INVALID_ARGUMENT',
        `data[${i}] cannot be written as JSON (${(cause as Error).message}); pass plain JSON values (no BigInt, no cycles).`,
        { details: { index: i }, cause },
      );
    }
    if (text === undefined) {
      throw new SimkitError('INVALID_ARGUMENT', `data[${i}] has no JSON form; pass a JSON value or null.`, {
        details: { index: i },
      });
    }
    out[i] = text;
  }
  return out;
}
