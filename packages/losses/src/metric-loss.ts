import { type ComponentConfig, type Configurable, type Distance, expectConfig } from '@simkit/core';
import { resolveDistance } from '@simkit/distances';
// Registers the differentiable tfjs pairwise of every distance, which the losses use.
import '@simkit/distances/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { checkEmbeddings, type LabelsLike, lossName, readLabels } from './loss-input.js';
import { type PairMasks, pairMasks } from './pair-masks.js';

/** A distance with a differentiable tfjs `pairwise`. */
export type TensorDistance = Distance<tf.Tensor2D>;

/** Loss function in the shape tfjs-layers `model.compile({ loss })` takes. */
export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** Options every metric loss takes. */
export interface MetricLossOptions {
  /** Distance name (any alias) or a Distance object whose `pairwise` is a differentiable tfjs op. */
  readonly distance?: string | Distance;
  /** Name of the loss instance. */
  readonly name?: string;
}

/** npm package named in the configs of this package's losses. */
export const LOSSES_PACKAGE = '@simkit/losses';
/** Config `version` written by this package's losses. */
export const LOSS_CONFIG_VERSION = 1;

/**
 * The shared mechanics of metric losses, as TF Similarity's `MetricLoss`: pairwise
 * distances of the batch against itself, positive/negative pair masks from the
 * labels, a per-anchor loss from the subclass, and the mean over the batch.
 */
export abstract class MetricLoss implements Configurable {
  readonly name: string;
  readonly distance: TensorDistance;

  protected constructor(defaultName: string, defaultDistance: string, options: MetricLossOptions) {
    this.name = lossName(options, defaultName);
    this.distance = resolveDistance(options.distance ?? defaultDistance) as TensorDistance;
  }

  /**
   * The loss of a batch: the mean over the batch of the per-anchor losses.
   * @param labels integer class labels, shape [B] or [B, 1] (int32 or float32), or a plain array
   * @param embeddings float32 [B, D]; L2-normalise them for the `cosine` distance
   * @throws SimkitError INVALID_ARGUMENT for a wrong rank, dtype or non-integer label,
   *   DIMENSION_MISMATCH when labels and embeddings differ in batch size
   */
  call(labels: LabelsLike, embeddings: tf.Tensor2D): tf.Scalar {
    checkEmbeddings(embeddings, this.name);
    const y = readLabels(labels, embeddings.shape[0], this.name);
    return tf.tidy(() => tf.mean(this.lossOf(y, embeddings)) as tf.Scalar);
  }

  /** The per-anchor losses [B] whose mean is `call`. Same arguments and checks as `call`. */
  perSample(labels: LabelsLike, embeddings: tf.Tensor2D): tf.Tensor1D {
    checkEmbeddings(embeddings, this.name);
    const y = readLabels(labels, embeddings.shape[0], this.name);
    return tf.tidy(() => this.lossOf(y, embeddings));
  }

  /**
   * This loss as a tfjs-layers loss function `(yTrue, yPred) → per-sample losses [B]`
   * (tfjs-layers takes their mean, as Keras does). `yTrue` may be [B], [B, 1] or,
   * as `model.fit` requires, shaped like the output [B, D] with each row repeating its label.
   */
  asLossFn(): LossFn {
    return (yTrue, yPred) => {
      checkEmbeddings(yPred, this.name);
      const y = readLabels(yTrue, yPred.shape[0], this.name, true);
      return tf.tidy(() => this.lossOf(y, yPred));
    };
  }

  /** The loss's name, distance and settings, to rebuild it with its class's `fromConfig`. */
  abstract toConfig(): ComponentConfig;

  /** The per-anchor loss [B] from the pairwise distances [B, B] and the pair masks. */
  protected abstract perAnchor(distances: tf.Tensor2D, masks: PairMasks): tf.Tensor;

  /** Settings shared by every loss config. */
  protected baseConfig(): { name: string; distance: string } {
    return { name: this.name, distance: this.distance.name };
  }

  /**
   * The per-anchor losses [B] of checked labels and embeddings, under `call`, `perSample`
   * and `asLossFn`: the batch against itself. Protected (rather than private) only so
   * that XBMLoss can compute its batch against a memory instead; its body is unchanged.
   */
  protected lossOf(labels: Int32Array, embeddings: tf.Tensor2D): tf.Tensor1D {
    const b = labels.length;
    const distances = this.distance.pairwise(embeddings, embeddings);
    const masks = pairMasks(tf.tensor1d(labels, 'int32'));
    return tf.reshape(this.perAnchor(distances, masks), [b]) as tf.Tensor1D;
  }

  /**
   * The per-anchor losses [Q] of `queries` against `keys` rather than the batch against
   * itself, as TF Similarity's loss functions with `key_embeddings` ≠ `query_embeddings`:
   * distances [Q, K]; a pair (i, j) is positive when the labels agree, except (i, i) for
   * i < min(Q, K), since the keys start with the queries (`build_masks(remove_diagonal=True)`);
   * negative when they differ. With keys = queries this is `lossOf`. Only for losses whose
   * `perAnchor` takes a rectangular matrix; the caller has checked the inputs. Used by XBMLoss.
   */
  protected lossAgainst(
    queryLabels: Int32Array,
    queries: tf.Tensor2D,
    keyLabels: Int32Array,
    keys: tf.Tensor2D,
  ): tf.Tensor1D {
    const distances = this.distance.pairwise(queries, keys);
    const masks = queryKeyMasks(queryLabels, keyLabels);
    return tf.reshape(this.perAnchor(distances, masks), [queryLabels.length]) as tf.Tensor1D;
  }

  /** The per-anchor loss of another MetricLoss, for a loss that wraps one (XBMLoss). */
  protected static perAnchorOf(loss: MetricLoss, distances: tf.Tensor2D, masks: PairMasks): tf.Tensor {
    return loss.perAnchor(distances, masks);
  }
}

/** Pair masks [Q, K] of queries against keys whose first rows are the queries themselves. */
function queryKeyMasks(queryLabels: Int32Array, keyLabels: Int32Array): PairMasks {
  const q = queryLabels.length;
  const k = keyLabels.length;
  const same = tf.equal(tf.tensor2d(queryLabels, [q, 1], 'int32'), tf.tensor2d(keyLabels, [1, k], 'int32'));
  const rows = tf.reshape(tf.range(0, q, 1, 'int32'), [q, 1]);
  const columns = tf.reshape(tf.range(0, k, 1, 'int32'), [1, k]);
  const notSelf = tf.notEqual(rows, columns);
  return { positive: tf.logicalAnd(same, notSelf) as tf.Tensor2D, negative: tf.logicalNot(same) as tf.Tensor2D };
}

/** Reads the settings of a loss config after checking its type and version. */
export function lossSettings(config: ComponentConfig, type: string): Record<string, unknown> {
  expectConfig(config, type, LOSS_CONFIG_VERSION);
  return config.config;
}

/** The `{ type, version, package, config }` of a loss. */
export function lossConfig(type: string, config: Record<string, unknown>): ComponentConfig {
  return { type, version: LOSS_CONFIG_VERSION, package: LOSSES_PACKAGE, config };
}
