import { MetricEmbedding } from '@simkit/layers';
import { type LayersModel, type SymbolicTensor, initializers, input, layers, model } from '@tensorflow/tfjs-layers';
import { IMAGE_SIDE, IMAGE_SIZE } from './mnist-data.js';

/** The embedding network's shape. */
export interface Architecture {
  /** Filters of the fixed (untrained) convolution in front of the MLP; 0 for none. */
  readonly stemFilters: number;
  /** Kernel side of the fixed convolution. */
  readonly stemKernel: number;
  /** Max-pooling window after the fixed convolution. */
  readonly stemPool: number;
  /**
   * Filters of each trained 3×3 ReLU convolution (each followed by a 2×2 max-pool),
   * in order; empty for none. Training them on wasm needs the filter gradient that
   * `selectBackend` registers (`registerWasmConvGradients`).
   */
  readonly convFilters: readonly number[];
  /** Units of each hidden ReLU layer of the MLP. */
  readonly hidden: readonly number[];
  /** Size of the L2-normalised embedding. */
  readonly embeddingSize: number;
}

/**
 * The embedding model: a flat 784-value digit in, an L2-normalised embedding out
 * (`MetricEmbedding`). Every trainable layer is Dense: the wasm backend cannot
 * compute gradients for convolution filters, so the optional convolution in front
 * keeps the random filters it was seeded with and is never trained (needing no
 * such gradient); it gives the MLP small, shift-tolerant stroke detectors.
 */
export function buildModel(arch: Architecture, seed: number): LayersModel {
  const digits = input({ shape: [IMAGE_SIZE], name: 'digit' });
  let h: SymbolicTensor = digits;
  if (arch.stemFilters > 0 || arch.convFilters.length > 0) {
    h = layers.reshape({ targetShape: [IMAGE_SIDE, IMAGE_SIDE, 1], name: 'image' }).apply(h) as SymbolicTensor;
  }
  if (arch.stemFilters > 0) {
    h = layers
      .conv2d({
        filters: arch.stemFilters,
        kernelSize: arch.stemKernel,
        activation: 'relu',
        trainable: false,
        kernelInitializer: initializers.glorotUniform({ seed }),
        name: 'fixed_conv',
      })
      .apply(h) as SymbolicTensor;
    h = layers.maxPooling2d({ poolSize: arch.stemPool, name: 'pool' }).apply(h) as SymbolicTensor;
  }
  arch.convFilters.forEach((filters, i) => {
    h = layers
      .conv2d({
        filters,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: initializers.glorotUniform({ seed: seed + 50 + i }),
        name: `conv_${i + 1}`,
      })
      .apply(h) as SymbolicTensor;
    h = layers.maxPooling2d({ poolSize: 2, name: `conv_pool_${i + 1}` }).apply(h) as SymbolicTensor;
  });
  if (arch.stemFilters > 0 || arch.convFilters.length > 0) {
    h = layers.flatten({ name: 'flatten' }).apply(h) as SymbolicTensor;
  }
  arch.hidden.forEach((units, i) => {
    h = layers
      .dense({
        units,
        activation: 'relu',
        kernelInitializer: initializers.glorotUniform({ seed: seed + 1 + i }),
        name: `dense_${i + 1}`,
      })
      .apply(h) as SymbolicTensor;
  });
  const embedding = new MetricEmbedding({
    units: arch.embeddingSize,
    kernelInitializer: initializers.glorotUniform({ seed: seed + 100 }),
    name: 'metric_embedding',
  }).apply(h) as SymbolicTensor;
  return model({ inputs: digits, outputs: embedding, name: 'hello_mnist' });
}
