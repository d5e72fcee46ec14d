import { assertPositiveInteger, describe, invalidArgument, SimkitError } from '@simkit/core';

/** Rows of examples with one integer class label each: the checked form of a sampler's `x` and `y`. */
export interface LabelledRows {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly rows: number;
  /** Values per row: the product of `featureShape`. */
  readonly rowSize: number;
  readonly featureShape: readonly number[];
}

const LABEL_MAX = 0x7fffffff;

/** Checks integer class labels and returns them as an Int32Array. */
export function toClassLabels(y: ArrayLike<number>, what = 'y'): Int32Array {
  if (y === null || typeof y !== 'object' || typeof y.length !== 'number') {
    throw invalidArgument(`${what} must be an array of integer class labels; got ${describe(y)}.`);
  }
  if (y instanceof Int32Array) return y;
  const out = new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > LABEL_MAX) {
      throw invalidArgument(
        `${what}[${i}] = ${describe(v)} is not an integer class label; map class names to integers first.`,
        { index: i },
      );
    }
    out[i] = v;
  }
  return out;
}

/**
 * Checks `x` (row-major Float32Array), `y` (one label per row) and the optional
 * `featureShape` of one row. Without `featureShape` a row is flat: `[x.length / y.length]`.
 */
export function toLabelledRows(
  x: Float32Array,
  y: ArrayLike<number>,
  featureShape?: readonly number[] | null,
): LabelledRows {
  if (!(x instanceof Float32Array)) {
    throw invalidArgument(`x must be a Float32Array of rows × features values; got ${describe(x)}.`);
  }
  const labels = toClassLabels(y);
  const rows = labels.length;
  if (rows === 0) throw invalidArgument('y is empty; pass at least one labelled example.');
  let shape: number[];
  if (featureShape === undefined || featureShape === null) {
    if (x.length % rows !== 0 || x.length === 0) {
      throw new SimkitError(
        'DIMENSION_MISMATCH',
        `x has ${x.length} values, which is not ${rows} rows (one per label) of equal size; pass one row of features per label.`,
        { details: { values: x.length, rows } },
      );
    }
    shape = [x.length / rows];
  } else {
    if (!Array.isArray(featureShape) || featureShape.length === 0) {
      throw invalidArgument(
        `featureShape must be a non-empty array of integers, e.g. [28, 28]; got ${describe(featureShape)}.`,
      );
    }
    shape = featureShape.map((d, i) => {
      assertPositiveInteger(d, `featureShape[${i}]`);
      return d;
    });
  }
  const rowSize = shape.reduce((a, b) => a * b, 1);
  if (rowSize * rows !== x.length) {
    throw new SimkitError(
      'DIMENSION_MISMATCH',
      `x has ${x.length} values but ${rows} labels × featureShape [${shape.join(', ')}] needs ${rowSize * rows}; check featureShape and that x and y have the same number of rows.`,
      { details: { values: x.length, rows, rowSize } },
    );
  }
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    // v - v is NaN exactly for NaN and ±Infinity.
    if (v - v !== 0) {
      throw invalidArgument(
        `x: value ${v} in row ${Math.floor(i / rowSize)} is not finite; remove or fix NaN/Infinity before sampling.`,
        { row: Math.floor(i / rowSize), column: i % rowSize },
      );
    }
  }
  return { x, y: labels, rows, rowSize, featureShape: Object.freeze(shape) };
}

/** Row positions of each class, in row order. */
export function indexByClass(y: Int32Array, rows?: ArrayLike<number>): Map<number, number[]> {
  const byClass = new Map<number, number[]>();
  const n = rows === undefined ? y.length : rows.length;
  for (let i = 0; i < n; i++) {
    const r = rows === undefined ? i : (rows[i] as number);
    const c = y[r] as number;
    let list = byClass.get(c);
    if (list === undefined) {
      list = [];
      byClass.set(c, list);
    }
    list.push(r);
  }
  return byClass;
}

/**
 * Checks a class list against the classes present: integers, at least one, each
 * with examples. Returns the distinct classes in ascending order.
 */
export function checkClassList(classList: ArrayLike<number>, present: ReadonlyMap<number, unknown>): Int32Array {
  const classes = toClassLabels(classList, 'classList');
  const distinct = Int32Array.from(new Set(classes)).sort();
  const missing = Array.from(distinct).filter((c) => !present.has(c));
  if (missing.length > 0) {
    const known = Array.from(present.keys()).sort((a, b) => a - b);
    const shown = known.length > 20 ? `${known.slice(0, 20).join(', ')}, …` : known.join(', ');
    throw new SimkitError(
      'NOT_FOUND',
      `classList names class${missing.length > 1 ? 'es' : ''} ${missing.join(', ')} with no example in y; remove ${missing.length > 1 ? 'them' : 'it'} or add examples. Classes in y: ${shown}.`,
      { details: { missing } },
    );
  }
  return distinct;
}
