import { serialization } from '@tensorflow/tfjs-core';
import { GeneralizedMeanPooling, type GeneralizedMeanPoolingArgs } from './generalized-mean-pooling.js';

/**
 * GeM pooling over the steps of a (batch, steps, channels) tensor
 * (channelsFirst: (batch, channels, steps)). Output (batch, channels), or
 * with `keepdims` (batch, 1, channels) / (batch, channels, 1).
 */
export class GeneralizedMeanPooling1D extends GeneralizedMeanPooling {
  static className = 'GeneralizedMeanPooling1D';
  protected readonly inputRank = 3;
}

serialization.registerClass(GeneralizedMeanPooling1D, 'Similarity');

export function generalizedMeanPooling1d(args?: GeneralizedMeanPoolingArgs): GeneralizedMeanPooling1D {
  return new GeneralizedMeanPooling1D(args);
}
