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

/** Creates a GeneralizedMeanPooling1D layer, in the style of `tf.layers.*`. */
export function generalizedMeanPooling1d(args?: GeneralizedMeanPoolingArgs): GeneralizedMeanPooling1D {
  return new GeneralizedMeanPooling1D(args);
}
