import { type ClassificationMetric, makeClassificationMetric } from '@simkit/classification-metrics';
import {
  type ComponentConfig,
  type ProgressHandler,
  checkOptions,
  describe,
  expectConfig,
  invalidArgument,
  isNumericTypedArray,
  noProgress,
} from '@simkit/core';
import { type RetrievalMetric, makeRetrievalMetric } from '@simkit/retrieval-metrics';
import type { CalibrationResult, ClassificationEvaluation, Cutpoint } from './cutpoint.js';
import type { CalibrateOptions, Evaluator, MatchOptions } from './evaluator.js';
import { type LookupMatrix, assertLookupsPresent, checkLookupMatrix } from './lookup-matrix.js';
import { makeMatcher } from './make-matcher.js';
import { type Matcher, deriveChecked } from './matcher.js';
import { toQueryLabels } from './query-labels.js';
import { checkDecimals, roundDistance, roundDistances } from './rounding.js';
import { countAtThresholds, sortedUnique } from './threshold-counts.js';

/** Options of `MemoryEvaluator`. */
export interface MemoryEvaluatorOptions {
  /**
   * Decimals distances are rounded to before thresholds are compared (default
   * 8, as TensorFlow Similarity); null compares them as they are.
   */
  readonly distanceRounding?: number | null;
}

/** What `MemoryEvaluator.toConfig` saves. */
export interface MemoryEvaluatorConfig extends Record<string, unknown> {
  readonly distanceRounding: number | null;
}

/** Keys of a calibration result that a metric name must not take. */
const RESERVED = new Set(['name', 'value', 'distance']);

/**
 * Calibrates a distance threshold and evaluates lookups, all in memory.
 * Stateless: `calibrate` returns the cutpoints, and `match` takes one back.
 */
export class MemoryEvaluator implements Evaluator {
  static readonly type = 'memory-evaluator';
  static readonly version = 1;
  readonly distanceRounding: number | null;

  constructor(options?: MemoryEvaluatorOptions) {
    const o = checkOptions(options, 'MemoryEvaluator options');
    this.distanceRounding = checkDecimals(
      o.distanceRounding === undefined ? 8 : o.distanceRounding,
      'distanceRounding',
    );
  }

  /**
   * Metric curves at the given thresholds, both sorted ascending. The matcher
   * works on the distances as given; its distance is rounded like calibrate's
   * before the comparison, so a calibrated cutpoint gives the calibration counts.
   */
  evaluateClassification(
    queryLabels: ArrayLike<number>,
    lookups: LookupMatrix,
    distanceThresholds: ArrayLike<number>,
    metrics: ReadonlyArray<string | ClassificationMetric>,
    matcher: string | Matcher = 'match_nearest',
  ): ClassificationEvaluation {
    checkLookupMatrix(lookups);
    const labels = toQueryLabels(queryLabels, lookups.n);
    assertLookupsPresent(lookups);
    const thresholds = toThresholds(distanceThresholds);
    const made = makeMetrics(metrics, 'metrics');
    const m = makeMatcher(matcher);
    const derived = deriveChecked(m, lookups);
    const distances = roundDistances(derived.distances, this.distanceRounding);
    const counts = countAtThresholds(labels, derived.labels, distances, thresholds);
    const out: Record<string, number[]> = { distance: toArray(thresholds) };
    for (const metric of made) out[metric.name] = toArray(runMetric(metric, counts, thresholds.length));
    return out as ClassificationEvaluation;
  }

  /**
   * Finds the distance thresholds that optimise the calibration metric and
   * meet the targets: distances rounded, every distinct distance of every lookup
   * column is a threshold, last best index wins (the steps are described in
   * docs/calibration-and-matching.md of the simkit repository).
   */
  calibrate(
    queryLabels: ArrayLike<number>,
    lookups: LookupMatrix,
    calibrateOptions?: CalibrateOptions,
  ): CalibrationResult {
    const options = checkOptions(calibrateOptions, 'calibrate options');
    checkLookupMatrix(lookups);
    assertLookupsPresent(lookups);
    const labels = toQueryLabels(queryLabels, lookups.n);
    const targets = checkTargets(options.thresholdsTargets ?? {});
    const [calibrationMetric] = makeMetrics([options.calibrationMetric ?? 'f1'], 'calibrationMetric') as [
      ClassificationMetric,
    ];
    const extras = makeMetrics(options.extraMetrics ?? ['precision', 'recall'], 'extraMetrics');
    const metrics = [...extras, calibrationMetric];
    const matcher = makeMatcher(options.matcher ?? 'match_nearest');
    const onProgress: ProgressHandler = options.onProgress ?? noProgress;
    if (typeof onProgress !== 'function') {
      throw invalidArgument(`onProgress must be a function; got ${describe(onProgress)}.`);
    }
    const total = metrics.length + 3;
    let done = 0;
    const step = () => onProgress({ task: 'calibrate', done: ++done, total });

    const rounded: LookupMatrix = {
      n: lookups.n,
      k: lookups.k,
      labels: lookups.labels,
      distances: roundDistances(lookups.distances, this.distanceRounding),
    };
    const thresholds = sortedUnique(rounded.distances);
    const derived = deriveChecked(matcher, rounded);
    step();
    const counts = countAtThresholds(labels, derived.labels, derived.distances, thresholds);
    step();

    const curves: Record<string, Float64Array> = { distance: thresholds };
    for (const metric of metrics) {
      curves[metric.name] = runMetric(metric, counts, thresholds.length);
      step();
    }
    const values = curves[calibrationMetric.name] as Float64Array;

    const cutpoint = (name: string, idx: number): Cutpoint => {
      const cp: Record<string, number | string> = { name, value: values[idx] as number };
      for (const key of Object.keys(curves)) cp[key] = (curves[key] as Float64Array)[idx] as number;
      return cp as Cutpoint;
    };
    const cutpoints: Record<string, Cutpoint> = {
      optimal: cutpoint('optimal', lastBest(values, calibrationMetric.maximize)),
    };
    for (const [name, target] of Object.entries(targets)) {
      const idx = targetIndex(values, target, calibrationMetric.increasing);
      if (idx >= 0) cutpoints[name] = cutpoint(name, idx);
    }
    step();

    const table: Record<string, number[]> = {};
    for (const key of Object.keys(curves)) table[key] = toArray(curves[key] as Float64Array);
    table.value = toArray(values);
    return { cutpoints, thresholds: table };
  }

  /**
   * The derived label of each query when its derived distance (from the
   * distances as given, rounded like calibrate's) is within the cutpoint, else
   * `noMatchLabel`.
   */
  match(lookups: LookupMatrix, cutpoint: Cutpoint, matchOptions?: MatchOptions): Int32Array {
    checkLookupMatrix(lookups);
    const options = checkOptions(matchOptions, 'match options');
    if (
      typeof cutpoint !== 'object' ||
      cutpoint === null ||
      typeof cutpoint.distance !== 'number' ||
      Number.isNaN(cutpoint.distance)
    ) {
      throw invalidArgument(
        `cutpoint must be a calibrated cutpoint { name, value, distance, … } with a numeric distance; got ${describe(cutpoint)}. Call calibrate() first and pass one of its cutpoints.`,
      );
    }
    const noMatch = options.noMatchLabel ?? -1;
    if (typeof noMatch !== 'number' || !Number.isInteger(noMatch) || noMatch < -0x80000000 || noMatch > 0x7fffffff) {
      throw invalidArgument(`noMatchLabel must be an integer label; got ${describe(noMatch)}.`);
    }
    const out = new Int32Array(lookups.n);
    if (lookups.n === 0) return out;
    assertLookupsPresent(lookups);
    const derived = deriveChecked(makeMatcher(options.matcher ?? 'match_nearest'), lookups);
    const limit = cutpoint.distance;
    for (let i = 0; i < out.length; i++) {
      const d = roundDistance(derived.distances[i] as number, this.distanceRounding);
      out[i] = d <= limit ? (derived.labels[i] as number) : noMatch;
    }
    return out;
  }

  /**
   * Each retrieval metric over the lookups (distances rounded as in calibrate),
   * keyed by metric name.
   */
  evaluateRetrieval(
    queryLabels: ArrayLike<number>,
    lookups: LookupMatrix,
    metrics: ReadonlyArray<string | RetrievalMetric>,
  ): Record<string, number> {
    checkLookupMatrix(lookups);
    assertLookupsPresent(lookups);
    const labels = toQueryLabels(queryLabels, lookups.n);
    if (!Array.isArray(metrics)) {
      throw invalidArgument(`metrics must be an array of retrieval metrics or names; got ${describe(metrics)}.`);
    }
    const made = metrics.map((m) => makeRetrievalMetric(m));
    for (const m of made) {
      if (m.k > lookups.k) {
        throw invalidArgument(
          `Each query returned ${lookups.k} lookups but ${m.name} needs k ≥ ${m.k}; look up at least ${m.k} neighbours (k + 1 when dropping the closest).`,
          { lookups: lookups.k, k: m.k },
        );
      }
    }
    const { n, k } = lookups;
    const matchMask = new Uint8Array(n * k);
    for (let i = 0; i < n; i++) {
      const q = labels[i] as number;
      for (let j = i * k; j < (i + 1) * k; j++) matchMask[j] = lookups.labels[j] === q ? 1 : 0;
    }
    const distances = roundDistances(lookups.distances, this.distanceRounding);
    const out: Record<string, number> = {};
    for (const m of made) out[m.name] = m.compute({ queryLabels: labels, matchMask, m: k, distances });
    return out;
  }

  toConfig(): ComponentConfig<MemoryEvaluatorConfig> {
    return {
      type: MemoryEvaluator.type,
      version: MemoryEvaluator.version,
      package: '@simkit/evaluators',
      config: { distanceRounding: this.distanceRounding },
    };
  }

  /** A MemoryEvaluator from the config its `toConfig` wrote. */
  static fromConfig(config: ComponentConfig): MemoryEvaluator {
    expectConfig(config, MemoryEvaluator.type, MemoryEvaluator.version);
    const rounding = config.config.distanceRounding;
    return new MemoryEvaluator(rounding === undefined ? {} : { distanceRounding: rounding as number | null });
  }
}

function makeMetrics(metrics: ReadonlyArray<string | ClassificationMetric>, what: string): ClassificationMetric[] {
  if (!Array.isArray(metrics)) {
    throw invalidArgument(`${what} must be an array of classification metrics or names; got ${describe(metrics)}.`);
  }
  return metrics.map((m) => {
    const made = makeClassificationMetric(m);
    if (RESERVED.has(made.name)) {
      throw invalidArgument(
        `A metric may not be named '${made.name}' (a result key); rename it with makeClassificationMetric(metric, 'other_name').`,
      );
    }
    return made;
  });
}

/** Runs a metric and checks it gave one number per threshold. */
function runMetric(
  metric: ClassificationMetric,
  counts: Parameters<ClassificationMetric['compute']>[0],
  t: number,
): Float64Array {
  const out = metric.compute(counts);
  if (!(out instanceof Float64Array) || out.length !== t) {
    throw invalidArgument(`metric '${metric.name}' must return a Float64Array of ${t} values; got ${describe(out)}.`);
  }
  for (let i = 0; i < t; i++) {
    if (Number.isNaN(out[i])) throw invalidArgument(`metric '${metric.name}' returned NaN at threshold ${i}.`);
  }
  return out;
}

/** A plain array copy; a counted loop is much faster than Array.from over a typed array. */
function toArray(values: Float64Array): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] as number;
  return out;
}

function toThresholds(values: ArrayLike<number>): Float64Array {
  if (!Array.isArray(values) && !isNumericTypedArray(values)) {
    throw invalidArgument(`distanceThresholds must be an array of numbers; got ${describe(values)}.`);
  }
  if (values.length === 0) throw invalidArgument('distanceThresholds is empty; pass at least one distance.');
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw invalidArgument(`distanceThresholds[${i}] = ${describe(v)} is not a number.`);
    }
    out[i] = v;
  }
  return out.sort();
}

function checkTargets(targets: Readonly<Record<string, number>>): Readonly<Record<string, number>> {
  if (typeof targets !== 'object' || targets === null || Array.isArray(targets)) {
    throw invalidArgument(`thresholdsTargets must be an object of name → target value; got ${describe(targets)}.`);
  }
  for (const [name, v] of Object.entries(targets)) {
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw invalidArgument(`thresholdsTargets['${name}'] = ${describe(v)} is not a number.`);
    }
  }
  return targets;
}

/** Index of the last maximum (or last minimum when not maximising). */
function lastBest(values: Float64Array, maximize: boolean): number {
  let idx = 0;
  let best = values[0] as number;
  for (let i = 1; i < values.length; i++) {
    const v = values[i] as number;
    if (maximize ? v >= best : v <= best) {
      best = v;
      idx = i;
    }
  }
  return idx;
}

/** First index with `value >= target` for an increasing metric, last otherwise; -1 when none. */
function targetIndex(values: Float64Array, target: number, increasing: boolean): number {
  if (increasing) {
    for (let i = 0; i < values.length; i++) if ((values[i] as number) >= target) return i;
    return -1;
  }
  for (let i = values.length - 1; i >= 0; i--) if ((values[i] as number) >= target) return i;
  return -1;
}
