export { MetricEmbedding, metricEmbedding, type MetricEmbeddingArgs } from './metric-embedding.js';
export {
  GeneralizedMeanPooling,
  type DataFormat,
  type GeneralizedMeanPoolingArgs,
} from './generalized-mean-pooling.js';
export { GeneralizedMeanPooling1D, generalizedMeanPooling1d } from './generalized-mean-pooling-1d.js';
export { GeneralizedMeanPooling2D, generalizedMeanPooling2d } from './generalized-mean-pooling-2d.js';
export { l2NormalizeLastAxis } from './l2-normalize.js';
export { UnitNormalization, unitNormalization } from './unit-normalization.js';
export { MomentDeskew, momentDeskew } from './moment-deskew.js';
export { GradientHistogram, gradientHistogram, type GradientHistogramArgs } from './gradient-histogram.js';
