/** Counts of (true class, predicted class); the last column counts "unknown" (no match). */
export interface ConfusionMatrix {
  /** Class names of the rows; the columns are these plus `unknown`. */
  readonly classes: readonly number[];
  /** `classes.length` rows × `classes.length + 1` columns, row-major. */
  readonly counts: Int32Array;
}

/**
 * Tallies predictions against true labels. A prediction equal to `noMatchLabel`
 * goes to the `unknown` column; any other label outside `classes` is an error.
 */
export function confusionMatrix(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: readonly number[],
  noMatchLabel: number,
): ConfusionMatrix {
  if (truth.length !== predicted.length) {
    throw new RangeError(`Got ${predicted.length} predictions for ${truth.length} labels.`);
  }
  const cols = classes.length + 1;
  const column = new Map(classes.map((c, i) => [c, i]));
  const counts = new Int32Array(classes.length * cols);
  for (let i = 0; i < truth.length; i++) {
    const row = column.get(truth[i] as number);
    if (row === undefined) throw new RangeError(`True label ${truth[i]} is not one of ${classes.join(', ')}.`);
    const p = predicted[i] as number;
    const col = p === noMatchLabel ? classes.length : column.get(p);
    if (col === undefined) throw new RangeError(`Predicted label ${p} is not one of ${classes.join(', ')}.`);
    counts[row * cols + col] = (counts[row * cols + col] as number) + 1;
  }
  return { classes, counts };
}
