import { type ComponentConfig, type Configurable, type Distance, invalidArgument, SimkitError } from '@simkit/core';
import { resolveDistance } from '@simkit/distances';
// Registers the differentiable tfjs pairwise of every distance.
import '@simkit/distances/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { checkEmbeddings, lossName, positiveOption } from './loss-input.js';
import { maskedLogSumExpPlusOne } from './masked-log-sum-exp.js';
import { type LossFn, lossConfig, lossSettings, type TensorDistance } from './metric-loss.js';

/** Options of `MultiNegativesRankLoss`; defaults are TF Similarity's. */
export interface MultiNegativesRankLossOptions {
  /**
   * Must resolve to `inner_product` (any alias, or a Distance object of that name), as in
   * TF Similarity, which refuses every other distance. Default `'inner_product'`.
   */
  readonly distance?: string | Distance;
  /** Multiplier of the similarities before the softmax (an inverse temperature). Default 20. */
  readonly scale?: number;
  /** Name of the loss instance. Default `'multineg_rank_loss'`. */
  readonly name?: string;
}

/** Config `type` of MultiNegativesRankLoss. */
export const MULTI_NEGATIVES_RANK_LOSS_TYPE = 'multi-negatives-rank-loss';

const DEFAULT_NAME = 'multineg_rank_loss';

/**
 * Multiple negatives ranking loss (Henderson et al. 2017, arXiv:1705.00652), as TF
 * Similarity's `MultiNegativesRankLoss`, for data made only of positive pairs
 * (query i, key i): every other key of the batch is a negative of query i.
 * With `s_ij = scale · q_i·k_j`, the loss of query i is `log(1 + Σ_j exp(s_ij)) − s_ii`
 * (the sum runs over all keys, its own included; the 1 is TF Similarity's LogSumExp
 * offset), and `call` returns the mean over the batch. Defaults: distance `inner_product`, scale 20.
 *
 * Not a {@link MetricLoss}: it takes no labels, and its matrix is queries × keys rather
 * than one batch against itself, so `call(queries, keys)` takes two embedding batches
 * of the same shape [B, D], row i of each forming a positive pair. The simkit
 * `inner_product` distance is `1 − q·k`, turned back into the similarity `q·k` here.
 */
export class MultiNegativesRankLoss implements Configurable {
  readonly name: string;
  readonly distance: TensorDistance;
  readonly scale: number;

  constructor(options: MultiNegativesRankLossOptions = {}) {
    this.name = lossName(options, DEFAULT_NAME);
    const distance = resolveDistance(options.distance ?? 'inner_product') as TensorDistance;
    if (distance.name !== 'inner_product') {
      throw invalidArgument(
        `${this.name}: distance must be 'inner_product' (the loss ranks by dot product); got '${distance.name}'. L2-normalise the embeddings to rank by cosine similarity.`,
      );
    }
    this.distance = distance;
    this.scale = positiveOption(options.scale ?? 20, 'scale', this.name);
  }

  /** A MultiNegativesRankLoss from the config its `toConfig` wrote. */
  static fromConfig(config: ComponentConfig): MultiNegativesRankLoss {
    return new MultiNegativesRankLoss(lossSettings(config, MULTI_NEGATIVES_RANK_LOSS_TYPE));
  }

  /**
   * The loss of a batch of positive pairs: the mean over queries of the per-query losses.
   * @param queries float32 [B, D]
   * @param keys float32 [B, D]; row i is the positive of query i, the other rows its negatives
   * @throws SimkitError INVALID_ARGUMENT for a wrong rank or dtype, DIMENSION_MISMATCH when the shapes differ
   */
  call(queries: tf.Tensor2D, keys: tf.Tensor2D): tf.Scalar {
    this.checkPair(queries, keys);
    return tf.tidy(() => tf.mean(this.lossOf(queries, keys)) as tf.Scalar);
  }

  /** The per-query losses [B] whose mean is `call`. Same arguments and checks as `call`. */
  perSample(queries: tf.Tensor2D, keys: tf.Tensor2D): tf.Tensor1D {
    this.checkPair(queries, keys);
    return tf.tidy(() => this.lossOf(queries, keys));
  }

  /**
   * This loss as a tfjs-layers loss function `(yTrue, yPred) → per-sample losses [B]`,
   * in TF Similarity's argument order: `yTrue` holds the query embeddings and `yPred`
   * the key embeddings (both [B, D]); in `model.fit` the gradient reaches the keys only.
   */
  asLossFn(): LossFn {
    return (yTrue, yPred) => {
      this.checkPair(yTrue, yPred);
      return tf.tidy(() => this.lossOf(yTrue as tf.Tensor2D, yPred as tf.Tensor2D));
    };
  }

  /** The loss's name, distance and scale, to rebuild it with `fromConfig`. */
  toConfig(): ComponentConfig {
    return lossConfig(MULTI_NEGATIVES_RANK_LOSS_TYPE, {
      name: this.name,
      distance: this.distance.name,
      scale: this.scale,
    });
  }

  private checkPair(queries: unknown, keys: unknown): void {
    checkEmbeddings(queries, this.name);
    checkEmbeddings(keys, this.name);
    const [qRows, qDim] = queries.shape;
    const [kRows, kDim] = keys.shape;
    if (qRows !== kRows || qDim !== kDim) {
      throw new SimkitError(
        'DIMENSION_MISMATCH',
        `${this.name}: queries have shape [${qRows}, ${qDim}] but keys [${kRows}, ${kDim}]; pass one key per query, of the same dimension.`,
        { details: { expected: [qRows, qDim], actual: [kRows, kDim] } },
      );
    }
  }

  private lossOf(queries: tf.Tensor2D, keys: tf.Tensor2D): tf.Tensor1D {
    const b = queries.shape[0];
    // inner_product is 1 − q·k: the scaled similarity is scale · (1 − d).
    const similarities = tf.mul(tf.sub(1, this.distance.pairwise(queries, keys)), this.scale) as tf.Tensor2D;
    const all = tf.cast(tf.onesLike(similarities), 'bool') as tf.Tensor2D;
    const logSumExp = tf.reshape(maskedLogSumExpPlusOne(similarities, all), [b]);
    const own = tf.sum(tf.mul(similarities, tf.eye(b)), 1);
    return tf.sub(logSumExp, own) as tf.Tensor1D;
  }
}
