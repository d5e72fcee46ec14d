import { type LookupMatrix, toLookupMatrix } from '../src/index.js';

/** Lookup rows from `[label, distance]` pairs, closest first. */
export function rows(...r: Array<Array<[number, number]>>): LookupMatrix {
  return toLookupMatrix(r.map((row) => row.map(([label, distance]) => ({ label, distance }))));
}

/**
 * The worked calibration example (k = 1):
 *   query  label  nearest label  distance
 *   0      1      1              0.1   match
 *   1      1      1              0.2   match
 *   2      2      3              0.3   no match
 *   3      2      2              0.4   match
 *   4      3      1              0.5   no match
 * Thresholds 0.1 … 0.5; 3 matching and 2 non-matching queries:
 *   tp = [1, 2, 2, 3, 3]  fp = [0, 0, 1, 1, 2]  fn = [2, 1, 1, 0, 0]  tn = [2, 2, 1, 1, 0]
 *   precision = [1, 1, 2/3, 3/4, 3/5]
 *   recall    = [1/3, 2/3, 2/3, 1, 1]
 *   f1 = 2tp/(2tp+fp+fn) = [2/4, 4/5, 4/6, 6/7, 6/8]
 *   fpr = fp/(fp+tn) = [0, 0, 1/2, 1/2, 1]
 */
export const worked = {
  queryLabels: [1, 1, 2, 2, 3],
  lookups: rows([[1, 0.1]], [[1, 0.2]], [[3, 0.3]], [[2, 0.4]], [[1, 0.5]]),
};
