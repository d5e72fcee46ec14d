import {
  assertNonNegativeInteger,
  assertPositiveInteger,
  describe,
  invalidArgument,
  type Logger,
  rngFor,
  sampleWithoutReplacement,
  sampleWithReplacement,
  silentLogger,
} from '@simkit/core';
import { checkClassList, indexByClass, toLabelledRows } from './labelled-rows.js';
import { checkSeed, type Examples, gatherRows, SELECT_STREAM, selectRows } from './select-examples.js';

/** One batch: `rows` examples, grouped by class, each of `featureShape`. */
export interface SamplerBatch extends Examples {
  readonly featureShape: readonly number[];
}

/** Options of `new MultiShotMemorySampler(...)`. */
export interface MultiShotMemorySamplerOptions {
  /** Examples, row-major: `y.length` rows of `featureShape` values each. */
  readonly x: Float32Array;
  /** One integer class label per row of `x`. */
  readonly y: ArrayLike<number>;
  /** Shape of one example, e.g. `[28, 28]`; defaults to a flat row `[x.length / y.length]`. */
  readonly featureShape?: readonly number[];
  /** Distinct classes in each batch. Default 2. */
  readonly classesPerBatch?: number;
  /** Examples of each class in each batch. Default 2. */
  readonly examplesPerClassPerBatch?: number;
  /** Batches per epoch. Default 1000. */
  readonly stepsPerEpoch?: number;
  /** Keep only these classes. Default: every class in `y`. */
  readonly classList?: ArrayLike<number> | null;
  /** Keep this many examples of each class (see `selectExamples`). Default: all. */
  readonly totalExamplesPerClass?: number | null;
  /** Seed of every random draw. Default 0. */
  readonly seed?: number;
  /** Receives a warning for classes too small for a batch. Default: silent. */
  readonly logger?: Logger;
}

/**
 * Balanced batches from examples held in memory, as TensorFlow Similarity's
 * `MultiShotMemorySampler`: each batch holds `examplesPerClassPerBatch` examples
 * of each of `classesPerBatch` classes. Classes are drawn without replacement per
 * batch; a class's examples are drawn without replacement when it has enough,
 * with replacement otherwise. Batch `index` of epoch `epoch` depends only on the
 * seed, the data and the options.
 */
export class MultiShotMemorySampler implements Iterable<SamplerBatch> {
  readonly classesPerBatch: number;
  readonly examplesPerClassPerBatch: number;
  readonly stepsPerEpoch: number;
  /** `classesPerBatch × examplesPerClassPerBatch`. */
  readonly batchSize: number;
  /** The classes batches are drawn from, ascending. */
  readonly classList: Int32Array;
  readonly featureShape: readonly number[];
  /** Values per example (product of `featureShape`). */
  readonly rowSize: number;
  readonly seed: number;

  private readonly x: Float32Array;
  private readonly y: Int32Array;
  /** Selected rows of `x`, shuffled: the sampler's pool of examples. */
  private readonly pool: Int32Array;
  /** Rows of `x` per class, in pool order; same order as `classList`. */
  private readonly rowsPerClass: readonly Int32Array[];

  constructor(options: MultiShotMemorySamplerOptions) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(`MultiShotMemorySampler needs an options object { x, y, ... }; got ${describe(options)}.`);
    }
    const {
      classesPerBatch = 2,
      examplesPerClassPerBatch = 2,
      stepsPerEpoch = 1000,
      classList,
      totalExamplesPerClass,
      seed = 0,
      logger = silentLogger,
    } = options;
    const data = toLabelledRows(options.x, options.y, options.featureShape);
    assertPositiveInteger(classesPerBatch, 'classesPerBatch');
    assertPositiveInteger(examplesPerClassPerBatch, 'examplesPerClassPerBatch');
    assertPositiveInteger(stepsPerEpoch, 'stepsPerEpoch');
    const perClass = totalExamplesPerClass ?? null;
    if (perClass !== null) assertPositiveInteger(perClass, 'totalExamplesPerClass');
    this.seed = checkSeed(seed);

    const byClass = indexByClass(data.y);
    // As in TF Similarity, an empty class list means every class.
    const classes =
      classList === undefined || classList === null || classList.length === 0
        ? Int32Array.from(byClass.keys()).sort()
        : checkClassList(classList, byClass);
    if (classesPerBatch > classes.length) {
      throw invalidArgument(
        `classesPerBatch is ${classesPerBatch} but only ${classes.length} class${classes.length === 1 ? ' is' : 'es are'} available; lower classesPerBatch or add classes.`,
        { classesPerBatch, classes: classes.length },
      );
    }

    this.x = data.x;
    this.y = data.y;
    this.featureShape = data.featureShape;
    this.rowSize = data.rowSize;
    this.classesPerBatch = classesPerBatch;
    this.examplesPerClassPerBatch = examplesPerClassPerBatch;
    this.stepsPerEpoch = stepsPerEpoch;
    this.batchSize = classesPerBatch * examplesPerClassPerBatch;
    this.classList = classes;
    this.pool = selectRows(byClass, classes, perClass, rngFor(this.seed, SELECT_STREAM));
    const poolByClass = indexByClass(data.y, this.pool);
    this.rowsPerClass = Array.from(classes, (c) => Int32Array.from(poolByClass.get(c) ?? []));

    const small = Array.from(classes).filter(
      (_, i) => (this.rowsPerClass[i] as Int32Array).length < examplesPerClassPerBatch,
    );
    if (small.length > 0) {
      logger.log(
        'warn',
        `${small.length} class(es) have fewer than ${examplesPerClassPerBatch} examples; their batches repeat examples (drawn with replacement). Consider fewer examples per class or an augmenter.`,
        { classes: small, examplesPerClassPerBatch },
      );
    }
  }

  /** Number of examples in the pool (after class and per-class selection). */
  get numExamples(): number {
    return this.pool.length;
  }

  /**
   * Batch `index` (0 ≤ index < stepsPerEpoch) of epoch `epoch`: always the same
   * batch for the same seed, data and options.
   */
  getBatch(index: number, epoch = 0): SamplerBatch {
    assertNonNegativeInteger(index, 'index');
    assertNonNegativeInteger(epoch, 'epoch');
    if (index >= this.stepsPerEpoch) {
      throw invalidArgument(
        `Batch index ${index} is past the epoch; use 0 ≤ index < stepsPerEpoch (${this.stepsPerEpoch}) and pass the epoch as the second argument.`,
      );
    }
    const rng = rngFor(this.seed, epoch, index);
    const epc = this.examplesPerClassPerBatch;
    const picked = sampleWithoutReplacement(rng, this.classList.length, this.classesPerBatch);
    const rows = new Int32Array(this.batchSize);
    let filled = 0;
    for (const ci of picked) {
      const classRows = this.rowsPerClass[ci] as Int32Array;
      const draws =
        classRows.length >= epc
          ? sampleWithoutReplacement(rng, classRows.length, epc)
          : sampleWithReplacement(rng, classRows.length, epc);
      for (const d of draws) rows[filled++] = classRows[d] as number;
    }
    return this.build(rows);
  }

  /** The `stepsPerEpoch` batches of epoch `epoch`, in order. */
  *batches(epoch = 0): IterableIterator<SamplerBatch> {
    assertNonNegativeInteger(epoch, 'epoch');
    for (let i = 0; i < this.stepsPerEpoch; i++) yield this.getBatch(i, epoch);
  }

  /** Iterates over epoch 0. */
  [Symbol.iterator](): IterableIterator<SamplerBatch> {
    return this.batches(0);
  }

  /**
   * `size` consecutive examples of the (shuffled) pool from `begin`; `size`
   * defaults to the rest of the pool. Handy for a calibration or evaluation set.
   */
  getSlice(begin = 0, size?: number): SamplerBatch {
    assertNonNegativeInteger(begin, 'begin');
    if (begin > this.pool.length) {
      throw invalidArgument(`begin is ${begin} but the pool holds ${this.pool.length} examples.`);
    }
    const n = size ?? this.pool.length - begin;
    assertNonNegativeInteger(n, 'size');
    if (begin + n > this.pool.length) {
      throw invalidArgument(
        `Slice [${begin}, ${begin + n}) runs past the pool of ${this.pool.length} examples; lower size or begin.`,
      );
    }
    return this.build(this.pool.subarray(begin, begin + n));
  }

  private build(rows: Int32Array): SamplerBatch {
    const y = new Int32Array(rows.length);
    for (let i = 0; i < rows.length; i++) y[i] = this.y[rows[i] as number] as number;
    return {
      x: gatherRows(this.x, this.rowSize, rows),
      y,
      rows: rows.length,
      featureShape: this.featureShape,
    };
  }
}
