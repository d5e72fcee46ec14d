import type { ClassificationCounts } from '@simkit/classification-metrics';

/**
 * tp/fp/tn/fn at each of the ascending `thresholds`: a query is a match when
 * its derived label equals its label, and within a threshold `t` when its
 * derived distance is `<= t`. Sorts the matching and the non-matching
 * distances once, then sweeps the thresholds accumulating the counts:
 * O(N log N + T), never O(N·T).
 */
export function countAtThresholds(
  queryLabels: Int32Array,
  derivedLabels: Int32Array,
  derivedDistances: Float64Array,
  thresholds: Float64Array,
): ClassificationCounts {
  const n = queryLabels.length;
  let matches = 0;
  for (let i = 0; i < n; i++) if (derivedLabels[i] === queryLabels[i]) matches++;
  const nonMatches = n - matches;
  const matched = new Float64Array(matches);
  const unmatched = new Float64Array(nonMatches);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (derivedLabels[i] === queryLabels[i]) matched[a++] = derivedDistances[i] as number;
    else unmatched[b++] = derivedDistances[i] as number;
  }
  matched.sort();
  unmatched.sort();
  const t = thresholds.length;
  const tp = new Float64Array(t);
  const fp = new Float64Array(t);
  const tn = new Float64Array(t);
  const fn = new Float64Array(t);
  let a = 0;
  let b = 0;
  for (let j = 0; j < t; j++) {
    const th = thresholds[j] as number;
    while (a < matches && (matched[a] as number) <= th) a++;
    while (b < nonMatches && (unmatched[b] as number) <= th) b++;
    tp[j] = a;
    fp[j] = b;
    fn[j] = matches - a;
    tn[j] = nonMatches - b;
  }
  return { tp, fp, tn, fn, count: n };
}

/** Sorted distinct values of `values` (which must hold no NaN). */
export function sortedUnique(values: Float64Array): Float64Array {
  const sorted = new Float64Array(values).sort();
  let w = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] as number;
    if (w === 0 || v !== sorted[w - 1]) sorted[w++] = v;
  }
  return sorted.slice(0, w);
}
