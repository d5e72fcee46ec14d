import {
  type ComponentConfig,
  SimkitError,
  checkOptions,
  describe,
  expectConfig,
  invalidArgument,
  isComponentConfig,
} from '@simkit/core';
import { BinaryAccuracy } from './binary-accuracy.js';
import {
  CLASSIFICATION_METRIC_CONFIG_VERSION,
  CLASSIFICATION_METRIC_TYPE,
  type ClassificationMetric,
  type ClassificationMetricConfig,
  isClassificationMetric,
} from './classification-metric.js';
import { F1Score } from './f1-score.js';
import { FalsePositiveRate } from './false-positive-rate.js';
import { NegativePredictiveValue } from './negative-predictive-value.js';
import { Precision } from './precision.js';
import { Recall } from './recall.js';

type MetricClass = new (name?: string) => ClassificationMetric;

/**
 * Accepted metric names (lower case). Includes every canonical name, so a
 * saved `canonical_name` always loads, and TensorFlow Similarity's misspelled
 * `negative_predicitve_value` for files written there.
 */
const ALIASES: Readonly<Record<string, MetricClass>> = Object.freeze({
  recall: Recall,
  precision: Precision,
  f1: F1Score,
  f1score: F1Score,
  f1_score: F1Score,
  binary_accuracy: BinaryAccuracy,
  npv: NegativePredictiveValue,
  negative_predictive_value: NegativePredictiveValue,
  negative_predicitve_value: NegativePredictiveValue,
  fpr: FalsePositiveRate,
  false_positive_rate: FalsePositiveRate,
});

/** Every name `makeClassificationMetric` accepts, lower case. */
export const CLASSIFICATION_METRIC_NAMES: readonly string[] = Object.freeze(Object.keys(ALIASES));

/**
 * A metric from a name (case-insensitive; its `name` is the alias in lower
 * case, e.g. `"F1_Score"` → `f1_score`) or a metric object used as is.
 * A non-empty `name` renames the result without changing the object passed in.
 */
export function makeClassificationMetric(metric: string | ClassificationMetric, name?: string): ClassificationMetric {
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw invalidArgument(`name must be a non-empty string; got ${describe(name)}.`);
  }
  let made: ClassificationMetric;
  if (typeof metric === 'string') {
    const key = metric.toLowerCase();
    const Ctor = Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined;
    if (Ctor === undefined) {
      throw invalidArgument(
        `Unknown classification metric '${metric}'. Use one of: ${CLASSIFICATION_METRIC_NAMES.join(', ')}, or pass a ClassificationMetric object.`,
        { metric },
      );
    }
    made = new Ctor(name ?? key);
    return made;
  }
  if (!isClassificationMetric(metric)) {
    throw invalidArgument(
      `Expected a metric name or an object with name, canonicalName, maximize, increasing and compute(counts); got ${describe(metric)}.`,
    );
  }
  if (name === undefined || name === metric.name) return metric;
  return renamed(metric, name);
}

/** A view of `metric` under another name; methods still run against the original fields. */
function renamed(metric: ClassificationMetric, name: string): ClassificationMetric {
  return Object.create(metric, {
    name: { value: name, enumerable: true, writable: false, configurable: false },
  }) as ClassificationMetric;
}

/**
 * Rebuilds a metric from `toConfig()` output, or from the bare
 * `{ name, canonical_name, … }` object TensorFlow Similarity saves. Metrics of
 * your own are found in `custom` under their canonical name.
 */
export function classificationMetricFromConfig(
  config: ComponentConfig | ClassificationMetricConfig,
  customMetrics?: Readonly<Record<string, ClassificationMetric>>,
): ClassificationMetric {
  const custom = checkOptions(customMetrics, 'custom metrics');
  let inner: Record<string, unknown>;
  if (isComponentConfig(config)) {
    expectConfig(config, CLASSIFICATION_METRIC_TYPE, CLASSIFICATION_METRIC_CONFIG_VERSION);
    inner = config.config;
  } else if (typeof config === 'object' && config !== null) {
    inner = config as Record<string, unknown>;
  } else {
    throw invalidArgument(`Expected a classification metric config; got ${describe(config)}.`);
  }
  const canonical = inner.canonical_name;
  const name = inner.name;
  if (typeof canonical !== 'string' || canonical.length === 0) {
    throw new SimkitError(
      'CORRUPT_INDEX',
      `The classification metric config has no canonical_name (got ${describe(canonical)}); the saved calibration may be damaged.`,
    );
  }
  const own = typeof name === 'string' && name.length > 0 ? name : undefined;
  const user = Object.hasOwn(custom, canonical) ? custom[canonical] : undefined;
  if (user !== undefined) return makeClassificationMetric(user, own);
  if (!Object.hasOwn(ALIASES, canonical.toLowerCase())) {
    throw new SimkitError(
      'MISSING_COMPONENT',
      `The saved calibration uses the metric '${canonical}', which is not built in; pass it as { '${canonical}': yourMetric } in the custom metrics.`,
      { details: { canonicalName: canonical } },
    );
  }
  return makeClassificationMetric(canonical, own);
}
