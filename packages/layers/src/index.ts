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
export { SIMKIT_LAYER_CLASSES, registerSimkitLayers } from './register.js';

import { registerSimkitLayers } from './register.js';

// Importing the package registers its layers (this module is listed in "sideEffects").
registerSimkitLayers();
