import { GradientHistogram, MetricEmbedding, MomentDeskew, UnitNormalization } from '@simkit/layers';
import { type LayersModel, type SymbolicTensor, initializers, input, layers, model } from '@tensorflow/tfjs-layers';
import { IMAGE_SIDE, IMAGE_SIZE } from './mnist-data.js';

/** The embedding network's shape. */
export interface Architecture {
  /**
   * Straighten and centre each digit (`MomentDeskew`) before anything else sees it.
   * A class-independent normalisation: it helps the classes never trained on as much
   * as the trained ones.
   */
  readonly deskew: boolean;
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
  /** Size of the L2-normalised learned embedding. */
  readonly embeddingSize: number;
  /**
   * Shape features joined to the learned embedding:
   * `gradients` — histograms of stroke directions (`GradientHistogram`: 8 orientations in
   * each 4×4-pixel cell); `pixels` — the pixels themselves, softened by `pixelBlur`.
   * Both are fixed, class-independent and taken from the (deskewed) digit.
   * `conv` — the network's own conv responses, as they enter the dense layers (the last
   * max-pool, flattened): a skip connection past the dense layers. With trained
   * `convFilters` these are learned features, trained by the loss through the embedding.
   */
  readonly shapeFeatures: 'gradients' | 'pixels' | 'conv';
  /**
   * Share of the cosine similarity that comes from the shape features, from 0 (none: the
   * learned embedding alone) to below 1. The model's output is
   * `[√(1−w)·learned, √w·shape/‖shape‖]`, a unit vector whose cosine similarity between
   * two digits is `(1−w)·cos(learned) + w·cos(shape)`.
   */
  readonly shapeWeight: number;
  /**
   * With `shapeFeatures: 'pixels'`: side of the mean filter (stride 1, same size out) that
   * softens the pixels, so strokes a pixel apart still overlap; 1 for none.
   */
  readonly pixelBlur: number;
}

/** The model to index with, and the part of it that training fits. */
export interface EmbeddingNetwork {
  /** Digits in, the final unit-length embedding out: what the similarity model indexes. */
  readonly model: LayersModel;
  /**
   * Digits in, the learned embedding out (`metric_embedding`): the part the loss is
   * applied to. It shares its layers with `model`, so training it trains `model`.
   * Equal to `model` when `shapeWeight` is 0.
   */
  readonly trained: LayersModel;
}

/** The kinds of shape features `buildModel` can join to the learned embedding. */
export const SHAPE_FEATURES: readonly Architecture['shapeFeatures'][] = ['gradients', 'pixels', 'conv'];

function checkArchitecture(arch: Architecture): void {
  if (!(arch.shapeWeight >= 0 && arch.shapeWeight < 1)) {
    throw new RangeError(`shapeWeight must be in [0, 1); got ${arch.shapeWeight}.`);
  }
  if (!SHAPE_FEATURES.includes(arch.shapeFeatures)) {
    throw new RangeError(`shapeFeatures must be 'gradients', 'pixels' or 'conv'; got ${String(arch.shapeFeatures)}.`);
  }
  if (
    arch.shapeFeatures === 'conv' &&
    arch.shapeWeight > 0 &&
    arch.stemFilters === 0 &&
    arch.convFilters.length === 0
  ) {
    throw new RangeError("shapeFeatures 'conv' joins the conv layers' responses; give convFilters or stemFilters.");
  }
  if (!Number.isInteger(arch.pixelBlur) || arch.pixelBlur < 1) {
    throw new RangeError(`pixelBlur must be an integer ≥ 1; got ${arch.pixelBlur}.`);
  }
}

/**
 * The embedding network: a flat 784-value digit in, an L2-normalised embedding out.
 * Optionally deskewed first; then an optional fixed random convolution (untrained:
 * small shift-tolerant stroke detectors), optional trained convolutions, Dense ReLU
 * layers and a `MetricEmbedding`; optionally joined by unit-length shape features (of
 * the (deskewed) digit, or the conv responses), weighted by `shapeWeight`.
 */
export function buildModel(arch: Architecture, seed: number): EmbeddingNetwork {
  checkArchitecture(arch);
  const digits = input({ shape: [IMAGE_SIZE], name: 'digit' });
  let image: SymbolicTensor = layers
    .reshape({ targetShape: [IMAGE_SIDE, IMAGE_SIDE, 1], name: 'image' })
    .apply(digits) as SymbolicTensor;
  if (arch.deskew) image = new MomentDeskew({ name: 'deskew' }).apply(image) as SymbolicTensor;
  let h = image;
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
  h = layers.flatten({ name: 'flatten' }).apply(h) as SymbolicTensor;
  const convResponses = h;
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
  const learned = new MetricEmbedding({
    units: arch.embeddingSize,
    kernelInitializer: initializers.glorotUniform({ seed: seed + 100 }),
    name: 'metric_embedding',
  }).apply(h) as SymbolicTensor;
  if (arch.shapeWeight === 0) {
    const net = model({ inputs: digits, outputs: learned, name: 'hello_mnist' });
    return { model: net, trained: net };
  }
  let shape: SymbolicTensor;
  if (arch.shapeFeatures === 'conv') {
    shape = convResponses;
  } else if (arch.shapeFeatures === 'gradients') {
    shape = new GradientHistogram({ cellSize: 4, bins: 8, name: 'gradient_histogram' }).apply(image) as SymbolicTensor;
  } else {
    const soft =
      arch.pixelBlur > 1
        ? (layers
            .averagePooling2d({ poolSize: arch.pixelBlur, strides: 1, padding: 'same', name: 'pixel_blur' })
            .apply(image) as SymbolicTensor)
        : image;
    shape = layers.flatten({ name: 'pixels' }).apply(soft) as SymbolicTensor;
  }
  const unitShape = new UnitNormalization({ name: 'unit_shape' }).apply(shape) as SymbolicTensor;
  const share = (name: string, weight: number, t: SymbolicTensor) =>
    layers.rescaling({ scale: Math.sqrt(weight), name }).apply(t) as SymbolicTensor;
  const joined = layers
    .concatenate({ name: 'embedding' })
    .apply([
      share('learned_share', 1 - arch.shapeWeight, learned),
      share('shape_share', arch.shapeWeight, unitShape),
    ]) as SymbolicTensor;
  return {
    model: model({ inputs: digits, outputs: joined, name: 'hello_mnist' }),
    trained: model({ inputs: digits, outputs: learned, name: 'hello_mnist_learned' }),
  };
}
