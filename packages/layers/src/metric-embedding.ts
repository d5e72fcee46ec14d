import { SimkitError, describe } from '@simkit/core';
import { type Tensor, serialization, tidy } from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
// Loads tfjs-layers, which registers Dense, before this module looks Dense up.
import '@tensorflow/tfjs-layers';
import { l2NormalizeLastAxis } from './l2-normalize.js';

/** The tfjs Dense layer instance type and its constructor arguments. */
export type DenseLayer = ReturnType<typeof layers.dense>;
/** Constructor arguments of MetricEmbedding: those of `tf.layers.dense` (`units` is required). */
export type MetricEmbeddingArgs = Parameters<typeof layers.dense>[0];
type LayerKwargs = Parameters<DenseLayer['call']>[1];

/** Dense's constructor with the static `className` / `fromConfig` every tfjs layer class has. */
type DenseConstructor = Omit<typeof layers.Layer, 'prototype'> & (new (args: MetricEmbeddingArgs) => DenseLayer);

/**
 * tfjs-layers registers its Dense class under the name `Dense`; taking it from the
 * serialisation map avoids a deep import into tfjs-layers' private build files.
 */
function denseClass(): DenseConstructor {
  const entry = serialization.SerializationMap.getMap().classNameMap.Dense;
  if (entry === undefined) {
    throw new SimkitError(
      'MISSING_COMPONENT',
      'The tfjs Dense layer is not registered; import @tensorflow/tfjs-layers (same copy of @tensorflow/tfjs-core) before @simkit/layers.',
    );
  }
  return entry[0] as unknown as DenseConstructor;
}

/**
 * A Dense layer whose outputs are L2-normalised along the last axis, so every
 * embedding has unit length (the usual output layer for cosine distance).
 * Config and weights are those of Dense; the default kernel initialiser is
 * `glorotUniform` (Keras' Dense default) rather than tfjs' `glorotNormal`.
 */
export class MetricEmbedding extends denseClass() {
  static className = 'MetricEmbedding';

  constructor(args: MetricEmbeddingArgs) {
    if (args === null || typeof args !== 'object') {
      throw new SimkitError('INVALID_ARGUMENT', `MetricEmbedding needs { units, ... }; got ${describe(args)}.`);
    }
    const units = (args as { units?: unknown }).units;
    if (typeof units !== 'number' || !Number.isInteger(units) || units < 1) {
      throw new SimkitError(
        'INVALID_ARGUMENT',
        `MetricEmbedding units must be an integer ≥ 1 (the embedding size, e.g. 64); got ${describe(units)}.`,
      );
    }
    super({ ...args, kernelInitializer: args.kernelInitializer ?? 'glorotUniform' });
  }

  /** The Dense output, L2-normalised along the last axis. */
  override call(inputs: Tensor | Tensor[], kwargs: LayerKwargs): Tensor | Tensor[] {
    return tidy(() => {
      const dense = super.call(inputs, kwargs);
      return l2NormalizeLastAxis(Array.isArray(dense) ? (dense[0] as Tensor) : dense);
    });
  }
}

/** Creates a MetricEmbedding layer, in the style of `tf.layers.dense(...)`. */
export function metricEmbedding(args: MetricEmbeddingArgs): MetricEmbedding {
  return new MetricEmbedding(args);
}
