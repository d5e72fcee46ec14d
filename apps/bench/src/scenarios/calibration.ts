import { randomInt, seededRandom } from '@simkit/core';
import { type Cutpoint, type LookupMatrix, MemoryEvaluator } from '@simkit/evaluators';
import { type Scenario, printTable, time, writeResults } from '../harness.js';

const K = 3;
const CLASSES = 100;
/** Distances sit on a grid of this many steps in [0, 2), so N·K draws give up to ~100k distinct thresholds. */
const GRID = 100_000;
const SEED = 11;
/** Thresholds the naive loop runs at full size; its time is scaled up linearly to all of them. */
const NAIVE_SAMPLE = 1_000;
/** Size at which the naive loop runs over every threshold, to check both give the same cutpoint. */
const CHECK_N = 4_000;

interface Synthetic {
  readonly queryLabels: Int32Array;
  readonly lookups: LookupMatrix;
}

/**
 * N queries with K lookups each, closest first. A lookup's label is the query's
 * with a probability that falls with its distance, so f1 peaks inside the range.
 */
function synthesize(n: number, seed: number): Synthetic {
  const rand = seededRandom(seed);
  const queryLabels = new Int32Array(n);
  const labels = new Int32Array(n * K);
  const distances = new Float64Array(n * K);
  const row = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    const q = randomInt(rand, CLASSES);
    queryLabels[i] = q;
    for (let j = 0; j < K; j++) row[j] = randomInt(rand, GRID) / (GRID / 2);
    row.sort();
    for (let j = 0; j < K; j++) {
      const d = row[j] as number;
      const pMatch = Math.max(0.05, 1 - d / 1.2);
      labels[i * K + j] = rand() < pMatch ? q : (q + 1 + randomInt(rand, CLASSES - 1)) % CLASSES;
      distances[i * K + j] = d;
    }
  }
  return { queryLabels, lookups: { n, k: K, labels, distances } };
}

/** Rounds to 8 decimals, halves to even, as calibrate does. */
function round8(x: number): number {
  if (!Number.isFinite(x)) return x;
  const v = x * 1e8;
  let r = Math.round(v);
  if (r - v === 0.5 && r % 2 !== 0) r -= 1;
  return r === 0 ? 0 : r / 1e8;
}

/** Sorted distinct rounded distances of every lookup column. */
function naiveThresholds(lookups: LookupMatrix): number[] {
  const set = new Set<number>();
  for (const d of lookups.distances) set.add(round8(d));
  return Array.from(set).sort((a, b) => a - b);
}

interface NaiveResult {
  readonly f1: Float64Array;
  readonly precision: Float64Array;
  readonly recall: Float64Array;
  readonly best: number;
}

/**
 * The peer: the straightforward calibration loop — round and take the nearest
 * lookup once, then for every threshold one pass over all queries counting
 * what is within it, then precision, recall and f1 (last index of the best f1
 * wins). O(N·T). The inner loop is branch-free: on random data that is ~4×
 * faster than if/else counting, so the peer is not slowed by mispredictions.
 */
function naiveCalibrate(queryLabels: Int32Array, lookups: LookupMatrix, thresholds: number[]): NaiveResult {
  const { n, k } = lookups;
  const nearest = new Float64Array(n);
  const match = new Uint8Array(n);
  let matches = 0;
  for (let i = 0; i < n; i++) {
    nearest[i] = round8(lookups.distances[i * k] as number);
    match[i] = lookups.labels[i * k] === queryLabels[i] ? 1 : 0;
    matches += match[i] as number;
  }
  const t = thresholds.length;
  const f1 = new Float64Array(t);
  const precision = new Float64Array(t);
  const recall = new Float64Array(t);
  for (let j = 0; j < t; j++) {
    const th = thresholds[j] as number;
    let within = 0;
    let tp = 0;
    for (let i = 0; i < n; i++) {
      const w = +((nearest[i] as number) <= th);
      within += w;
      tp += w & (match[i] as number);
    }
    const fp = within - tp;
    const fn = matches - tp;
    // Precision's first-threshold rule: nothing within the first of several thresholds counts as precision 1.
    precision[j] = within === 0 ? (j === 0 && t > 1 ? 1 : 0) : tp / within;
    recall[j] = matches === 0 ? 0 : tp / matches;
    f1[j] = 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  let best = 0;
  for (let j = 1; j < t; j++) if ((f1[j] as number) >= (f1[best] as number)) best = j;
  return { f1, precision, recall, best };
}

/** Every `step`-th threshold, so the naive loop's time can be measured at full N and scaled to all T. */
function sample(thresholds: number[], count: number): number[] {
  if (thresholds.length <= count) return thresholds;
  const step = thresholds.length / count;
  return Array.from({ length: count }, (_, i) => thresholds[Math.floor(i * step)] as number);
}

export const calibration: Scenario = {
  name: 'calibration',
  description: `calibrate (k=${K}, f1, match_nearest): MemoryEvaluator vs a naive per-threshold loop`,
  async run({ quick }) {
    const evaluator = new MemoryEvaluator();
    const repeat = quick ? 3 : 5;

    // 1. Both run fully on a small set: the optimal cutpoints must agree exactly.
    const small = synthesize(quick ? 1_000 : CHECK_N, SEED + 1);
    const smallThresholds = naiveThresholds(small.lookups);
    const ours = evaluator.calibrate(small.queryLabels, small.lookups);
    const naive = naiveCalibrate(small.queryLabels, small.lookups, smallThresholds);
    const optimal = ours.cutpoints.optimal as Cutpoint;
    const agree =
      ours.thresholds.distance?.length === smallThresholds.length &&
      optimal.distance === smallThresholds[naive.best] &&
      optimal.f1 === naive.f1[naive.best] &&
      optimal.precision === naive.precision[naive.best] &&
      optimal.recall === naive.recall[naive.best];
    console.log(
      `check at N=${small.lookups.n}, T=${smallThresholds.length} (both full): optimal distance ours ${optimal.distance} / naive ${smallThresholds[naive.best]}, f1 ${optimal.f1} / ${naive.f1[naive.best]} → ${agree ? 'same cutpoint' : 'MISMATCH'}`,
    );
    if (!agree) throw new Error('calibrate and the naive loop disagree on the optimal cutpoint');

    // 2. Timings at growing N. The naive loop runs NAIVE_SAMPLE thresholds; its cost is linear in T, so it is scaled up.
    const sizes = quick ? [2_000, 10_000] : [10_000, 100_000];
    const rows: Array<Record<string, string | number>> = [];
    const results: Array<Record<string, unknown>> = [];
    for (const n of sizes) {
      const data = synthesize(n, SEED);
      const thresholds = naiveThresholds(data.lookups);
      const sampled = sample(thresholds, NAIVE_SAMPLE);
      let result = evaluator.calibrate(data.queryLabels, data.lookups);
      const oursTime = await time(() => {
        result = evaluator.calibrate(data.queryLabels, data.lookups);
      }, repeat);
      let partial = naiveCalibrate(data.queryLabels, data.lookups, sampled);
      const naiveTime = await time(
        () => {
          partial = naiveCalibrate(data.queryLabels, data.lookups, sampled);
        },
        quick ? 1 : 3,
        0,
      );
      // The sampled naive values must equal ours at the same thresholds.
      const index = new Map((result.thresholds.distance ?? []).map((d, i) => [d, i]));
      const sampledAgree = sampled.every((d, j) => result.thresholds.f1?.[index.get(d) ?? -1] === partial.f1[j]);
      if (!sampledAgree) throw new Error(`calibrate and the naive loop disagree on f1 at N=${n}`);
      const full = sampled.length === thresholds.length;
      const naiveMs = (naiveTime.medianMs * thresholds.length) / sampled.length;
      const speedup = naiveMs / oursTime.medianMs;
      rows.push({
        N: n,
        K,
        thresholds: thresholds.length,
        'ours ms': oursTime.medianMs,
        'naive ms': naiveMs,
        naive: full ? 'measured' : `extrapolated from ${sampled.length} thresholds`,
        speedup: `${speedup.toFixed(0)}×`,
        optimal: (result.cutpoints.optimal as Cutpoint).distance,
      });
      results.push({
        n,
        k: K,
        thresholds: thresholds.length,
        oursMs: oursTime.medianMs,
        oursRunsMs: oursTime.runsMs,
        naiveSampledThresholds: sampled.length,
        naiveSampledMs: naiveTime.medianMs,
        naiveMs,
        naiveExtrapolated: !full,
        speedup,
        optimal: result.cutpoints.optimal,
      });
    }
    printTable('calibrate: MemoryEvaluator vs naive per-threshold loop (median ms)', rows);
    console.log(
      `naive times beyond ${NAIVE_SAMPLE} thresholds are extrapolated linearly (the loop does one equal pass over all N queries per threshold); sampled values were checked against ours.`,
    );
    const file = writeResults('calibration', {
      k: K,
      gridSteps: GRID,
      check: { n: small.lookups.n, thresholds: smallThresholds.length, sameOptimal: agree },
      sizes: results,
    });
    console.log(`wrote ${file}`);
  },
};
