import { SimkitError } from '@simkit/core';
import { NdArray } from '../pickle.js';

/** Largest label magnitude simkit stores (int32). */
const LABEL_MAX = 0x7fffffff;
/** Most JSON values the data of one import may expand to (shared Python objects are copied). */
const MAX_DATA_VALUES = 50_000_000;
/** Deepest nesting of data values kept (core's checkData allows 256). */
const MAX_DATA_DEPTH = 200;

/** What the conversion of data had to change, counted in records or values. */
export interface DataTally {
  /** Records whose data was a NumPy array (or held one), now nested number lists. */
  arrays: number;
  /** Bytes values, dropped to null. */
  bytes: number;
  /** NaN and ±Infinity floats, now null. */
  nonFinite: number;
  /** Integers beyond ±2^53, now decimal strings. */
  bigInts: number;
  /** Dict keys that were not strings, now strings. */
  keys: number;
  /** Sets, now arrays. */
  sets: number;
}

/** A fresh tally with every count at 0. */
export function emptyTally(): DataTally {
  return { arrays: 0, bytes: 0, nonFinite: 0, bigInts: 0, keys: 0, sets: 0 };
}

const corrupt = (message: string) => new SimkitError('CORRUPT_INDEX', message);

/**
 * The embeddings as one row-major Float32Array of `size × dim` (float64 narrowed to float32).
 * Rows must be finite.
 */
export function toEmbeddings(
  a: NdArray,
  size: number,
  dim: number,
  where: string,
): { data: Float32Array; from: string } {
  if (a.dtype === 'object') {
    throw corrupt(
      `${where}: the embeddings are not one 2-D array (rows of different lengths?); an index holds rows of embedding_size ${dim}.`,
    );
  }
  if (a.dtype !== 'float32' && a.dtype !== 'float64') {
    throw new SimkitError(
      'UNSUPPORTED',
      `${where}: the embeddings have dtype ${a.dtype}; float32 and float64 are read.`,
    );
  }
  const empty = size === 0 && a.shape.length === 1 && a.shape[0] === 0;
  if (!empty && (a.shape.length !== 2 || a.shape[0] !== size || a.shape[1] !== dim)) {
    throw corrupt(
      `${where}: the embeddings have shape (${a.shape.join(', ')}) but the metadata says ${size} records of embedding_size ${dim}; the save is inconsistent.`,
    );
  }
  const data = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as Float64Array);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw corrupt(
        `${where}: embedding ${Math.floor(i / dim)} holds ${String(data[i])} at position ${i % dim}${a.dtype === 'float64' ? ' (after narrowing to float32)' : ''}; an index needs finite values.`,
      );
    }
  }
  return { data, from: a.dtype };
}

/** The labels: integers in int32 range, or null where Python saved None. */
export function toLabels(a: NdArray, size: number, where: string): { labels: Array<number | null>; present: number } {
  if (a.shape.length !== 1 || a.shape[0] !== size) {
    throw corrupt(
      `${where}: there are labels of shape (${a.shape.join(', ')}) for ${size} records; the save is inconsistent.`,
    );
  }
  if (a.dtype === 'str' || a.dtype === 'bytes' || a.dtype === 'bool') {
    throw new SimkitError(
      'UNSUPPORTED',
      `${where}: the labels are ${a.dtype === 'bool' ? 'booleans' : 'strings'}; simkit labels are integers. Map them to integers in Python and save the index again.`,
    );
  }
  const labels: Array<number | null> = new Array(size);
  let present = 0;
  for (let i = 0; i < size; i++) {
    const v = (a.data as ArrayLike<unknown>)[i];
    if (v === null) {
      labels[i] = null;
      continue;
    }
    const n = typeof v === 'bigint' ? (v >= -BigInt(LABEL_MAX) && v <= BigInt(LABEL_MAX) ? Number(v) : Number.NaN) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || Math.abs(n) > LABEL_MAX) {
      throw new SimkitError(
        'UNSUPPORTED',
        `${where}: label ${i} is ${typeof v === 'bigint' ? v.toString() : (JSON.stringify(v) ?? String(v))}; simkit labels are integers from -2^31+1 to 2^31-1, or None.`,
      );
    }
    labels[i] = n;
    present++;
  }
  return { labels, present };
}

/**
 * The data of each record as JSON values: a NumPy array row becomes nested lists, a dict a
 * plain object; what JSON cannot hold is changed as `tally` counts.
 */
export function toData(a: NdArray, size: number, where: string, tally: DataTally): unknown[] {
  if (a.shape.length === 0 || a.shape[0] !== size) {
    throw corrupt(
      `${where}: there are data of shape (${a.shape.join(', ')}) for ${size} records; the save is inconsistent.`,
    );
  }
  const inner = a.shape.slice(1);
  const per = inner.reduce((x, y) => x * y, 1);
  const budget = { left: MAX_DATA_VALUES };
  const out: unknown[] = new Array(size);
  for (let i = 0; i < size; i++) {
    if (inner.length > 0 && a.dtype !== 'object') tally.arrays++;
    out[i] = nested(a, inner, i * per, 0, tally, budget, where);
  }
  return out;
}

interface Budget {
  left: number;
}

/** The sub-array of `a` of shape `shape` starting at flat index `start`, as nested lists. */
function nested(
  a: NdArray,
  shape: number[],
  start: number,
  depth: number,
  tally: DataTally,
  budget: Budget,
  where: string,
): unknown {
  if (shape.length === 0) return element(a, start, depth, tally, budget, where);
  const [n, ...rest] = shape as [number, ...number[]];
  const step = rest.reduce((x, y) => x * y, 1);
  if (depth > MAX_DATA_DEPTH)
    throw corrupt(`${where}: a data value is nested more than ${MAX_DATA_DEPTH} levels deep.`);
  const out: unknown[] = new Array(n);
  for (let j = 0; j < n; j++) out[j] = nested(a, rest, start + j * step, depth + 1, tally, budget, where);
  return out;
}

function element(a: NdArray, i: number, depth: number, tally: DataTally, budget: Budget, where: string): unknown {
  const v = (a.data as ArrayLike<unknown>)[i];
  if (a.dtype === 'bool') return v === 1;
  return convert(v, depth, tally, budget, where);
}

function convert(v: unknown, depth: number, tally: DataTally, budget: Budget, where: string): unknown {
  if (--budget.left < 0) {
    throw corrupt(
      `${where}: the data expand to more than ${MAX_DATA_VALUES} values (shared objects repeated); this is not a plausible index.`,
    );
  }
  if (depth > MAX_DATA_DEPTH)
    throw corrupt(`${where}: a data value is nested more than ${MAX_DATA_DEPTH} levels deep.`);
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (Number.isFinite(v)) return v;
      tally.nonFinite++;
      return null;
    case 'bigint':
      if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
      tally.bigInts++;
      return v.toString();
    default:
      break;
  }
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) {
    tally.bytes++;
    return null;
  }
  if (Array.isArray(v)) return v.map((x) => convert(x, depth + 1, tally, budget, where));
  if (v instanceof Set) {
    tally.sets++;
    return [...v].map((x) => convert(x, depth + 1, tally, budget, where));
  }
  if (v instanceof NdArray) {
    tally.arrays++;
    return nested(v, v.shape, 0, depth + 1, tally, budget, where);
  }
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) {
      let key: string;
      if (typeof k === 'string') key = k;
      else {
        tally.keys++;
        key = pythonStr(k);
      }
      // defineProperty keeps a key such as '__proto__' an ordinary property.
      Object.defineProperty(out, key, {
        value: convert(x, depth + 1, tally, budget, where),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  throw corrupt(`${where}: a data value of an unexpected kind was found.`);
}

/** The key as Python's str() would print it (True, None, 1.5, (1, 2)). */
function pythonStr(k: unknown): string {
  if (k === null || k === undefined) return 'None';
  if (k === true) return 'True';
  if (k === false) return 'False';
  if (Array.isArray(k)) return `(${k.map(pythonStr).join(', ')}${k.length === 1 ? ',' : ''})`;
  if (typeof k === 'string') return `'${k}'`;
  if (k instanceof Uint8Array) return `b'${[...k].map((c) => String.fromCharCode(c)).join('')}'`;
  return String(k);
}
