import '@tensorflow/tfjs-backend-cpu';
import '../src/tensor.js';
import * as tf from '@tensorflow/tfjs-core';

/** Registers the cpu backend; call from beforeAll in every file that builds tensors. */
export async function useCpuBackend(): Promise<void> {
  // Keeps tfjs from printing its "install the node backend" notice in test output.
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  await tf.ready();
}

export function f32(...values: number[]): Float32Array {
  return Float32Array.from(values);
}

/** Row-major rows → Float32Array. */
export function rows(...r: number[][]): Float32Array {
  return Float32Array.from(r.flat());
}

/** Values of a pairwise result as a plain array, disposing the tensor. */
export function values(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}
