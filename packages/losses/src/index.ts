export { BARLOW_LOSS_TYPE, BarlowLoss, type BarlowLossOptions } from './barlow-loss.js';
export { CIRCLE_LOSS_TYPE, CircleLoss, type CircleLossOptions } from './circle-loss.js';
export { ContrastiveLoss, type ContrastiveLossOptions, PerSampleContrastiveLoss } from './contrastive-loss.js';
export {
  type BatchMetric,
  type DistanceAggregate,
  type DistanceAnchor,
  DistanceGapMetric,
  DistanceMetric,
  type DistanceMetricOptions,
  trainingDistanceMetrics,
} from './distance-metrics.js';
export { LIFTED_STRUCT_LOSS_TYPE, LiftedStructLoss, type LiftedStructLossOptions } from './lifted-struct-loss.js';
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
export {
  MULTI_NEGATIVES_RANK_LOSS_TYPE,
  MultiNegativesRankLoss,
  type MultiNegativesRankLossOptions,
} from './multi-negatives-rank-loss.js';
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
export { SIMCLR_LOSS_TYPE, SimCLRLoss, type SimCLRLossOptions } from './simclr-loss.js';
export {
  SIMSIAM_LOSS_TYPE,
  SIMSIAM_PROJECTIONS,
  SimSiamLoss,
  type SimSiamLossOptions,
  type SimSiamProjection,
} from './simsiam-loss.js';
export { VICREG_LOSS_TYPE, VicRegLoss, type VicRegLossOptions } from './vicreg-loss.js';
export { XBM_LOSS_TYPE, XBMLoss, type XBMLossOptions, type XBMWrappedLoss } from './xbm-loss.js';
