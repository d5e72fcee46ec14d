import { assertPositiveInteger, batch, checkOptions, describe, invalidArgument } from '@simkit/core';
import { MemoryEvaluator, toLookupMatrix } from '@simkit/evaluators';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { ModelInput } from './model-input.js';
import { SimilarityModel } from './similarity-model.js';
import type { TrainingCallback, TrainingStep } from './train.js';

/** A classification metric name (e.g. `accuracy`, `f1`, `precision`) or object, as the evaluators take. */
export type EvalClassificationMetric = Parameters<MemoryEvaluator['evaluateClassification']>[3][number];

/** Options of `EvalCallback`. */
export interface EvalCallbackOptions {
  /** The examples looked up at each evaluation. */
  readonly queries: ModelInput;
  /** One integer label per query. */
  readonly queryLabels: ArrayLike<number>;
  /** The examples indexed at each evaluation. */
  readonly targets: ModelInput;
  /** One integer label per target. */
  readonly targetLabels: ArrayLike<number>;
  /** Distance of the index. Default `'cosine'`. */
  readonly distance?: string;
  /** Classification metrics, measured as TF Similarity's EvalCallback does: nearest-neighbour match, no distance threshold. Default `['binary_accuracy', 'f1']`. */
  readonly metrics?: ReadonlyArray<EvalClassificationMetric>;
  /** Retrieval metrics by name, e.g. `['recall@1', 'precision@5']`. Default none. */
  readonly retrievalMetrics?: readonly string[];
  /** Neighbours looked up per query. Default 1, or the largest k the retrieval metrics need. */
  readonly k?: number;
  /** Evaluate after every this many steps (counted over all epochs). Default: at the end of each epoch. */
  readonly everySteps?: number;
  /**
   * The classes seen in training. When given, every metric is also reported for the queries of
   * those classes (`<name>_known_classes`) and of the others (`<name>_unknown_classes`), as TF
   * Similarity's SplitValidationLoss does.
   */
  readonly knownClasses?: ArrayLike<number>;
  /** Batch size of the embedding passes. Default 256. */
  readonly batchSize?: number;
}

/** One evaluation: when it ran and what it measured. */
export interface Evaluation {
  readonly epoch: number;
  /** 0-based step within the epoch after which it ran. */
  readonly step: number;
  /** Steps done over all epochs. */
  readonly done: number;
  readonly values: Readonly<Record<string, number>>;
}

function labelsOf(labels: unknown, what: string): Int32Array {
  if (labels === null || typeof labels !== 'object' || typeof (labels as ArrayLike<number>).length !== 'number') {
    throw invalidArgument(`${what} must be an array of integer labels; got ${describe(labels)}.`);
  }
  const out = Int32Array.from(labels as ArrayLike<number>);
  if (
    out.length === 0 ||
    !Array.from(labels as ArrayLike<number>).every((v, i) => Number.isInteger(v) && v === out[i])
  ) {
    throw invalidArgument(`${what} must be a non-empty array of integer labels.`);
  }
  return out;
}

/**
 * Evaluates a model while it trains, as TensorFlow Similarity's `EvalCallback` (and, with
 * `knownClasses`, its `SplitValidationLoss`): index the targets with the model as it is now,
 * look up the queries, and measure classification metrics (nearest-neighbour match at no
 * distance threshold) and retrieval metrics. Pass it in `trainSimilarityModel`'s `callbacks`;
 * each evaluation is in `evaluations`, in the progress event of its step, and in the history.
 */
export class EvalCallback implements TrainingCallback {
  /** Every evaluation so far, in order. */
  readonly evaluations: Evaluation[] = [];
  private readonly queryLabels: Int32Array;
  private readonly targetLabels: Int32Array;
  private readonly known: Set<number> | undefined;
  private readonly k: number;
  private readonly metrics: ReadonlyArray<EvalClassificationMetric>;
  private readonly retrievalMetrics: readonly string[];
  private readonly distance: string;
  private readonly everySteps: number | undefined;
  private readonly batchSize: number;

  constructor(private readonly options: EvalCallbackOptions) {
    checkOptions(options, 'EvalCallback options');
    this.queryLabels = labelsOf(options.queryLabels, 'queryLabels');
    this.targetLabels = labelsOf(options.targetLabels, 'targetLabels');
    this.known =
      options.knownClasses === undefined ? undefined : new Set(labelsOf(options.knownClasses, 'knownClasses'));
    this.metrics = options.metrics ?? ['binary_accuracy', 'f1'];
    if (!Array.isArray(this.metrics)) throw invalidArgument(`metrics must be an array; got ${describe(this.metrics)}.`);
    this.retrievalMetrics = options.retrievalMetrics ?? [];
    if (!Array.isArray(this.retrievalMetrics)) {
      throw invalidArgument(
        `retrievalMetrics must be an array of names such as 'recall@5'; got ${describe(this.retrievalMetrics)}.`,
      );
    }
    const needed = Math.max(1, ...this.retrievalMetrics.map((m) => Number(/@(\d+)$/.exec(String(m))?.[1] ?? 1)));
    this.k = options.k ?? needed;
    assertPositiveInteger(this.k, 'k');
    this.distance = options.distance ?? 'cosine';
    if (typeof this.distance !== 'string')
      throw invalidArgument(`distance must be a name; got ${describe(this.distance)}.`);
    if (options.everySteps !== undefined) assertPositiveInteger(options.everySteps, 'everySteps');
    this.everySteps = options.everySteps;
    this.batchSize = options.batchSize ?? 256;
    assertPositiveInteger(this.batchSize, 'batchSize');
  }

  /** Evaluates after every `everySteps` steps, or after the last step of each epoch. */
  async onStepEnd(step: TrainingStep): Promise<Record<string, number> | undefined> {
    const due =
      this.everySteps === undefined ? step.step === step.stepsPerEpoch - 1 : step.done % this.everySteps === 0;
    if (!due) return undefined;
    const values = await this.evaluate(step.model);
    this.evaluations.push({ epoch: step.epoch, step: step.step, done: step.done, values });
    return values;
  }

  /** Indexes the targets with `model` as it is now and measures the queries; no training needed. */
  async evaluate(model: LayersModel): Promise<Record<string, number>> {
    const sim = new SimilarityModel(model, { batchSize: this.batchSize });
    sim.createIndex({ distance: this.distance });
    try {
      await sim.index(this.options.targets, this.targetLabels);
      if (sim.indexSize() !== this.targetLabels.length) {
        throw invalidArgument(`targets hold ${sim.indexSize()} examples but targetLabels ${this.targetLabels.length}.`);
      }
      const queries = await sim.embed(this.options.queries);
      if (queries.rows !== this.queryLabels.length) {
        throw invalidArgument(`queries hold ${queries.rows} examples but queryLabels ${this.queryLabels.length}.`);
      }
      const rows = Array.from({ length: queries.rows }, (_, i) => i);
      const values = await this.measure(sim, queries.data, queries.dim, rows, '');
      if (this.known !== undefined) {
        const known = this.known;
        const seen = rows.filter((i) => known.has(this.queryLabels[i] as number));
        const unseen = rows.filter((i) => !known.has(this.queryLabels[i] as number));
        if (seen.length > 0)
          Object.assign(values, await this.measure(sim, queries.data, queries.dim, seen, '_known_classes'));
        if (unseen.length > 0) {
          Object.assign(values, await this.measure(sim, queries.data, queries.dim, unseen, '_unknown_classes'));
        }
      }
      return values;
    } finally {
      await sim.indexer.close();
    }
  }

  private async measure(
    sim: SimilarityModel,
    embeddings: Float32Array,
    dim: number,
    rows: readonly number[],
    suffix: string,
  ): Promise<Record<string, number>> {
    const picked = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => {
      picked.set(embeddings.subarray(r * dim, (r + 1) * dim), i * dim);
    });
    const labels = Int32Array.from(rows, (r) => this.queryLabels[r] as number);
    const lookups = await sim.indexer.batchLookup(batch(picked, dim), this.k);
    const matrix = toLookupMatrix(lookups, this.k);
    const evaluator = new MemoryEvaluator();
    const out: Record<string, number> = {};
    const table = evaluator.evaluateClassification(
      labels,
      matrix,
      [Number.POSITIVE_INFINITY],
      this.metrics,
      'match_nearest',
    );
    for (const [name, values] of Object.entries(table)) {
      if (name !== 'distance') out[`${name}${suffix}`] = values[0] as number;
    }
    if (this.retrievalMetrics.length > 0) {
      for (const [name, value] of Object.entries(evaluator.evaluateRetrieval(labels, matrix, this.retrievalMetrics))) {
        out[`${name}${suffix}`] = value;
      }
    }
    return out;
  }
}
