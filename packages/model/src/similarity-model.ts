import {
  type Distance,
  type EmbeddingBatch,
  type LabelsInput,
  type Logger,
  type ProgressHandler,
  type Registry,
  SimkitError,
  assertPositiveInteger,
  checkData,
  checkLabels,
  describe,
  checkOptions,
  invalidArgument,
  noProgress,
  silentLogger,
  type OpenedSave,
  SAVE_MANIFEST,
  errnoCode,
  ioError,
  isOsFailure,
  openSave,
  writeSave,
} from '@simkit/core';
import { nodeFiles } from '@simkit/core/node';
import { Indexer, type Lookup, type MatchOptions } from '@simkit/indexer';
import { registerSimkitLayers } from '@simkit/layers';
import type { Tensor, io } from '@tensorflow/tfjs-core';
import { type LayersModel, type ModelCompileArgs, loadLayersModel } from '@tensorflow/tfjs-layers';
import { consoleReporter } from './console-reporter.js';
import { embedInBatches } from './embedder.js';
import {
  MODEL_JSON,
  MODEL_SAVE_KIND,
  captureModel,
  modelFiles,
  noModel,
  readModelArtifacts,
  writeModelFiles,
} from './file-io-handler.js';
import type { IndexSummary } from './index-summary.js';
import { type InputSpec, type ModelInput, toInputTensors, toLabelArray } from './model-input.js';
import type { Reporter, SummaryRow } from './reporter.js';
import { currentBackend } from './select-backend.js';
import type {
  CompileOptions,
  CreateIndexOptions,
  LoadOptions,
  ModelCalibrateOptions,
  SaveOptions,
  SimilarityModelOptions,
} from './similarity-model-options.js';

/** The calibration result and retrieval metric types of the Indexer this façade wraps. */
export type CalibrationResult = Awaited<ReturnType<Indexer['calibrate']>>;
/** The retrieval metrics `evaluateRetrieval` takes, e.g. `[new RecallAtK({ k: 5 })]`. */
export type RetrievalMetrics = Parameters<Indexer['evaluateRetrieval']>[2];
/** Options of `evaluateClassification`, as the Indexer's. */
export type EvaluateClassificationOptions = NonNullable<Parameters<Indexer['evaluateClassification']>[2]>;
/** What `toDataFrame` returns: the Indexer's typed columns. */
export type IndexDataFrame = Awaited<ReturnType<Indexer['toDataFrame']>>;
/** Labels: integers (or null for none), or a rank-1 tf.Tensor of them. */
export type LabelsLike = LabelsInput | Tensor;
/** Query labels: integers, or a rank-1 tf.Tensor of them. */
export type QueryLabels = ArrayLike<number> | Tensor;

const DEFAULT_BATCH_SIZE = 256;
/** Where a model save keeps its index: a nested Indexer save, bound by the model save's manifest. */
const INDEX_DIR = 'index';
const INDEX_MANIFEST = `${INDEX_DIR}/${SAVE_MANIFEST}`;
/** The bound @simkit/core puts on a manifest (it lists a handful of files). */
const MAX_MANIFEST_BYTES = 1 << 20;

function notReady(what: string): SimkitError {
  return new SimkitError(
    'NOT_READY',
    `The model has no index yet: call compile() or createIndex() first, then ${what}().`,
  );
}

function hasDistance(loss: unknown): loss is { distance: unknown } {
  return (typeof loss === 'object' || typeof loss === 'function') && loss !== null && 'distance' in loss;
}

/**
 * tfjs takes loss functions, names or per-output dicts; a loss object with
 * `call(yTrue, yPred)` is wrapped as a function.
 */
function toTfjsLoss(loss: unknown): unknown {
  if (Array.isArray(loss)) return loss.map(toTfjsLoss);
  if (typeof loss === 'object' && loss !== null) {
    const call = (loss as { call?: unknown }).call;
    if (typeof call === 'function') return (yTrue: Tensor, yPred: Tensor) => call.call(loss, yTrue, yPred);
    if ('distance' in loss) {
      throw invalidArgument(
        'The loss has a distance but tfjs cannot call it: pass a loss function, or an object with a call(yTrue, yPred) method.',
      );
    }
  }
  return loss;
}

/**
 * A tfjs-layers model with a similarity index: embed inputs with the model, index
 * them, look up nearest neighbours, calibrate a distance threshold, match and
 * evaluate, and save model + index together (TensorFlow Similarity's SimilarityModel).
 */
export class SimilarityModel {
  /** The wrapped tfjs-layers model (train it with `model.fit`). */
  readonly model: LayersModel;
  readonly batchSize: number;
  private readonly logger: Logger;
  private readonly onProgress: ProgressHandler;
  private readonly reporter: Reporter | undefined;
  private readonly inputSpecs: InputSpec[];
  private ix: Indexer | undefined;
  private outputIndex = 0;

  constructor(model: LayersModel, options: SimilarityModelOptions = {}) {
    if (model === null || typeof model !== 'object' || typeof (model as LayersModel).predict !== 'function') {
      throw invalidArgument(
        `SimilarityModel needs a tfjs-layers LayersModel (tf.model or tf.sequential); got ${describe(model)}.`,
      );
    }
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(`SimilarityModel options must be an object; got ${describe(options)}.`);
    }
    const unbuilt = () =>
      invalidArgument(
        'The model is not built: give its first layer an inputShape (or build it with tf.model({ inputs, outputs })) before wrapping it.',
      );
    let inputs: LayersModel['inputs'];
    let outputs: LayersModel['outputs'];
    try {
      // An unbuilt tf.sequential throws from these getters.
      inputs = model.inputs;
      outputs = model.outputs;
    } catch {
      throw unbuilt();
    }
    if (!Array.isArray(inputs) || inputs.length === 0 || !Array.isArray(outputs) || outputs.length === 0) {
      throw unbuilt();
    }
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    assertPositiveInteger(this.batchSize, 'batchSize');
    this.model = model;
    this.inputSpecs = inputs.map((t, i) => ({
      name: model.inputNames?.[i] ?? t.name,
      shape: [...t.shape],
      dtype: t.dtype,
    }));
    this.reporter = options.verbose === true ? (options.reporter ?? consoleReporter()) : undefined;
    this.logger = options.logger ?? this.reporter?.logger ?? silentLogger;
    this.onProgress = options.onProgress ?? this.reporter?.onProgress ?? noProgress;
  }

  /** Number of model outputs (heads). */
  get numOutputs(): number {
    return this.model.outputs.length;
  }

  /** The Indexer behind the façade; NOT_READY before `compile` / `createIndex` / `loadIndex`. */
  get indexer(): Indexer {
    if (this.ix === undefined) throw notReady('use the index');
    return this.ix;
  }

  /** True once an index exists. */
  get hasIndex(): boolean {
    return this.ix !== undefined;
  }

  /** Which model output is embedded and indexed. */
  get embeddingOutput(): number {
    return this.outputIndex;
  }

  /**
   * Creates the index and, when `loss` (and optionally `optimizer`, `metrics`) is given,
   * compiles the tfjs model for training. `distance: 'auto'` takes the loss's distance,
   * or cosine when the loss has none.
   */
  compile(options: CompileOptions = {}): void {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(`compile takes an options object; got ${describe(options)}.`);
    }
    const { optimizer, loss, metrics, distance = 'auto', ...indexOptions } = options;
    if (optimizer !== undefined && loss === undefined) {
      throw invalidArgument(
        'compile got an optimizer but no loss; pass a loss to train, or neither to only create the index.',
      );
    }
    let resolved: string | Distance = distance;
    if (distance === 'auto') {
      resolved = 'cosine';
      const first: unknown = Array.isArray(loss) ? loss[0] : loss;
      if (hasDistance(first)) {
        const fromLoss = first.distance;
        if (typeof fromLoss === 'string' || (typeof fromLoss === 'object' && fromLoss !== null)) {
          resolved = fromLoss as string | Distance;
          const name = typeof resolved === 'string' ? resolved : resolved.name;
          this.logger.log('info', `Distance set to '${name}' from the loss; pass distance to override.`);
        }
      }
    }
    let args: ModelCompileArgs | undefined;
    if (loss !== undefined) {
      args = { optimizer: optimizer ?? 'rmsprop', loss: toTfjsLoss(loss) as ModelCompileArgs['loss'] };
      if (metrics !== undefined) args.metrics = metrics;
    }
    this.createIndex({ ...indexOptions, distance: resolved });
    if (args !== undefined) this.model.compile(args);
  }

  /** Creates (or replaces) the index without compiling the model. */
  createIndex(options: CreateIndexOptions = {}): void {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(`createIndex takes an options object; got ${describe(options)}.`);
    }
    const outputs = this.numOutputs;
    let head = options.embeddingOutput;
    if (head !== undefined && head !== null) {
      if (!Number.isInteger(head) || head < 0 || head >= outputs) {
        throw invalidArgument(
          `embeddingOutput must be an integer from 0 to ${outputs - 1} (the model has ${outputs} output(s)); got ${describe(head)}.`,
        );
      }
    } else if (outputs > 1) {
      this.logger.log(
        'info',
        'Embedding output set to model output 0. Use the embeddingOutput option to override this.',
      );
      head = 0;
    } else {
      head = null;
    }
    const embeddingSize = this.outputSize(head ?? 0);
    const distance = options.distance === undefined || options.distance === 'auto' ? 'cosine' : options.distance;
    this.ix = new Indexer({
      embeddingSize,
      distance,
      ...(options.search !== undefined && { search: options.search }),
      ...(options.store !== undefined && { store: options.store }),
      ...(options.evaluator !== undefined && { evaluator: options.evaluator }),
      ...(options.statBufferSize !== undefined && { statBufferSize: options.statBufferSize }),
      embeddingOutput: head,
      logger: this.logger,
      onProgress: this.onProgress,
    });
    this.outputIndex = head ?? 0;
  }

  /** Embeddings of `x` from the indexed output (or output 0 before an index exists), as a row-major batch. */
  async embed(x: ModelInput): Promise<EmbeddingBatch> {
    return this.embedInput(x, false);
  }

  /** Same as `embed`: the model's embeddings of `x` as Float32Array rows. */
  async predict(x: ModelInput): Promise<EmbeddingBatch> {
    return this.embedInput(x, false);
  }

  /** Embeds `x` and adds it to the index with optional labels and data; returns the new ids. */
  async index(x: ModelInput, y?: LabelsLike, data?: ArrayLike<unknown> | null): Promise<Int32Array> {
    const indexer = this.requireIndex('index');
    const labels = (await toLabelArray(y)) as LabelsInput;
    const embeddings = await this.embedInput(x, false, (rows) => {
      checkLabels(labels, rows);
      checkData(data, rows);
    });
    return indexer.batchAdd(embeddings, labels, data ?? null);
  }

  /** Embeds one sample (batch axis optional) and adds it to the index; returns its id. */
  async indexSingle(x: ModelInput, y: number | null = null, data: unknown = null): Promise<number> {
    const indexer = this.requireIndex('indexSingle');
    checkLabels([y], 1);
    checkData([data], 1);
    const embedding = await this.embedInput(x, true);
    return indexer.add(embedding, y, data);
  }

  /** The `k` nearest indexed neighbours of each sample of `x`, closest first. */
  async lookup(x: ModelInput, k = 5): Promise<Lookup[][]> {
    const indexer = this.requireIndex('lookup');
    assertPositiveInteger(k, 'k');
    return indexer.batchLookup(await this.embedInput(x, false), k);
  }

  /** The `k` nearest indexed neighbours of one sample (batch axis optional). */
  async singleLookup(x: ModelInput, k = 5): Promise<Lookup[]> {
    const indexer = this.requireIndex('singleLookup');
    assertPositiveInteger(k, 'k');
    return indexer.singleLookup(await this.embedInput(x, true), k);
  }

  /** Index statistics plus the backend and components in use; shown as tables with `verbose`. */
  indexSummary(): IndexSummary {
    const indexer = this.requireIndex('indexSummary');
    const summary: IndexSummary = {
      ...indexer.stats(),
      backend: currentBackend(),
      distance: indexer.distance.name,
      embeddingSize: indexer.embeddingSize,
      embeddingOutput: indexer.embeddingOutput,
      search: indexer.search.toConfig().type,
      store: indexer.store.toConfig().type,
      evaluator: indexer.evaluator.toConfig().type,
      isCalibrated: indexer.isCalibrated,
    };
    if (this.reporter) {
      this.reporter.table('Info', [
        { property: 'backend', value: summary.backend },
        { property: 'distance', value: summary.distance },
        { property: 'key value store', value: summary.store },
        { property: 'search algorithm', value: summary.search },
        { property: 'evaluator', value: summary.evaluator },
        { property: 'index size', value: summary.size },
        { property: 'calibrated', value: summary.isCalibrated },
        { property: 'embedding_output', value: summary.embeddingOutput },
      ]);
      const t = summary.lookupTimeMs;
      this.reporter.table('Performance', [
        { property: 'num lookups', value: summary.numLookups },
        { property: 'min lookup time (ms)', value: t.min },
        { property: 'max lookup time (ms)', value: t.max },
        { property: 'avg lookup time (ms)', value: t.avg },
        { property: 'median lookup time (ms)', value: t.median },
        { property: 'stddev lookup time (ms)', value: t.stddev },
      ]);
    }
    return summary;
  }

  /**
   * Calibrates the distance threshold on labelled examples (default metric `f1`, `k` 1,
   * matcher `match_nearest`, extras precision and recall) and keeps it for `match`.
   */
  async calibrate(x: ModelInput, y: QueryLabels, options: ModelCalibrateOptions = {}): Promise<CalibrationResult> {
    const indexer = this.requireIndex('calibrate');
    this.requireEntries(indexer, 'calibrate');
    const { rounding = 2, ...calibrateOptions } = checkOptions(options, 'calibrate options');
    if (!Number.isInteger(rounding) || rounding < 0) {
      throw invalidArgument(`rounding must be an integer ≥ 0 (decimals shown); got ${describe(rounding)}.`);
    }
    const labels = await this.queryLabels(y);
    const embeddings = await this.embedInput(x, false, (rows) => this.checkQueryLabelCount(labels, rows));
    // The façade's default is `f1` (key `f1`); the Indexer's own default is `f1_score`.
    const result = await indexer.calibrate(embeddings, labels, {
      ...calibrateOptions,
      calibrationMetric: calibrateOptions.calibrationMetric ?? 'f1',
    });
    if (this.reporter) {
      const round = (v: unknown) => (typeof v === 'number' ? Number(v.toFixed(rounding)) : (v as string));
      this.reporter.table(
        'Calibration',
        Object.entries(result.cutpoints).map(([name, cp]): SummaryRow => {
          const row: Record<string, string | number | null> = { name };
          for (const [key, value] of Object.entries(cp)) if (key !== 'name') row[key] = round(value);
          return row;
        }),
      );
    }
    return result;
  }

  /**
   * Labels for `x` from the calibrated index: the matched label when within the
   * cutpoint's distance, else `noMatchLabel` (-1). `cutpoint: 'all'` returns one array per cutpoint.
   */
  async match(x: ModelInput, options: MatchOptions & { cutpoint: 'all' }): Promise<Record<string, Int32Array>>;
  async match(x: ModelInput, options?: MatchOptions): Promise<Int32Array>;
  async match(x: ModelInput, options: MatchOptions = {}): Promise<Int32Array | Record<string, Int32Array>> {
    const indexer = this.requireIndex('match');
    if (!indexer.isCalibrated) {
      throw new SimkitError('NOT_CALIBRATED', 'The index is not calibrated: call calibrate() before match().');
    }
    this.requireEntries(indexer, 'match');
    return indexer.match(await this.embedInput(x, false), options);
  }

  /** Retrieval metrics (recall@k, precision@k, map@k, ndcg@k) of labelled queries against the index. */
  async evaluateRetrieval(x: ModelInput, y: QueryLabels, metrics: RetrievalMetrics): Promise<Record<string, number>> {
    const indexer = this.requireIndex('evaluateRetrieval');
    this.requireEntries(indexer, 'evaluateRetrieval');
    if (!Array.isArray(metrics) || metrics.length === 0) {
      throw invalidArgument(
        'evaluateRetrieval needs a non-empty array of retrieval metrics, e.g. [new RecallAtK({ k: 5 })].',
      );
    }
    const labels = await this.queryLabels(y);
    const embeddings = await this.embedInput(x, false, (rows) => this.checkQueryLabelCount(labels, rows));
    const result = await indexer.evaluateRetrieval(embeddings, labels, metrics);
    this.reporter?.table(
      'Retrieval',
      Object.entries(result).map(([metric, value]) => ({ metric, value })),
    );
    return result;
  }

  /**
   * For every calibrated cutpoint: the calibration metric and the extra metrics
   * (default precision, recall) at that cutpoint's distance, keyed by cutpoint name.
   */
  async evaluateClassification(
    x: ModelInput,
    y: QueryLabels,
    options: EvaluateClassificationOptions = {},
  ): Promise<Record<string, Record<string, number>>> {
    const indexer = this.requireIndex('evaluateClassification');
    this.requireEntries(indexer, 'evaluateClassification');
    if (!indexer.isCalibrated) {
      throw new SimkitError(
        'NOT_CALIBRATED',
        'The index is not calibrated: call calibrate() before evaluateClassification().',
      );
    }
    const labels = await this.queryLabels(y);
    const embeddings = await this.embedInput(x, false, (rows) => this.checkQueryLabelCount(labels, rows));
    const result = await indexer.evaluateClassification(embeddings, labels, options);
    this.reporter?.table(
      'Classification',
      Object.entries(result).map(([name, values]) => ({ name, ...values })),
    );
    return result;
  }

  /** Empties the index (records, search structure, stats and calibration). */
  async resetIndex(): Promise<void> {
    await this.requireIndex('resetIndex').reset();
  }

  /** Number of records in the index. */
  indexSize(): number {
    return this.requireIndex('indexSize').size();
  }

  /**
   * Saves the index into the model save at `dir`, atomically: a new save of `dir` that keeps
   * the model files of the save already there (read back verified, unchanged) and holds the
   * current index. Where `dir` holds no save yet (new or empty), the save holds only the
   * index. `loadIndex(dir)` reads it back; `SimilarityModel.load(dir)` loads both parts of
   * the one save. A damaged save in `dir` (or one that is not a model save) is refused with
   * CORRUPT_INDEX and left untouched; OS failures are IO_ERROR and leave the previous save.
   */
  async saveIndex(dir: string): Promise<void> {
    const indexer = this.requireIndex('saveIndex');
    if (typeof dir !== 'string' || dir.length === 0) throw invalidArgument('saveIndex(dir) needs a directory path.');
    const { path } = await nodeFiles();
    await writeSave(dir, MODEL_SAVE_KIND, async (gen) => {
      // Saves of one directory run one at a time, so the committed save cannot change meanwhile.
      const previous = await committedModelSave(dir);
      if (previous !== undefined) await copyModelFiles(previous, gen, dir);
      await indexer.save(path.join(gen, INDEX_DIR));
    });
  }

  /**
   * Replaces the index with the one in the model save at `dir` (what `save(dir)` or
   * `saveIndex(dir)` wrote): records, search structure and calibration, verified against the
   * save's checksums. `registry` supplies the search / store types it was saved with.
   * NOT_FOUND when the save holds no index.
   */
  async loadIndex(dir: string, registry?: Registry): Promise<void> {
    if (typeof dir !== 'string' || dir.length === 0) throw invalidArgument('loadIndex(dir) needs a directory path.');
    const opened = await openSave(dir, MODEL_SAVE_KIND);
    if (!opened.has(INDEX_MANIFEST)) {
      throw new SimkitError(
        'NOT_FOUND',
        `The save in '${dir}' holds no index (it was saved without one); save one with save() or saveIndex() first.`,
        { details: { dir } },
      );
    }
    await this.loadSavedIndex(opened, registry);
  }

  /**
   * Saves model and index atomically into the directory `dir`, as ONE save (the protocol
   * of `writeSave` in @simkit/core): `simkit-save.json` names a generation directory holding
   * `model.json` + `weights.bin` (tfjs' format) and `index/` (the Indexer's own save), each
   * file with its SHA-256. A crash at any instant leaves at `dir` the complete previous save
   * or the complete new one; the new save replaces everything the previous one held.
   * `modelDestination` sends the model elsewhere (e.g. `indexeddb://name` in a browser)
   * first; then `dir` gets a save holding only the index, or is not touched at all when
   * there is no index to save. OS failures are IO_ERROR.
   */
  async save(dir: string, options: SaveOptions = {}): Promise<void> {
    if (typeof dir !== 'string' || dir.length === 0) throw invalidArgument('save(dir) needs a directory path.');
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(`save options must be an object; got ${describe(options)}.`);
    }
    const includeOptimizer = options.includeOptimizer === true;
    const indexer = options.saveIndex === false ? undefined : this.ix;
    if (indexer === undefined) {
      const reason =
        this.ix === undefined
          ? 'the model has no index (call compile() or createIndex() to make one)'
          : 'saveIndex is false';
      this.logger.log('info', `The index was not saved with the model: ${reason}.`);
    }
    let files: ReturnType<typeof modelFiles> | undefined;
    if (options.modelDestination !== undefined) {
      await saveToDestination(this.model, options.modelDestination, includeOptimizer);
      if (indexer === undefined) return;
    } else {
      // The weights are taken in memory first and written inside the save's new generation.
      files = modelFiles(await captureModel(this.model, includeOptimizer));
    }
    const { path } = await nodeFiles();
    await writeSave(dir, MODEL_SAVE_KIND, async (gen) => {
      if (files !== undefined) await writeModelFiles(gen, files);
      if (indexer !== undefined) await indexer.save(path.join(gen, INDEX_DIR));
    });
  }

  /**
   * Loads what `save(dir)` wrote: the model, and the index with its calibration when the
   * save holds one. The save's manifest is checked, and every file is read once and verified
   * against its checksum before it is used; a damaged save is CORRUPT_INDEX, an OS failure
   * IO_ERROR. simkit's layers are registered for you; a custom layer of your own must be
   * registered with `tf.serialization.registerClass` first, else MISSING_COMPONENT. With `modelSource` the model comes from there (and `dir` is not read
   * at all when `loadIndex` is false).
   */
  static async load(dir: string, registry?: Registry, options: LoadOptions = {}): Promise<SimilarityModel> {
    if (typeof dir !== 'string' || dir.length === 0)
      throw invalidArgument('SimilarityModel.load(dir) needs a directory path.');
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(`SimilarityModel.load options must be an object; got ${describe(options)}.`);
    }
    const wantIndex = options.loadIndex !== false;
    const opened = options.modelSource === undefined || wantIndex ? await openSave(dir, MODEL_SAVE_KIND) : undefined;
    let model: LayersModel;
    if (options.modelSource !== undefined) {
      model = await loadModel(
        options.modelSource,
        typeof options.modelSource === 'string' ? options.modelSource : 'modelSource',
      );
    } else {
      if (opened === undefined || !opened.has(MODEL_JSON)) throw noModel(dir);
      const artifacts = await readModelArtifacts(opened, `'${dir}'`);
      model = await loadModel({ load: async () => artifacts }, `'${dir}'`);
    }
    try {
      const similarity = new SimilarityModel(model, options);
      if (opened === undefined || !wantIndex) return similarity;
      if (opened.has(INDEX_MANIFEST)) await similarity.loadSavedIndex(opened, registry ?? options.registry);
      else similarity.logger.log('info', `The save in '${dir}' holds no index; the model was loaded without one.`);
      return similarity;
    } catch (error) {
      model.dispose();
      throw error;
    }
  }

  /** Loads the index nested in an opened model save and takes it. */
  private async loadSavedIndex(opened: OpenedSave, registry: Registry | undefined): Promise<void> {
    // The model save's manifest lists the index's own manifest with its checksum: reading it
    // here proves the index is the one saved with this model, not one swapped in.
    await opened.read(INDEX_MANIFEST, { maxBytes: MAX_MANIFEST_BYTES });
    const indexer = await Indexer.load(opened.path(INDEX_DIR), registry, {
      logger: this.logger,
      onProgress: this.onProgress,
    });
    try {
      const head = indexer.embeddingOutput ?? 0;
      if (head >= this.numOutputs) {
        throw new SimkitError(
          'DIMENSION_MISMATCH',
          `The saved index embeds model output ${head} but this model has ${this.numOutputs} output(s); load it with the model it was built for.`,
        );
      }
      const size = this.outputSize(head);
      if (size !== indexer.embeddingSize) {
        throw new SimkitError(
          'DIMENSION_MISMATCH',
          `The saved index holds embeddings of size ${indexer.embeddingSize} but model output ${head} has size ${size}; load it with the model it was built for.`,
          { details: { expected: size, actual: indexer.embeddingSize } },
        );
      }
      this.ix = indexer;
      this.outputIndex = head;
    } catch (error) {
      // Release what the loaded index holds open (files, locks) before reporting.
      await indexer.close().catch(() => undefined);
      throw error;
    }
  }

  /** The first `numItems` records (all when 0) as typed columns. */
  async toDataFrame(numItems = 0): Promise<IndexDataFrame> {
    return this.requireIndex('toDataFrame').toDataFrame(numItems);
  }

  private requireIndex(what: string): Indexer {
    if (this.ix === undefined) throw notReady(what);
    return this.ix;
  }

  private requireEntries(indexer: Indexer, what: string): void {
    if (indexer.size() === 0) {
      throw new SimkitError(
        'EMPTY_INDEX',
        `The index is empty: add examples with index() before ${what}(). Is there any data in the index?`,
      );
    }
  }

  /** Size of model output `head`; it must be a fixed (batch, dim) shape. */
  private outputSize(head: number): number {
    const shape = this.model.outputs[head]?.shape ?? [];
    const dim = shape[1];
    if (shape.length !== 2 || typeof dim !== 'number' || dim < 1) {
      throw new SimkitError(
        'DIMENSION_MISMATCH',
        `Model output ${head} has shape [${shape.map((d) => d ?? 'any').join(', ')}]; the embedding output must be (batch, size) with a fixed size — add a Flatten or Dense layer.`,
      );
    }
    return dim;
  }

  private async queryLabels(y: QueryLabels): Promise<ArrayLike<number>> {
    const labels = await toLabelArray(y);
    if (labels === null || labels === undefined || typeof (labels as ArrayLike<number>).length !== 'number') {
      throw invalidArgument(
        `Query labels must be an array of integers or a rank-1 tf.Tensor; got ${describe(labels)}.`,
      );
    }
    return labels as ArrayLike<number>;
  }

  private checkQueryLabelCount(labels: ArrayLike<number>, rows: number): void {
    if (labels.length !== rows) {
      throw invalidArgument(`Got ${labels.length} labels for ${rows} queries; pass one label per query.`);
    }
  }

  /** Converts and checks `x`, runs `beforeEmbedding(rows)` (cheap checks), then embeds in batches. */
  private async embedInput(
    x: ModelInput,
    single: boolean,
    beforeEmbedding?: (rows: number) => void,
  ): Promise<EmbeddingBatch> {
    const inputs = toInputTensors(x, this.inputSpecs, single);
    try {
      beforeEmbedding?.(inputs.rows);
      return await embedInBatches(this.model, inputs, {
        batchSize: this.batchSize,
        outputIndex: this.outputIndex,
        dim: this.outputSize(this.outputIndex),
        onProgress: this.onProgress,
      });
    } finally {
      inputs.dispose();
    }
  }
}

/** The model save committed in `dir`, opened and checked; undefined when `dir` holds no save. */
async function committedModelSave(dir: string): Promise<OpenedSave | undefined> {
  const { fs, path } = await nodeFiles();
  try {
    await fs.lstat(path.join(dir, SAVE_MANIFEST));
  } catch (error) {
    if (isOsFailure(error)) throw ioError(`Opening ${dir}`, error);
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return await openSave(dir, MODEL_SAVE_KIND, { clean: false });
  } catch (error) {
    if (!SimkitError.isInstance(error, 'CORRUPT_INDEX')) throw error;
    throw new SimkitError(
      'CORRUPT_INDEX',
      `saveIndex keeps the model saved in '${dir}', but that save cannot be used: ${error.message} Nothing was written; save the whole model with save(dir), or pass another directory.`,
      { cause: error, details: { dir } },
    );
  }
}

/** Copies the model files (everything but the index) of a committed save into `gen`, each verified. */
async function copyModelFiles(previous: OpenedSave, gen: string, dir: string): Promise<void> {
  const { fs, path } = await nodeFiles();
  for (const rel of previous.files.keys()) {
    if (rel.startsWith(`${INDEX_DIR}/`)) continue;
    const bytes = await previous.read(rel);
    const target = path.join(gen, rel);
    try {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, bytes);
    } catch (cause) {
      if (isOsFailure(cause)) throw ioError(`Copying ${rel} of the model saved in '${dir}'`, cause);
      throw new SimkitError('INVALID_ARGUMENT', `Could not copy ${rel} of the model saved in '${dir}'.`, { cause });
    }
  }
}

/** tfjs's complaint about a class it has no registration for, e.g. "Unknown layer: MetricEmbedding". */
const UNKNOWN_CLASS = /Unknown (layer|activation|constraint|initializer|regularizer|object|preprocessor): ([^\s.]+)/;

/** Rebuilds a LayersModel with tfjs; its failures become SimkitErrors that say what to do. */
async function loadModel(source: string | io.IOHandler, where: string): Promise<LayersModel> {
  registerSimkitLayers();
  try {
    return await loadLayersModel(source);
  } catch (cause) {
    if (SimkitError.isInstance(cause)) throw cause;
    if (isOsFailure(cause)) throw ioError(`Loading the model from ${where}`, cause);
    const message = cause instanceof Error ? cause.message : String(cause);
    const unknown = UNKNOWN_CLASS.exec(message);
    if (unknown !== null) {
      throw new SimkitError(
        'MISSING_COMPONENT',
        `The model in ${where} uses the ${unknown[1]} '${unknown[2]}', which is not registered in this process (simkit's own layers always are). Register your class before loading: tf.serialization.registerClass(${unknown[2]}), with the same class name it had when the model was saved.`,
        { cause, details: { className: unknown[2] } },
      );
    }
    throw new SimkitError(
      'CORRUPT_INDEX',
      `The model in ${where} could not be rebuilt (${message}): it is damaged or not a tfjs layers model. Save it again.`,
      { cause },
    );
  }
}

/** Sends the model to a tfjs URL or IOHandler of the caller's; its failures become SimkitErrors. */
async function saveToDestination(
  model: LayersModel,
  destination: string | io.IOHandler,
  includeOptimizer: boolean,
): Promise<void> {
  try {
    await model.save(destination, { includeOptimizer });
  } catch (cause) {
    if (SimkitError.isInstance(cause)) throw cause;
    if (isOsFailure(cause)) throw ioError('Saving the model to modelDestination', cause);
    throw new SimkitError(
      'INVALID_ARGUMENT',
      `Saving the model to modelDestination failed (${cause instanceof Error ? cause.message : String(cause)}); pass a tfjs URL (e.g. indexeddb://name) or IOHandler that can save.`,
      { cause },
    );
  }
}
