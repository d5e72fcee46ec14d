import { GeneralizedMeanPooling, type GeneralizedMeanPoolingArgs } from './generalized-mean-pooling.js';

/**
 * GeM pooling over rows and columns of a (batch, rows, cols, channels) tensor
 * (channelsFirst: (batch, channels, rows, cols)). Output (batch, channels), or
 * with `keepdims` (batch, 1, 1, channels) / (batch, channels, 1, 1).
 */
export class GeneralizedMeanPooling2D extends GeneralizedMeanPooling {
  static className = 'GeneralizedMeanPooling2D';
  protected readonly inputRank = 4;
}

/** Creates a GeneralizedMeanPooling2D layer, in the style of `tf.layers.*`. */
export function generalizedMeanPooling2d(args?: GeneralizedMeanPoolingArgs): GeneralizedMeanPooling2D {
  return new GeneralizedMeanPooling2D(args);
}
