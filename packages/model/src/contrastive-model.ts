import { assertPositiveInteger, checkOptions, describe, invalidArgument, type ProgressEvent } from '@simkit/core';
import {
  add,
  type Optimizer,
  type Scalar,
  Tensor,
  type Tensor2D,
  type Variable,
  clone,
  customGrad,
  type GradSaveFunc,
  tidy,
  train,
  zeros,
} from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** The self-supervised recipes of TensorFlow Similarity's ContrastiveModel. */
export const CONTRASTIVE_ALGORITHMS = ['simclr', 'simsiam', 'barlow', 'vicreg'] as const;
/** One of `CONTRASTIVE_ALGORITHMS`. */
export type ContrastiveAlgorithm = (typeof CONTRASTIVE_ALGORITHMS)[number];

/** A two-view loss, e.g. `SimCLRLoss`, `SimSiamLoss`, `BarlowLoss` or `VicRegLoss` of @simkit/losses. */
export interface PairLoss {
  /** The mean loss of two views of one batch. */
  call(a: Tensor2D, b: Tensor2D): Scalar;
}

/** Two augmented views of one batch: row i of each comes from example i. */
export interface ViewPair {
  readonly view1: Tensor;
  readonly view2: Tensor;
}

/**
 * Where the views come from, step by step: e.g. a batch of unlabelled images and an augmenter of
 * @simkit/augmenters applied twice with different seeds. The trainer disposes the views.
 */
export interface ViewSource {
  readonly stepsPerEpoch: number;
  /** The views of batch `index` (0-based) of epoch `epoch`. */
  views(index: number, epoch: number): ViewPair;
}

/** What `ContrastiveModel.train` reports after every step. */
export interface ContrastiveProgressEvent extends ProgressEvent {
  readonly task: 'contrastive-train';
  readonly epoch: number;
  readonly step: number;
  readonly loss: number;
  readonly done: number;
  readonly total: number;
}

/** Options of `ContrastiveModel.train`. */
export interface ContrastiveTrainOptions {
  /** The two-view loss of the algorithm. */
  readonly loss: PairLoss;
  /** Any tfjs optimizer. Default `tf.train.adam(learningRate)`, disposed after training. */
  readonly optimizer?: Optimizer;
  /** Default 0.001; not used with `optimizer`. */
  readonly learningRate?: number;
  /** Default 1. */
  readonly epochs?: number;
  /** Default the source's `stepsPerEpoch`, never more. */
  readonly stepsPerEpoch?: number;
  /** Called after every step with its loss. */
  readonly onProgress?: (event: ContrastiveProgressEvent) => void;
}

/** Options of `new ContrastiveModel`. */
export interface ContrastiveModelOptions {
  /** The encoder whose output is the representation kept after training (and indexed). */
  readonly backbone: LayersModel;
  /** Maps the backbone's output to the space the loss compares. */
  readonly projector: LayersModel;
  /** SimSiam's predictor on top of the projector; required by `simsiam`, not used by the others. */
  readonly predictor?: LayersModel;
  /** Default `'simsiam'`, as TensorFlow Similarity. */
  readonly algorithm?: ContrastiveAlgorithm;
}

/** `x` as a constant for backprop (TF's `stop_gradient`): no gradient flows back into it. */
function noGradient(x: Tensor2D): Tensor2D {
  const shape = x.shape;
  return customGrad((...args: Array<Tensor | GradSaveFunc>) => ({
    value: clone(args[0] as Tensor),
    gradFunc: () => [zeros(shape)],
  }))(x) as Tensor2D;
}

function isLayersModel(m: unknown): m is LayersModel {
  const l = m as LayersModel | null;
  return l !== null && typeof l === 'object' && typeof l.apply === 'function' && Array.isArray(l.trainableWeights);
}

/**
 * TensorFlow Similarity's `ContrastiveModel`: a backbone, a projector and (for SimSiam) a
 * predictor, trained without labels on two augmented views of each batch. For each step:
 * `z = projector(backbone(view))` for both views, `p = predictor(z)` when there is one, then
 * - `simsiam`: `loss(stopGradient(z1), p2) + loss(stopGradient(z2), p1)`;
 * - `simclr`, `barlow`, `vicreg`: `loss(p1, p2)` (p = z without a predictor).
 * After training, `backbone` (or `embed`) gives the representations, e.g. to wrap in a
 * `SimilarityModel` and index.
 */
export class ContrastiveModel {
  readonly backbone: LayersModel;
  readonly projector: LayersModel;
  readonly predictor: LayersModel | undefined;
  readonly algorithm: ContrastiveAlgorithm;

  constructor(options: ContrastiveModelOptions) {
    checkOptions(options, 'ContrastiveModel options');
    const { backbone, projector, predictor, algorithm = 'simsiam' } = options;
    for (const [name, m] of [
      ['backbone', backbone],
      ['projector', projector],
    ] as const) {
      if (!isLayersModel(m)) throw invalidArgument(`${name} must be a tfjs-layers LayersModel; got ${describe(m)}.`);
    }
    if (predictor !== undefined && !isLayersModel(predictor)) {
      throw invalidArgument(`predictor must be a tfjs-layers LayersModel; got ${describe(predictor)}.`);
    }
    if (!CONTRASTIVE_ALGORITHMS.includes(algorithm)) {
      throw invalidArgument(
        `algorithm must be one of ${CONTRASTIVE_ALGORITHMS.join(', ')}; got ${describe(algorithm)}.`,
      );
    }
    if (algorithm === 'simsiam' && predictor === undefined) {
      throw invalidArgument('algorithm simsiam needs a predictor (a small MLP on top of the projector).');
    }
    this.backbone = backbone;
    this.projector = projector;
    this.predictor = algorithm === 'simsiam' ? predictor : undefined;
    this.algorithm = algorithm;
  }

  /** The backbone's output for `x` (inference mode): the representation to index. */
  embed(x: Tensor): Tensor2D {
    return tidy(() => {
      const out = this.backbone.apply(x, { training: false });
      return (Array.isArray(out) ? out[0] : out) as Tensor2D;
    });
  }

  /** The loss of one pair of views, differentiable with respect to every trainable weight. */
  lossOf(loss: PairLoss, view1: Tensor, view2: Tensor, training = true): Scalar {
    const head = (v: Tensor) => {
      const h = this.backbone.apply(v, { training }) as Tensor;
      const z = this.projector.apply(h, { training }) as Tensor2D;
      const p = this.predictor === undefined ? z : (this.predictor.apply(z, { training }) as Tensor2D);
      return { z, p };
    };
    const a = head(view1);
    const b = head(view2);
    if (this.algorithm === 'simsiam') {
      return add(loss.call(noGradient(a.z), b.p), loss.call(noGradient(b.z), a.p)) as Scalar;
    }
    return loss.call(a.p, b.p);
  }

  /** Trains backbone, projector and predictor on the views of `source`; returns each step's loss. */
  async train(source: ViewSource, options: ContrastiveTrainOptions): Promise<{ loss: number[]; epochLoss: number[] }> {
    checkOptions(options, 'ContrastiveModel.train options');
    const { loss, optimizer, learningRate = 0.001, epochs = 1, onProgress } = options;
    if (loss === null || typeof loss !== 'object' || typeof loss.call !== 'function') {
      throw invalidArgument(
        `loss must be a two-view loss with call(a, b), e.g. new SimCLRLoss(); got ${describe(loss)}.`,
      );
    }
    if (source === null || typeof source !== 'object' || typeof source.views !== 'function') {
      throw invalidArgument(`source must be { stepsPerEpoch, views(index, epoch) }; got ${describe(source)}.`);
    }
    assertPositiveInteger(source.stepsPerEpoch, 'source.stepsPerEpoch');
    assertPositiveInteger(epochs, 'epochs');
    const steps = options.stepsPerEpoch ?? source.stepsPerEpoch;
    assertPositiveInteger(steps, 'stepsPerEpoch');
    if (steps > source.stepsPerEpoch) {
      throw invalidArgument(
        `stepsPerEpoch is ${steps} but the source makes ${source.stepsPerEpoch} batches per epoch.`,
      );
    }
    if (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate <= 0) {
      throw invalidArgument(`learningRate must be a finite number > 0; got ${describe(learningRate)}.`);
    }
    const models = [this.backbone, this.projector, ...(this.predictor ? [this.predictor] : [])];
    const weights = models.flatMap((m) => m.trainableWeights.map((w) => w.read() as Variable));
    const opt = optimizer ?? train.adam(learningRate);
    const total = epochs * steps;
    const history: number[] = [];
    const epochLoss: number[] = [];
    try {
      for (let epoch = 0; epoch < epochs; epoch++) {
        let sum = 0;
        for (let step = 0; step < steps; step++) {
          const { view1, view2 } = source.views(step, epoch);
          let value: number;
          try {
            if (!(view1 instanceof Tensor) || !(view2 instanceof Tensor)) {
              throw invalidArgument(`views(${step}, ${epoch}) must return { view1, view2 } tensors.`);
            }
            const cost = tidy(() => {
              const c = opt.minimize(() => this.lossOf(loss, view1, view2), true, weights);
              if (c === null) throw invalidArgument('The optimizer returned no loss value; pass a tfjs optimizer.');
              return c;
            });
            value = (await cost.data())[0] as number;
            cost.dispose();
          } finally {
            view1?.dispose?.();
            view2?.dispose?.();
          }
          if (!Number.isFinite(value)) {
            throw invalidArgument(
              `The loss became ${value} at step ${step} of epoch ${epoch}; lower the learning rate or check the views for NaN.`,
            );
          }
          history.push(value);
          sum += value;
          onProgress?.({
            task: 'contrastive-train',
            epoch,
            step,
            loss: value,
            done: epoch * steps + step + 1,
            total,
          });
        }
        epochLoss.push(sum / steps);
      }
    } finally {
      if (optimizer === undefined) opt.dispose();
    }
    return { loss: history, epochLoss };
  }
}
