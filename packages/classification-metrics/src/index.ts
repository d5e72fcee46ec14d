export {
  CLASSIFICATION_METRIC_CONFIG_VERSION,
  CLASSIFICATION_METRIC_TYPE,
  ClassificationMetricBase,
  checkCounts,
  div0,
  isClassificationMetric,
  type ClassificationCounts,
  type ClassificationMetric,
  type ClassificationMetricConfig,
  type ClassificationMetricOptions,
} from './classification-metric.js';
export { Precision } from './precision.js';
export { Recall } from './recall.js';
export { F1Score } from './f1-score.js';
export { FalsePositiveRate } from './false-positive-rate.js';
export { NegativePredictiveValue } from './negative-predictive-value.js';
export { BinaryAccuracy } from './binary-accuracy.js';
export {
  CLASSIFICATION_METRIC_NAMES,
  classificationMetricFromConfig,
  makeClassificationMetric,
} from './make-classification-metric.js';
