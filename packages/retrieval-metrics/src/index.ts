export {
  RETRIEVAL_METRIC_CONFIG_VERSION,
  RetrievalMetricBase,
  type Average,
  type RetrievalMetric,
  type RetrievalMetricConfig,
  type RetrievalMetricInput,
  type RetrievalMetricOptions,
} from './retrieval-metric.js';
export { RecallAtK } from './recall-at-k.js';
export {
  PrecisionAtK,
  type MetricNames,
  type PrecisionAtKConfig,
  type PrecisionAtKOptions,
  type RelevantCounts,
} from './precision-at-k.js';
export { MapAtK } from './map-at-k.js';
export { BNDCG } from './bndcg.js';
export {
  RETRIEVAL_METRIC_NAMES,
  isRetrievalMetric,
  makeRetrievalMetric,
  retrievalMetricFromConfig,
} from './make-retrieval-metric.js';
export { pythonFloat } from './python-float.js';
