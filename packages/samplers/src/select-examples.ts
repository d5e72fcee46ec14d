import {
  assertPositiveInteger,
  describe,
  invalidArgument,
  type Rng,
  rngFor,
  sampleWithoutReplacement,
  sampleWithReplacement,
  shuffleInPlace,
} from '@simkit/core';
import { checkClassList, indexByClass, toLabelledRows } from './labelled-rows.js';

/** Rows of examples and their labels: `x` holds `rows` rows of `x.length / rows` values. */
export interface Examples {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly rows: number;
}

/** Stream tag of the selection draw, so it never shares random numbers with batch draws. */
export const SELECT_STREAM = 0x5e1ec7;

/** Checks a seed: any safe integer. */
export function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw invalidArgument(`seed must be an integer; got ${describe(seed)}.`);
  }
  return seed;
}

/**
 * Picks row positions: for each class in `classes` (ascending), all its rows, or
 * `numPerClass` of them — without replacement when the class has enough rows,
 * with replacement otherwise — then shuffles the whole selection.
 */
export function selectRows(
  byClass: ReadonlyMap<number, readonly number[]>,
  classes: Int32Array,
  numPerClass: number | null,
  rng: Rng,
): Int32Array {
  let total = 0;
  for (const c of classes) total += numPerClass ?? (byClass.get(c) as readonly number[]).length;
  const out = new Int32Array(total);
  let filled = 0;
  for (const c of classes) {
    const rows = byClass.get(c) as readonly number[];
    if (numPerClass === null) {
      for (const r of rows) out[filled++] = r;
      continue;
    }
    const picks =
      rows.length >= numPerClass
        ? sampleWithoutReplacement(rng, rows.length, numPerClass)
        : sampleWithReplacement(rng, rows.length, numPerClass);
    for (const p of picks) out[filled++] = rows[p] as number;
  }
  return shuffleInPlace(rng, out);
}

/** Copies rows `rows` of `x` (each `rowSize` values) into a new array, in that order. */
export function gatherRows(
  x: Float32Array,
  rowSize: number,
  rows: ArrayLike<number>,
  out?: Float32Array,
): Float32Array {
  const res = out ?? new Float32Array(rows.length * rowSize);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    res.set(x.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize);
  }
  return res;
}

/**
 * Selects examples by class, as TensorFlow Similarity's `select_examples`: keeps
 * only the classes in `classList` (all classes when null or undefined), takes
 * `numExamplesPerClass` examples of each (all when null or undefined), and
 * returns them shuffled. Seeded: the same arguments give the same selection.
 *
 * @param x row-major examples, `y.length` rows of equal size
 * @param y one integer class label per row
 * @throws SimkitError NOT_FOUND when `classList` names a class with no example;
 *   INVALID_ARGUMENT / DIMENSION_MISMATCH for malformed input
 */
export function selectExamples(
  x: Float32Array,
  y: ArrayLike<number>,
  classList?: ArrayLike<number> | null,
  numExamplesPerClass?: number | null,
  seed = 0,
): Examples {
  const data = toLabelledRows(x, y);
  checkSeed(seed);
  const perClass = numExamplesPerClass ?? null;
  if (perClass !== null) assertPositiveInteger(perClass, 'numExamplesPerClass');
  const byClass = indexByClass(data.y);
  const classes =
    classList === undefined || classList === null
      ? Int32Array.from(byClass.keys()).sort()
      : checkClassList(classList, byClass);
  const rows = selectRows(byClass, classes, perClass, rngFor(seed, SELECT_STREAM));
  const labels = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) labels[i] = data.y[rows[i] as number] as number;
  return { x: gatherRows(data.x, data.rowSize, rows), y: labels, rows: rows.length };
}
