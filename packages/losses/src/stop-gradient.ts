import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` on `inputs` as a constant for backprop (TF's `stop_gradient`): the
 * result carries no gradient to the inputs. Comparisons, argmax and any other
 * op without a gradient must run in here when their inputs depend on the
 * embeddings, or tfjs refuses to differentiate the loss.
 */
export function constant<T extends tf.Tensor>(fn: (...inputs: tf.Tensor[]) => T, ...inputs: tf.Tensor[]): T {
  const shapes = inputs.map((t) => t.shape);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xs = args.slice(0, inputs.length) as tf.Tensor[];
    return { value: fn(...xs), gradFunc: () => shapes.map((s) => tf.zeros(s)) };
  });
  return op(...inputs) as T;
}
