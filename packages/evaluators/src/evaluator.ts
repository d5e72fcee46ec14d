import type { ClassificationMetric } from '@simkit/classification-metrics';
import type { Configurable, ProgressHandler } from '@simkit/core';
import type { RetrievalMetric } from '@simkit/retrieval-metrics';
import type { CalibrationResult, ClassificationEvaluation, Cutpoint } from './cutpoint.js';
import type { LookupMatrix } from './lookup-matrix.js';
import type { Matcher } from './matcher.js';

/** Options of `Evaluator.calibrate`. */
export interface CalibrateOptions {
  /** Named lower bounds on the calibration metric, e.g. `{ '0.9': 0.9 }`; a target named `optimal` replaces it. */
  readonly thresholdsTargets?: Readonly<Record<string, number>>;
  /** Metric to optimise (default `f1`). */
  readonly calibrationMetric?: string | ClassificationMetric;
  /** How a query's lookups become one (label, distance) (default `match_nearest`). */
  readonly matcher?: string | Matcher;
  /** Also reported at each cutpoint (default `['precision', 'recall']`). */
  readonly extraMetrics?: ReadonlyArray<string | ClassificationMetric>;
  /** Told after each step of the calibration (task `calibrate`). */
  readonly onProgress?: ProgressHandler;
}

/** Options of `Evaluator.match`. */
export interface MatchOptions {
  /** Label for queries with no match within the cutpoint distance (default -1). */
  readonly noMatchLabel?: number;
  /** Default `match_nearest`; use the matcher the cutpoint was calibrated with. */
  readonly matcher?: string | Matcher;
}

/** Threshold calibration and evaluation of lookups. */
export interface Evaluator extends Configurable {
  /** Each metric at each distance threshold; thresholds and values come back sorted by distance. */
  evaluateClassification(
    queryLabels: ArrayLike<number>,
    lookups: LookupMatrix,
    distanceThresholds: ArrayLike<number>,
    metrics: ReadonlyArray<string | ClassificationMetric>,
    matcher?: string | Matcher,
  ): ClassificationEvaluation;
  /** The cutpoints (optimal and one per met target) and the full metric-by-threshold table. */
  calibrate(queryLabels: ArrayLike<number>, lookups: LookupMatrix, options?: CalibrateOptions): CalibrationResult;
  /** Per query: the derived label when its distance is within the cutpoint, else `noMatchLabel`. */
  match(lookups: LookupMatrix, cutpoint: Cutpoint, options?: MatchOptions): Int32Array;
  /** Each retrieval metric over the lookups, keyed by metric name. */
  evaluateRetrieval(
    queryLabels: ArrayLike<number>,
    lookups: LookupMatrix,
    metrics: ReadonlyArray<string | RetrievalMetric>,
  ): Record<string, number>;
}
