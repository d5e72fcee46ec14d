import { SimkitError, describe } from '@simkit/core';
import { type Tensor, tidy } from '@tensorflow/tfjs-core';
import { type Shape, layers } from '@tensorflow/tfjs-layers';
import { l2NormalizeLastAxis } from './l2-normalize.js';

type LayerArgs = NonNullable<Parameters<typeof layers.flatten>[0]>;
type LayerKwargs = Parameters<InstanceType<typeof layers.Layer>['call']>[1];

/**
 * Divides each input by its L2 norm along the last axis (`x / sqrt(max(Σx², 1e-12))`),
 * like Keras' `UnitNormalization`; a zero vector stays zero. No weights. Useful to
 * give a branch of a model unit length before it is weighted and concatenated with
 * another embedding.
 */
export class UnitNormalization extends layers.Layer {
  static className = 'UnitNormalization';

  constructor(args: LayerArgs = {}) {
    if (args === null || typeof args !== 'object') {
      throw new SimkitError('INVALID_ARGUMENT', `UnitNormalization takes an options object; got ${describe(args)}.`);
    }
    super(args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  }

  override call(inputs: Tensor | Tensor[], _kwargs: LayerKwargs): Tensor {
    return tidy(() => l2NormalizeLastAxis(Array.isArray(inputs) ? (inputs[0] as Tensor) : inputs));
  }
}

/** Creates a UnitNormalization layer, in the style of `tf.layers.*`. */
export function unitNormalization(args?: LayerArgs): UnitNormalization {
  return new UnitNormalization(args);
}
