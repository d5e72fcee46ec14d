export { CIRCLE_LOSS_TYPE, CircleLoss, type CircleLossOptions } from './circle-loss.js';
export {
  type BatchMetric,
  type DistanceAggregate,
  type DistanceAnchor,
  DistanceGapMetric,
  DistanceMetric,
  type DistanceMetricOptions,
  trainingDistanceMetrics,
} from './distance-metrics.js';
export type { LabelsLike } from './loss-input.js';
export {
  LOSS_CONFIG_VERSION,
  LOSSES_PACKAGE,
  type LossFn,
  MetricLoss,
  type MetricLossOptions,
  type TensorDistance,
} from './metric-loss.js';
export type { NegativeMining, PositiveMining } from './mining.js';
export type { PairMasks } from './pair-masks.js';
export {
  MULTI_SIMILARITY_LOSS_TYPE,
  MultiSimilarityLoss,
  type MultiSimilarityLossOptions,
} from './multi-similarity-loss.js';
export { PN_LOSS_TYPE, PNLoss, type PNLossOptions } from './pn-loss.js';
export {
  SOFT_NEAREST_NEIGHBOR_LOSS_TYPE,
  SoftNearestNeighborLoss,
  type SoftNearestNeighborLossOptions,
} from './soft-nearest-neighbor-loss.js';
export {
  MinedTripletLoss,
  TRIPLET_LOSS_TYPE,
  TripletLoss,
  type TripletLossOptions,
  type TripletSettings,
} from './triplet-loss.js';
