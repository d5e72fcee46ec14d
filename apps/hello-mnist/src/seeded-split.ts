import { seededPermutation } from '@simkit/core';
import { type Digits, pick } from './mnist-data.js';

/** Sizes of the held-out parts; the training part gets the rest. */
export interface SplitSizes {
  readonly calibration: number;
  readonly test: number;
}

/** Disjoint parts of the digits: training (+ index examples), calibration, test. */
export interface Split {
  readonly train: Digits;
  readonly calibration: Digits;
  readonly test: Digits;
}

/**
 * Shuffles the digits with `seed` and cuts them into test (first), calibration
 * (next) and training (the rest). The same seed always gives the same parts.
 */
export function seededSplit(digits: Digits, sizes: SplitSizes, seed: number): Split {
  const { calibration, test } = sizes;
  for (const [name, n] of Object.entries(sizes)) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} size must be an integer ≥ 1; got ${n}.`);
  }
  if (calibration + test >= digits.rows) {
    throw new RangeError(
      `calibration (${calibration}) + test (${test}) must leave digits to train on; there are ${digits.rows}.`,
    );
  }
  const order = seededPermutation(digits.rows, seed);
  return {
    test: pick(digits, order.subarray(0, test)),
    calibration: pick(digits, order.subarray(test, test + calibration)),
    train: pick(digits, order.subarray(test + calibration)),
  };
}
