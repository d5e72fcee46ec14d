import { type ProgressEvent, SimkitError, assertPositiveInteger, describe, invalidArgument } from '@simkit/core';
import {
  keep,
  type Optimizer,
  type Scalar,
  Tensor,
  type Tensor2D,
  type Variable,
  tensor,
  tidy,
  train,
} from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** One training batch: `rows` examples, row-major in `x`, and one integer class label each in `y`. */
export interface TrainingBatch {
  readonly x: Float32Array;
  readonly y: ArrayLike<number>;
  readonly rows: number;
}

/**
 * Where batches come from, e.g. `MultiShotMemorySampler` of @simkit/samplers: batch
 * `index` of epoch `epoch`, for `0 ≤ index < stepsPerEpoch`.
 */
export interface BatchSource {
  readonly stepsPerEpoch: number;
  /** Batch `index` (0-based) of epoch `epoch`. */
  getBatch(index: number, epoch: number): TrainingBatch;
}

/** A metric-learning loss, e.g. `MultiSimilarityLoss` of @simkit/losses: the mean loss of a batch. */
export interface BatchLoss {
  /** The mean loss of the batch: one label per row of `embeddings`. */
  call(labels: ArrayLike<number>, embeddings: Tensor2D): Scalar;
}

/**
 * A number computed from each training batch beside the loss, e.g. the distance metrics of
 * @simkit/losses (`trainingDistanceMetrics('cosine')`: `dist_gap`, `max_pos`, `min_neg`, …).
 */
export interface TrainingMetric {
  /** Key of the value in progress events and in the history. */
  readonly name: string;
  /** The metric of one batch; `embeddings` are the model output the loss sees. */
  compute(labels: ArrayLike<number>, embeddings: Tensor2D): Scalar;
}

/** Where training stands after a step, as callbacks see it. */
export interface TrainingStep {
  /** The model being trained, with this step's update applied. */
  readonly model: LayersModel;
  readonly epoch: number;
  /** 0-based step within the epoch. */
  readonly step: number;
  readonly stepsPerEpoch: number;
  /** Steps done over all epochs, this one included. */
  readonly done: number;
  readonly total: number;
}

/**
 * Runs between training steps, e.g. `EvalCallback`. Values it returns are reported as that
 * step's `evaluation` and kept in the history's `evaluations`.
 */
export interface TrainingCallback {
  /** Runs after each step; the values it returns (if any) are that step's evaluation. */
  onStepEnd?(step: TrainingStep): Promise<Record<string, number> | undefined> | Record<string, number> | undefined;
}

/** What `trainSimilarityModel` reports after every step. `done` counts steps over all epochs. */
export interface TrainProgressEvent extends ProgressEvent {
  readonly task: 'train';
  /** 0-based epoch of the step just taken. */
  readonly epoch: number;
  /** 0-based step within the epoch. */
  readonly step: number;
  /** Loss of the batch of this step (before the update). */
  readonly loss: number;
  /** Each training metric of this step's batch (before the update), by name; `{}` without metrics. */
  readonly metrics: Readonly<Record<string, number>>;
  /** What the callbacks measured after this step, when any did. */
  readonly evaluation?: Readonly<Record<string, number>>;
  readonly done: number;
  readonly total: number;
}

/** Options of `trainSimilarityModel`: only `loss` is required. */
export interface TrainOptions {
  /** The loss to minimise; its `call(labels, embeddings)` must return a scalar tensor. */
  loss: BatchLoss;
  /** Any tfjs optimizer. Default `tf.train.adam(learningRate)`, disposed after training. */
  optimizer?: Optimizer;
  /** Learning rate of the default optimizer. Default 0.001. Not used when `optimizer` is given. */
  learningRate?: number;
  /** Passes over `stepsPerEpoch` batches. Default 1. */
  epochs?: number;
  /** Batches per epoch. Default: the sampler's `stepsPerEpoch`, and never more than it. */
  stepsPerEpoch?: number;
  /** Which model output the loss sees. Default 0. */
  outputIndex?: number;
  /** Computed on every batch's embeddings beside the loss, without gradient; names must differ. */
  metrics?: readonly TrainingMetric[];
  /** Run after every step, in order, before the step is reported (e.g. `new EvalCallback(...)`). */
  callbacks?: readonly TrainingCallback[];
  /** Called after every step with the step's loss and metrics. */
  onProgress?: (event: TrainProgressEvent) => void;
}

/** Losses of a training run. */
export interface TrainHistory {
  /** Loss of every step, in order. */
  readonly loss: number[];
  /** Mean loss of each epoch. */
  readonly epochLoss: number[];
  /** Each training metric at every step, by name (empty without metrics). */
  readonly metrics: Record<string, number[]>;
  /** What the callbacks measured, with the step after which they did. */
  readonly evaluations: Array<{ epoch: number; step: number; done: number; values: Record<string, number> }>;
}

function checkModel(model: unknown): asserts model is LayersModel {
  const m = model as LayersModel | null;
  if (m === null || typeof m !== 'object' || typeof m.apply !== 'function' || !Array.isArray(m.trainableWeights)) {
    throw invalidArgument(
      `trainSimilarityModel needs a tfjs-layers LayersModel (tf.model or tf.sequential); got ${describe(model)}.`,
    );
  }
}

function checkSource(sampler: unknown): asserts sampler is BatchSource {
  const s = sampler as BatchSource | null;
  if (s === null || typeof s !== 'object' || typeof s.getBatch !== 'function') {
    throw invalidArgument(
      `trainSimilarityModel needs a sampler with getBatch(index, epoch), e.g. a MultiShotMemorySampler; got ${describe(sampler)}.`,
    );
  }
  assertPositiveInteger(s.stepsPerEpoch, 'sampler.stepsPerEpoch');
}

/** Values per example the model's single input takes, and that input's shape without the batch axis. */
function inputShape(model: LayersModel): number[] {
  let inputs: LayersModel['inputs'];
  try {
    inputs = model.inputs;
  } catch {
    inputs = [];
  }
  if (!Array.isArray(inputs) || inputs.length !== 1) {
    throw invalidArgument(
      `trainSimilarityModel trains models with exactly one input; this model has ${Array.isArray(inputs) ? inputs.length : 'no'} inputs. Build it with tf.model({ inputs, outputs }) or give the first layer an inputShape.`,
    );
  }
  const shape = (inputs[0] as NonNullable<(typeof inputs)[0]>).shape.slice(1);
  if (shape.some((d) => typeof d !== 'number' || d < 1)) {
    throw invalidArgument(
      `The model input has shape [any, ${shape.map((d) => d ?? 'any').join(', ')}]; every dimension but the batch must be fixed.`,
    );
  }
  return shape as number[];
}

function checkBatch(batch: TrainingBatch, rowSize: number, epoch: number, step: number): void {
  const where = `batch ${step} of epoch ${epoch}`;
  if (batch === null || typeof batch !== 'object' || !(batch.x instanceof Float32Array)) {
    throw invalidArgument(`The sampler's ${where} must be { x: Float32Array, y, rows }; got ${describe(batch)}.`);
  }
  assertPositiveInteger(batch.rows, `${where}: rows`);
  if (batch.x.length !== batch.rows * rowSize) {
    throw new SimkitError(
      'DIMENSION_MISMATCH',
      `The sampler's ${where} holds ${batch.x.length} values for ${batch.rows} rows, but the model takes ${rowSize} values per example; check the sampler's featureShape against the model input.`,
      { details: { expected: batch.rows * rowSize, actual: batch.x.length } },
    );
  }
  if (batch.y === null || typeof batch.y !== 'object' || batch.y.length !== batch.rows) {
    throw invalidArgument(`The sampler's ${where} must hold one label per row (${batch.rows}).`);
  }
}

/**
 * Runs `fn`; a tfjs "kernel not registered" error (e.g. no depthwise-conv gradient on
 * wasm) becomes an UNSUPPORTED SimkitError that says what to do instead.
 */
function missingKernelToUnsupported<T>(fn: () => T): T {
  try {
    return fn();
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const missing = /Kernel '([^']+)' not registered for backend '([^']+)'/.exec(message);
    if (missing === null) throw cause;
    throw new SimkitError(
      'UNSUPPORTED',
      `The '${missing[2]}' backend has no '${missing[1]}' kernel, which training this model needs. Freeze that layer (trainable: false), use Dense layers instead, or train on the cpu backend or tfjs-node.`,
      { cause, details: { kernel: missing[1], backend: missing[2] } },
    );
  }
}

/**
 * Trains `model` with a metric-learning loss on batches from `sampler`: for every
 * step, `optimizer.minimize(() => loss.call(y, model(x)))` on the model's trainable
 * weights, with every intermediate tensor released. Runs on any tfjs backend the
 * model's layers can differentiate on (on wasm, conv filters train once
 * `registerWasmConvGradients()` has run — `selectBackend` does it; depthwise convs do not). Reports each step through `onProgress` and returns
 * the loss history.
 *
 * @throws SimkitError INVALID_ARGUMENT for bad options, a model without trainable
 *   weights or a loss that is not finite (lower the learning rate); DIMENSION_MISMATCH
 *   when a batch does not fit the model input; UNSUPPORTED when the backend lacks a
 *   gradient kernel the model needs (a trainable convolution on wasm)
 */
export async function trainSimilarityModel(
  model: LayersModel,
  sampler: BatchSource,
  options: TrainOptions,
): Promise<TrainHistory> {
  checkModel(model);
  checkSource(sampler);
  if (options === null || typeof options !== 'object') {
    throw invalidArgument(`trainSimilarityModel options must be an object { loss, ... }; got ${describe(options)}.`);
  }
  const {
    loss,
    optimizer,
    learningRate = 0.001,
    epochs = 1,
    outputIndex = 0,
    onProgress,
    metrics = [],
    callbacks = [],
  } = options;
  if (loss === null || typeof loss !== 'object' || typeof loss.call !== 'function') {
    throw invalidArgument(
      `options.loss must be a metric loss with call(labels, embeddings), e.g. new MultiSimilarityLoss(); got ${describe(loss)}.`,
    );
  }
  if (optimizer !== undefined && (optimizer === null || typeof optimizer.minimize !== 'function')) {
    throw invalidArgument(
      `options.optimizer must be a tfjs optimizer, e.g. tf.train.adam(1e-3); got ${describe(optimizer)}.`,
    );
  }
  if (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate <= 0) {
    throw invalidArgument(`learningRate must be a finite number > 0; got ${describe(learningRate)}.`);
  }
  assertPositiveInteger(epochs, 'epochs');
  const steps = options.stepsPerEpoch ?? sampler.stepsPerEpoch;
  assertPositiveInteger(steps, 'stepsPerEpoch');
  if (steps > sampler.stepsPerEpoch) {
    throw invalidArgument(
      `stepsPerEpoch is ${steps} but the sampler makes ${sampler.stepsPerEpoch} batches per epoch; raise the sampler's stepsPerEpoch.`,
    );
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw invalidArgument(`onProgress must be a function; got ${describe(onProgress)}.`);
  }
  checkMetrics(metrics);
  if (!Array.isArray(callbacks) || callbacks.some((c) => c === null || typeof c !== 'object')) {
    throw invalidArgument(`callbacks must be an array of objects with onStepEnd(step); got ${describe(callbacks)}.`);
  }
  const outputs = model.outputs.length;
  if (!Number.isInteger(outputIndex) || outputIndex < 0 || outputIndex >= outputs) {
    throw invalidArgument(
      `outputIndex must be an integer from 0 to ${outputs - 1} (the model has ${outputs} output(s)); got ${describe(outputIndex)}.`,
    );
  }
  const shape = inputShape(model);
  const rowSize = shape.reduce((a, b) => a * b, 1);
  // A LayerVariable's read() hands back its tf.Variable, typed as a plain Tensor.
  const weights = model.trainableWeights.map((w) => w.read() as Variable);
  if (weights.length === 0) {
    throw invalidArgument('The model has no trainable weights; unfreeze a layer (layer.trainable = true) to train it.');
  }

  const opt = optimizer ?? train.adam(learningRate);
  const total = epochs * steps;
  const history: number[] = [];
  const epochLoss: number[] = [];
  const metricHistory: Record<string, number[]> = Object.fromEntries(metrics.map((m) => [m.name, []]));
  const evaluations: TrainHistory['evaluations'] = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      let sum = 0;
      for (let step = 0; step < steps; step++) {
        const batch = sampler.getBatch(step, epoch);
        checkBatch(batch, rowSize, epoch, step);
        const labels = batch.y;
        let measured: Scalar[] = [];
        const cost = missingKernelToUnsupported(() =>
          tidy(() => {
            const x = tensor(batch.x, [batch.rows, ...shape], 'float32');
            const value = opt.minimize(
              () => {
                const out = model.apply(x, { training: true });
                const head = Array.isArray(out) ? out[outputIndex] : out;
                if (!(head instanceof Tensor) || head.rank !== 2) {
                  throw invalidArgument(
                    `Model output ${outputIndex} must be a (batch, size) embedding tensor; add a Flatten or Dense layer.`,
                  );
                }
                // Metrics see the same embeddings as the loss. They do not feed the returned loss, so
                // no gradient flows through them.
                measured = metrics.map((m) => keep(m.compute(labels, head as Tensor2D)));
                return loss.call(labels, head as Tensor2D);
              },
              true,
              weights,
            );
            if (value === null) throw invalidArgument('The optimizer returned no loss value; pass a tfjs optimizer.');
            return value;
          }),
        );
        let value: number;
        const values: Record<string, number> = {};
        try {
          value = (await cost.data())[0] as number;
          for (const [i, m] of metrics.entries()) {
            values[m.name] = (await (measured[i] as Scalar).data())[0] as number;
            metricHistory[m.name]?.push(values[m.name] as number);
          }
        } finally {
          cost.dispose();
          for (const t of measured) t.dispose();
        }
        if (!Number.isFinite(value)) {
          throw invalidArgument(
            `The loss became ${value} at step ${step} of epoch ${epoch}; lower the learning rate or check the inputs for NaN.`,
            { epoch, step },
          );
        }
        history.push(value);
        sum += value;
        const done = epoch * steps + step + 1;
        let evaluation: Record<string, number> | undefined;
        for (const callback of callbacks) {
          const measured = await callback.onStepEnd?.({ model, epoch, step, stepsPerEpoch: steps, done, total });
          if (measured !== undefined) evaluation = { ...evaluation, ...measured };
        }
        if (evaluation !== undefined) evaluations.push({ epoch, step, done, values: evaluation });
        onProgress?.({
          task: 'train',
          epoch,
          step,
          loss: value,
          metrics: values,
          ...(evaluation !== undefined && { evaluation }),
          done,
          total,
        });
      }
      epochLoss.push(sum / steps);
    }
  } finally {
    if (optimizer === undefined) opt.dispose();
  }
  return { loss: history, epochLoss, metrics: metricHistory, evaluations };
}

function checkMetrics(metrics: unknown): asserts metrics is readonly TrainingMetric[] {
  if (!Array.isArray(metrics)) {
    throw invalidArgument(
      `metrics must be an array of { name, compute(labels, embeddings) }; got ${describe(metrics)}.`,
    );
  }
  const names = new Set<string>();
  for (const m of metrics as TrainingMetric[]) {
    if (
      m === null ||
      typeof m !== 'object' ||
      typeof m.compute !== 'function' ||
      typeof m.name !== 'string' ||
      m.name === ''
    ) {
      throw invalidArgument(
        `Each training metric needs a name and compute(labels, embeddings), e.g. trainingDistanceMetrics('cosine') of @simkit/losses; got ${describe(m)}.`,
      );
    }
    if (names.has(m.name)) throw invalidArgument(`Two training metrics are named '${m.name}'; give each its own name.`);
    names.add(m.name);
  }
}
