import { type ComponentConfig, describe, invalidArgument, isComponentConfig, SimkitError } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { CIRCLE_LOSS_TYPE, CircleLoss } from './circle-loss.js';
import { lossConfig, lossSettings, MetricLoss } from './metric-loss.js';
import { MULTI_SIMILARITY_LOSS_TYPE, MultiSimilarityLoss } from './multi-similarity-loss.js';
import type { PairMasks } from './pair-masks.js';
import { constant } from './stop-gradient.js';
import { TRIPLET_LOSS_TYPE, TripletLoss } from './triplet-loss.js';

/** The losses XBMLoss can wrap: those whose TF Similarity loss function works against a memory. */
export type XBMWrappedLoss = MultiSimilarityLoss | TripletLoss | CircleLoss;

/** Options of `XBMLoss`: the loss it wraps, the memory size and the warm-up. */
export interface XBMLossOptions {
  /** The loss computed between the batch and the batch + memory: a MultiSimilarityLoss, TripletLoss or CircleLoss. Required. */
  readonly loss: XBMWrappedLoss;
  /** How many of the latest embeddings (and labels) the memory keeps, the current batch included. Required, as in TF Similarity. */
  readonly memorySize: number;
  /** Calls during which the loss is the wrapped loss of the batch alone and the memory stays empty. Default 0. */
  readonly warmupSteps?: number;
  /** Name of the loss instance. Default `'xbm_loss'`. */
  readonly name?: string;
}

/** Config `type` of XBMLoss. */
export const XBM_LOSS_TYPE = 'xbm-loss';

const DEFAULT_NAME = 'xbm_loss';

/** Rebuilds each loss XBMLoss can wrap from its config, by config `type`. */
const WRAPPED_FROM_CONFIG: Readonly<Record<string, (config: ComponentConfig) => XBMWrappedLoss>> = {
  [MULTI_SIMILARITY_LOSS_TYPE]: (c) => MultiSimilarityLoss.fromConfig(c),
  [TRIPLET_LOSS_TYPE]: (c) => TripletLoss.fromConfig(c),
  [CIRCLE_LOSS_TYPE]: (c) => CircleLoss.fromConfig(c),
};

function isWrappable(loss: unknown): loss is XBMWrappedLoss {
  return loss instanceof MultiSimilarityLoss || loss instanceof TripletLoss || loss instanceof CircleLoss;
}

/** Checks the options far enough to build the MetricLoss base: name and the wrapped loss's distance. */
function baseOptions(options: XBMLossOptions): { name?: string; distance: MetricLoss['distance'] } {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument(`${DEFAULT_NAME}: options must be an object; got ${describe(options)}.`);
  }
  const label = typeof options.name === 'string' && options.name.length > 0 ? options.name : DEFAULT_NAME;
  const loss: unknown = options.loss;
  if (!isWrappable(loss)) {
    const got = loss instanceof MetricLoss ? `a ${loss.constructor.name}` : describe(loss);
    throw invalidArgument(
      `${label}: loss must be a MultiSimilarityLoss, TripletLoss or CircleLoss (as in TF Similarity, the other losses cannot be computed against a memory); got ${got}.`,
    );
  }
  return { name: options.name, distance: loss.distance };
}

function integerOption(value: unknown, name: string, min: number, loss: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalidArgument(`${loss}: ${name} must be an integer ≥ ${min}; got ${describe(value)}.`);
  }
  return value;
}

/**
 * Cross-batch memory (Wang et al. 2020, arXiv:1912.06798), as TF Similarity's `XBM`:
 * wraps a MultiSimilarityLoss, TripletLoss or CircleLoss and keeps a FIFO memory of the
 * latest `memorySize` embeddings and labels. Each call is one step. During the first
 * `warmupSteps` calls the loss is the wrapped loss of the batch alone and the memory
 * stays empty. After them, the keys are the batch followed by the memory, newest first,
 * cut to `memorySize` rows (the oldest go first); the loss is the wrapped loss of the
 * batch (the anchors) against those keys, the pair of each anchor with itself left out;
 * and the keys become the memory. The memory is a constant: the gradient reaches the
 * current batch only (as anchors and as the first keys), never earlier batches.
 *
 * State is per instance: `steps` counts the calls, `reset()` empties the memory and the
 * count, `dispose()` frees the memory tensor. `call`, `perSample` and the `asLossFn`
 * function each advance the memory, so an evaluation pass through them also fills it (as
 * in TF Similarity). A batch larger than `memorySize` is cut to its first `memorySize`
 * rows as keys, as in TF Similarity. The distance is the wrapped loss's.
 */
export class XBMLoss extends MetricLoss {
  /** The wrapped loss. */
  readonly loss: XBMWrappedLoss;
  readonly memorySize: number;
  readonly warmupSteps: number;
  private stepCount = 0;
  private memory: tf.Tensor2D | null = null;
  private memoryLabelValues = new Int32Array(0);

  constructor(options: XBMLossOptions) {
    super(DEFAULT_NAME, 'cosine', baseOptions(options));
    this.loss = options.loss;
    this.memorySize = integerOption(options.memorySize, 'memorySize', 1, this.name);
    this.warmupSteps = integerOption(options.warmupSteps ?? 0, 'warmupSteps', 0, this.name);
  }

  /**
   * An XBMLoss from the config its `toConfig` wrote, with an empty memory. The wrapped
   * loss is rebuilt from its own config; the `distance` entry is the wrapped loss's and is not read.
   */
  static fromConfig(config: ComponentConfig): XBMLoss {
    const { loss, memorySize, warmupSteps, name } = lossSettings(config, XBM_LOSS_TYPE);
    if (!isComponentConfig(loss)) {
      throw invalidArgument(
        `${XBM_LOSS_TYPE}: config.loss must be the config of the wrapped loss; got ${describe(loss)}.`,
      );
    }
    const build = WRAPPED_FROM_CONFIG[loss.type];
    if (build === undefined) {
      throw invalidArgument(
        `${XBM_LOSS_TYPE}: cannot wrap a loss of type '${loss.type}'; use one of ${Object.keys(WRAPPED_FROM_CONFIG).join(', ')}.`,
      );
    }
    return new XBMLoss({ loss: build(loss), memorySize, warmupSteps, name } as XBMLossOptions);
  }

  /** Calls so far (`call`, `perSample` and the `asLossFn` function each count one), since construction or `reset()`. */
  get steps(): number {
    return this.stepCount;
  }

  /** Rows in the memory now: 0 during the warm-up, then at most `memorySize`. */
  get memoryLength(): number {
    return this.memoryLabelValues.length;
  }

  /** A copy of the labels in the memory, newest first. */
  get memoryLabels(): Int32Array {
    return this.memoryLabelValues.slice();
  }

  /** A copy of the embeddings in the memory [memoryLength, D], newest first (the caller disposes it), or null while empty. */
  memoryEmbeddings(): tf.Tensor2D | null {
    return this.memory === null ? null : tf.clone(this.memory);
  }

  /** Empties the memory (freeing its tensor) and sets `steps` back to 0, so the warm-up starts again. */
  reset(): void {
    this.dispose();
    this.stepCount = 0;
  }

  /** Frees the memory tensor and empties the memory; `steps` is kept. The loss stays usable. */
  dispose(): void {
    this.memory?.dispose();
    this.memory = null;
    this.memoryLabelValues = new Int32Array(0);
  }

  toConfig(): ComponentConfig {
    const { memorySize, warmupSteps } = this;
    return lossConfig(XBM_LOSS_TYPE, { ...this.baseConfig(), loss: this.loss.toConfig(), memorySize, warmupSteps });
  }

  /**
   * One step: the batch against the keys (batch, then memory, cut to `memorySize`),
   * and the keys become the memory once the warm-up is over.
   * @throws SimkitError DIMENSION_MISMATCH when the embedding width differs from the memory's (nothing changes then)
   */
  protected override lossOf(labels: Int32Array, embeddings: tf.Tensor2D): tf.Tensor1D {
    const [rows, dim] = embeddings.shape;
    const memory = this.memory;
    if (memory !== null && memory.shape[1] !== dim) {
      throw new SimkitError(
        'DIMENSION_MISMATCH',
        `${this.name}: embeddings have ${dim} values per row but the memory holds ${memory.shape[1]}; keep the embedding size, or reset() the loss first.`,
        { details: { expected: memory.shape[1], actual: dim } },
      );
    }
    this.stepCount += 1;
    const warmingUp = this.stepCount <= this.warmupSteps;
    const keep = Math.min(rows + (warmingUp ? 0 : this.memoryLength), this.memorySize);
    const keyLabels = new Int32Array(keep);
    keyLabels.set(labels.subarray(0, Math.min(rows, keep)));
    let keys = embeddings;
    if (!warmingUp && memory !== null) {
      keyLabels.set(this.memoryLabelValues.subarray(0, keep - Math.min(rows, keep)), Math.min(rows, keep));
      // A copy of the old memory: its data outlives the old tensor, disposed below.
      keys = tf.concat([embeddings, tf.clone(memory)]) as tf.Tensor2D;
    }
    if (keys.shape[0] > keep) keys = tf.slice(keys, [0, 0], [keep, dim]);
    if (!warmingUp) {
      // The next memory: the keys, cut off from the gradient (TF Similarity stores them in a variable).
      this.memory = tf.keep(constant((k) => tf.clone(k), keys) as tf.Tensor2D);
      this.memoryLabelValues = keyLabels;
      memory?.dispose();
    }
    return this.lossAgainst(labels, embeddings, keyLabels, keys);
  }

  /** The wrapped loss's per-anchor loss, on the distances of the batch against the keys. */
  protected perAnchor(distances: tf.Tensor2D, masks: PairMasks): tf.Tensor {
    return MetricLoss.perAnchorOf(this.loss, distances, masks);
  }
}
