import type { ClassificationMetric } from '@simkit/classification-metrics';
import type { Configurable, ProgressHandler } from '@simkit/core';
import type { RetrievalMetric } from '@simkit/retrieval-metrics';
import type { CalibrationResult, ClassificationEvaluation, Cutpoint } from './cutpoint.js';
import type { LookupMatrix } from './lookup-matrix.js';
import type { Matcher } from './matcher.js';

export interface CalibrateOptions {
  /** Named lower bounds on the calibration metric, e.g. `{ '0.9': 0.9 }`; a target named `optimal` replaces it. */
  readonly thresholdsTargets?: Readonly<Record<string, number>>;
  /** Metric to optimise (default `f1`). */
  readonly calibrationMetric?: string | ClassificationMetric;
  /** How a query's lookups become one (label, distance) (default `match_nearest`). */
  readonly matcher?: string | Matcher;
  /** Also reported at each cutpoint (default `['precision', 'recall']`). */
  readonly extraMetrics?: ReadonlyArray<string | ClassificationMetric>;
  readonly onProgress?: ProgressHandler;
}

export interface MatchOptions {
  /** Label for queries with no match within the cutpoint distance (default -1). */
  readonly noMatchLabel?: number;
  /** Default `match_nearest`; use the matcher the cutpoint was calibrated with. */
  readonly matcher?: string | Matcher;
}

/** Threshold calibration and evaluation of lookups. */
export interface Evaluator extends Configurable {
  evaluateClassification(
    queryLabels: ArrayLike<number>,
    lookups: LookupMatrix,
    distanceThresholds: ArrayLike<number>,
    metrics: ReadonlyArray<string | ClassificationMetric>,
    matcher?: string | Matcher,
  ): ClassificationEvaluation;
  calibrate(queryLabels: ArrayLike<number>, lookups: LookupMatrix, options?: CalibrateOptions): CalibrationResult;
  match(lookups: LookupMatrix, cutpoint: Cutpoint, options?: MatchOptions): Int32Array;
  evaluateRetrieval(
    queryLabels: ArrayLike<number>,
    lookups: LookupMatrix,
    metrics: ReadonlyArray<string | RetrievalMetric>,
  ): Record<string, number>;
}
