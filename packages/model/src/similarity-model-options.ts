import type { Distance, Logger, ProgressHandler, Registry, Search, Store } from '@simkit/core';
import type { CalibrateOptions, IndexerOptions } from '@simkit/indexer';
import type { io } from '@tensorflow/tfjs-core';
import type { ModelCompileArgs } from '@tensorflow/tfjs-layers';
import type { Reporter } from './reporter.js';

/** How the façade runs and reports; all optional. */
export interface SimilarityModelOptions {
  /** Rows per forward pass when embedding. Default 256. */
  batchSize?: number;
  /** Log port (notices such as the default embedding head). Default: silent, or the console with `verbose`. */
  logger?: Logger;
  /** Progress port for embedding and indexing. Default: none, or a console bar with `verbose`. */
  onProgress?: ProgressHandler;
  /** Show progress, notices and summary tables on the console (through `reporter`). Default false. */
  verbose?: boolean;
  /** Where `verbose` output goes. Default: the console reporter. */
  reporter?: Reporter;
}

/** Index settings for `createIndex` (and `compile`). */
export interface CreateIndexOptions {
  /** Distance name or instance. Default `cosine`; `auto` means cosine here. */
  distance?: string | Distance;
  /** Search backend instance (built with the same distance). Default: exact linear search. */
  search?: Search;
  /** Record store instance. Default: in-memory store. */
  store?: Store;
  /** Evaluator instance. Default: the in-memory evaluator. */
  evaluator?: IndexerOptions['evaluator'];
  /** Which model output to index. Default: the only one, or output 0 (with a notice) when there are several. */
  embeddingOutput?: number | null;
  /** Lookups kept for `indexSummary()` timing statistics. Default 1000. */
  statBufferSize?: number;
}

/** A metric-learning loss that names the distance it trains for (e.g. from @simkit/losses). */
export interface LossWithDistance {
  readonly distance: string | Distance;
}

/** `compile` options: index settings plus the usual tfjs compile options. */
export interface CompileOptions extends Omit<CreateIndexOptions, 'distance'> {
  /**
   * `auto` (default) takes the loss's `distance` when the loss has one, else cosine;
   * or a distance name / instance.
   */
  distance?: 'auto' | string | Distance;
  /** Forwarded to `LayersModel.compile` together with `loss`. Default `rmsprop` when a loss is given. */
  optimizer?: ModelCompileArgs['optimizer'];
  /** Forwarded to `LayersModel.compile`. A loss object with a `call(yTrue, yPred)` method is wrapped as a function. */
  loss?: ModelCompileArgs['loss'] | LossWithDistance | ReadonlyArray<ModelCompileArgs['loss'] | LossWithDistance>;
  /** Forwarded to `LayersModel.compile`. */
  metrics?: ModelCompileArgs['metrics'];
}

/** `calibrate` options: those of the Indexer plus `rounding` for the verbose table. */
export interface ModelCalibrateOptions extends CalibrateOptions {
  /** Metric to optimise. Default `f1` (key `f1`), unlike `Indexer.calibrate`'s `f1_score`. */
  calibrationMetric?: CalibrateOptions['calibrationMetric'];
  /** Decimals shown in the verbose calibration table (display only). Default 2. */
  rounding?: number;
}

/** `save` options. */
export interface SaveOptions {
  /** Also save the index into `<dir>/index`. Default true. */
  saveIndex?: boolean;
  /**
   * Where the model goes instead of `<dir>/model.json` + `weights.bin`: a tfjs URL
   * (`indexeddb://name`, `downloads://name`, `localstorage://name`) or any tfjs IOHandler.
   */
  modelDestination?: string | io.IOHandler;
  /** Save the optimizer state with the model (tfjs `includeOptimizer`). Default false. */
  includeOptimizer?: boolean;
}

/** `SimilarityModel.load` options. */
export interface LoadOptions extends SimilarityModelOptions {
  /** Factories for the search / store / evaluator types the saved index needs. */
  registry?: Registry;
  /** Where to read the model from instead of `<dir>/model.json`: a tfjs URL or IOHandler. */
  modelSource?: string | io.IOHandler;
  /** Load `<dir>/index` when it exists. Default true. */
  loadIndex?: boolean;
}
