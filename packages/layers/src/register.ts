import { serialization } from '@tensorflow/tfjs-core';
import { GeneralizedMeanPooling1D } from './generalized-mean-pooling-1d.js';
import { GeneralizedMeanPooling2D } from './generalized-mean-pooling-2d.js';
import { GradientHistogram } from './gradient-histogram.js';
import { MetricEmbedding } from './metric-embedding.js';
import { MomentDeskew } from './moment-deskew.js';
import { UnitNormalization } from './unit-normalization.js';

/** Every layer class of this package, as tfjs serialises it (package `Similarity`, like the Python library). */
export const SIMKIT_LAYER_CLASSES = Object.freeze([
  MetricEmbedding,
  GeneralizedMeanPooling1D,
  GeneralizedMeanPooling2D,
  UnitNormalization,
  MomentDeskew,
  GradientHistogram,
]);

/**
 * Registers this package's layers with tfjs' serialisation, so that `tf.loadLayersModel` can
 * rebuild a saved model that uses them. Importing `@simkit/layers` already does it, and
 * `SimilarityModel.load` calls it itself; call it when you load a model with tfjs directly
 * and your bundler may have dropped the import. Calling it again does nothing new.
 */
export function registerSimkitLayers(): void {
  for (const cls of SIMKIT_LAYER_CLASSES) serialization.registerClass(cls, 'Similarity');
}
