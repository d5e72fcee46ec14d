import {
  type ClassificationMetric,
  CLASSIFICATION_METRIC_CONFIG_VERSION,
  CLASSIFICATION_METRIC_TYPE,
  classificationMetricFromConfig,
  makeClassificationMetric,
} from '@simkit/classification-metrics';
import {
  type ComponentConfig,
  type Distance,
  type EmbeddingBatch,
  type EmbeddingsInput,
  type LabelsInput,
  type Logger,
  type ProgressHandler,
  type Registry,
  type Search,
  SimkitError,
  type Store,
  assertPositiveInteger,
  checkData,
  checkLabels,
  describe,
  fromConfig,
  invalidArgument,
  isComponentConfig,
  noProgress,
  silentLogger,
  toBatch,
  toIds,
  OperationLock,
  checkOptions,
  checkedCount,
  openSave,
  writeSave,
  fileError,
} from '@simkit/core';
import { nodeFiles } from '@simkit/core/node';
import { resolveDistance } from '@simkit/distances';
import {
  type CalibrationResult,
  type Cutpoint,
  type LookupMatrix,
  type Matcher,
  MemoryEvaluator,
  makeMatcher,
  toLookupMatrix,
} from '@simkit/evaluators';
import type { RetrievalMetric } from '@simkit/retrieval-metrics';
import { LinearSearch } from '@simkit/search-linear';
import { MemoryStore } from '@simkit/store-memory';
import type { IndexDataFrame } from './data-frame.js';
import { parseJson, stringifyJson } from './json.js';
import type { Lookup } from './lookup.js';
import { type IndexStats, LookupTimings } from './stats.js';

/** Options of `new Indexer(...)`: only `embeddingSize` is required. */
export interface IndexerOptions {
  /** Dimension of every embedding in the index. */
  embeddingSize: number;
  /** Distance name or alias (listed in docs/distances.md of the simkit repository) or instance. Default `cosine`. */
  distance?: string | Distance;
  /** Search backend; default an exact `LinearSearch` with the same distance. */
  search?: Search;
  /** Record store; default a `MemoryStore`. */
  store?: Store;
  /** Evaluator for calibration and evaluation; default a `MemoryEvaluator`. */
  evaluator?: MemoryEvaluator;
  /** How many recent lookups `stats()` summarises. Default 1000. */
  statBufferSize?: number;
  /** Which model output was indexed (kept in the metadata for the model façade). */
  embeddingOutput?: number | null;
  /** Receives the index's log messages, e.g. the warning when lookup rows are padded. Default silent. */
  logger?: Logger;
  /** Told as `batchAdd` (task `index`) and `calibrate` (task `calibrate`) progress. Default silent. */
  onProgress?: ProgressHandler;
}

/** Options of `Indexer.calibrate`. */
export interface CalibrateOptions {
  /** `{ metricName: target }`: cutpoints where the metric first reaches the target. */
  thresholdsTargets?: Record<string, number>;
  /**
   * Metric to optimise. Default `f1_score` (F1 under the name `f1_score`, as TensorFlow
   * Similarity's Indexer.calibrate), so the cutpoints carry the key `f1_score`; pass `f1` for the key `f1`.
   */
  calibrationMetric?: string | ClassificationMetric;
  /** Neighbours per query. Default 1. */
  k?: number;
  /** Default `match_nearest`. */
  matcher?: string | Matcher;
  /** Metrics reported next to the calibration metric. Default precision and recall. */
  extraMetrics?: Array<string | ClassificationMetric>;
}

/** Options of `Indexer.match`. */
export interface MatchOptions {
  /** Cutpoint name, or `all` for every cutpoint. Default `optimal`. */
  cutpoint?: string;
  /** Label for queries farther than the cutpoint distance. Default -1. */
  noMatchLabel?: number;
  /** Neighbours per query. Default 1. */
  k?: number;
  matcher?: string | Matcher;
}

/** Options of `Indexer.load`. */
export interface IndexerLoadOptions {
  /** Where the loaded index logs, as `IndexerOptions.logger`. Default silent. */
  logger?: Logger;
  /** Where the loaded index reports progress, as `IndexerOptions.onProgress`. Default none. */
  onProgress?: ProgressHandler;
}

/**
 * Options of `Indexer.evaluateClassification`; `k` defaults to 1, the matcher to `match_nearest`,
 * the extra metrics to precision and recall.
 */
export interface EvaluateClassificationOptions {
  k?: number;
  matcher?: string | Matcher;
  extraMetrics?: Array<string | ClassificationMetric>;
}

const FORMAT = 'simkit-index';
const FORMAT_VERSION = 1;
/** The kind of save an Indexer writes (see writeSave in @simkit/core). */
export const INDEX_SAVE_KIND = 'simkit-index';
const METADATA_FILE = 'index_metadata.json';
/** Calibration tables grow with the number of calibration queries; nothing real comes near this. */
const MAX_METADATA_BYTES = 256 * 1024 * 1024;
/** Largest lookup-time window: 8 bytes a slot, so 80 MB at most. */
export const MAX_STAT_BUFFER_SIZE = 10_000_000;
const ROWS_PER_PROGRESS = 8192;

/** The built-in components an index can be loaded with without a registry. */
export const defaultRegistry: Registry = Object.freeze({
  'linear-search': LinearSearch,
  'memory-store': MemoryStore,
  'memory-evaluator': MemoryEvaluator,
});

/** The metric's config in TensorFlow Similarity's shape, also for metrics without `toConfig`. */
function metricConfig(m: ClassificationMetric): ComponentConfig {
  return {
    type: CLASSIFICATION_METRIC_TYPE,
    version: CLASSIFICATION_METRIC_CONFIG_VERSION,
    package: '@simkit/classification-metrics',
    config: { name: m.name, canonical_name: m.canonicalName, maximize: m.maximize, increasing: m.increasing },
  };
}

interface Calibration {
  metric: ClassificationMetric;
  result: CalibrationResult;
}

/**
 * Indexes embeddings with their labels and data, finds nearest neighbours,
 * calibrates a distance threshold and matches new embeddings. The behaviour is described in
 * docs/index-and-saves.md and docs/calibration-and-matching.md of the simkit repository.
 */
export class Indexer {
  readonly embeddingSize: number;
  readonly distance: Distance;
  readonly search: Search;
  readonly store: Store;
  readonly evaluator: MemoryEvaluator;
  readonly statBufferSize: number;
  readonly embeddingOutput: number | null;
  private readonly logger: Logger;
  private readonly onProgress: ProgressHandler;
  private timings: LookupTimings;
  private calibration: Calibration | undefined;
  /** Saves and lookups share it; changes take it alone, so a save sees one moment. */
  private readonly lock = new OperationLock();

  constructor(options: IndexerOptions) {
    if (typeof options !== 'object' || options === null) {
      throw invalidArgument('new Indexer(options) needs an options object with at least { embeddingSize }.');
    }
    assertPositiveInteger(options.embeddingSize, 'embeddingSize');
    this.embeddingSize = options.embeddingSize;
    this.statBufferSize = options.statBufferSize ?? 1000;
    assertPositiveInteger(this.statBufferSize, 'statBufferSize');
    if (this.statBufferSize > MAX_STAT_BUFFER_SIZE) {
      throw invalidArgument(
        `statBufferSize must be at most ${MAX_STAT_BUFFER_SIZE} (the lookup-time window is kept in memory); got ${this.statBufferSize}.`,
      );
    }
    this.distance = resolveDistance(options.distance ?? 'cosine');
    this.search = options.search ?? new LinearSearch({ distance: this.distance, dim: this.embeddingSize });
    this.store = options.store ?? new MemoryStore();
    this.evaluator = options.evaluator ?? new MemoryEvaluator();
    this.embeddingOutput = options.embeddingOutput ?? null;
    this.logger = options.logger ?? silentLogger;
    this.onProgress = options.onProgress ?? noProgress;
    this.timings = new LookupTimings(this.statBufferSize);
    if (this.search.distance.name !== this.distance.name) {
      throw invalidArgument(
        `The search backend uses the '${this.search.distance.name}' distance but the index uses '${this.distance.name}'; build the search with the same distance.`,
      );
    }
    for (const [what, dim] of [
      ['search', this.search.dim],
      ['store', this.store.dim],
    ] as const) {
      if (dim !== undefined && dim !== this.embeddingSize) {
        throw new SimkitError(
          'DIMENSION_MISMATCH',
          `The ${what} holds vectors of dimension ${dim} but embeddingSize is ${this.embeddingSize}.`,
        );
      }
    }
    // A store reopened with records next to a new, empty search would look up nothing, and its
    // save could not be loaded again: refuse it here, before anything is written.
    // Shared backends (a server other processes write to) are checked by their own counts instead.
    if (!bothShared(this.store, this.search) && this.store.size() !== this.search.size()) {
      throw invalidArgument(
        `The store holds ${this.store.size()} records but the search ${this.search.size()} vectors; an index needs both to hold the same entries. To reopen a saved index use Indexer.load(dir); to start afresh pass an empty store (or reset it first).`,
      );
    }
  }

  /**
   * Number of records in the index. With a shared store (`supports.shared`, e.g. Redis) it is
   * the count last seen; `refresh()` reads it again.
   */
  size(): number {
    return this.store.size();
  }

  /**
   * Reads the counts of shared backends again (`supports.shared`: a Redis store, a pgvector
   * search), so that `size()` and `stats()` include what other processes added or removed.
   * Lookups always see the server's current records; other backends need no refresh.
   */
  async refresh(): Promise<void> {
    await this.lock.runShared(() => this.refreshShared());
  }

  private async refreshShared(): Promise<void> {
    await this.store.refresh?.();
    await this.search.refresh?.();
  }

  /** Adds one embedding with an optional label and data; returns its id. */
  async add(embedding: EmbeddingsInput, label: number | null = null, data: unknown = null): Promise<number> {
    const b = this.one(embedding, 'add');
    const ids = await this.batchAdd(b, [label], [data]);
    return ids[0] as number;
  }

  /**
   * Adds embeddings (rows of `embeddingSize`), with optional labels (integers or null)
   * and data (JSON values). All input is checked before anything is written, so bad
   * input adds nothing; if a backend fails part-way, the rows already added are taken
   * out again (when the backends can delete).
   */
  async batchAdd(
    embeddings: EmbeddingsInput,
    labels?: LabelsInput,
    data?: ArrayLike<unknown> | null,
  ): Promise<Int32Array> {
    const b = toBatch(embeddings, this.embeddingSize);
    checkLabels(labels, b.rows);
    checkData(data, b.rows);
    return this.lock.runExclusive(() => this.addChecked(b, labels, data));
  }

  private async addChecked(
    b: EmbeddingBatch,
    labels: LabelsInput,
    data: ArrayLike<unknown> | null | undefined,
  ): Promise<Int32Array> {
    const all = new Int32Array(b.rows);
    const d = this.embeddingSize;
    let added = 0;
    for (let start = 0; start < b.rows; start += ROWS_PER_PROGRESS) {
      const end = Math.min(b.rows, start + ROWS_PER_PROGRESS);
      const chunk = { data: b.data.subarray(start * d, end * d), rows: end - start, dim: d };
      let ids: Int32Array | undefined;
      const chunkLabels: Array<number | null> | null = labels ? Array.prototype.slice.call(labels, start, end) : null;
      try {
        ids = await this.store.add(chunk, chunkLabels, data ? Array.prototype.slice.call(data, start, end) : null);
        await this.search.add(ids, chunk, { labels: chunkLabels });
      } catch (error) {
        await this.undoAdd(all.subarray(0, added), ids);
        throw error;
      }
      all.set(ids, start);
      added = end;
      this.onProgress({ task: 'index', done: end, total: b.rows });
    }
    this.logger.log('debug', `indexed ${b.rows} embeddings`, { size: this.size() });
    return all;
  }

  /**
   * Takes out what a failed batchAdd had added: `done` (in store and search) and
   * `pending` (in the store only). Without delete support they stay, and a warning says so.
   */
  private async undoAdd(done: Int32Array, pending: Int32Array | undefined): Promise<void> {
    const inStore = pending === undefined ? done : Int32Array.from([...done, ...pending]);
    if (inStore.length === 0) return;
    if (!this.store.supports.delete || (done.length > 0 && !this.search.supports.delete)) {
      this.logger.log('warn', `batchAdd failed after ${inStore.length} rows were written; they stay in the index.`, {
        ids: inStore.length,
      });
      return;
    }
    try {
      if (done.length > 0) await this.search.remove(done);
      await this.store.delete(inStore);
    } catch (error) {
      this.logger.log('error', 'batchAdd failed, and taking its rows out again failed too.', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** The `k` nearest neighbours of one embedding. */
  async singleLookup(embedding: EmbeddingsInput, k = 5): Promise<Lookup[]> {
    const b = this.one(embedding, 'singleLookup');
    return (await this.batchLookup(b, k))[0] as Lookup[];
  }

  /**
   * The `k` nearest neighbours of each embedding, closest first (rank 1).
   * An empty index gives empty rows.
   */
  async batchLookup(embeddings: EmbeddingsInput, k = 5): Promise<Lookup[][]> {
    assertPositiveInteger(k, 'k');
    const b = toBatch(embeddings, this.embeddingSize, 'queries');
    return this.lock.runShared(() => this.lookupChecked(b, k));
  }

  private async lookupChecked(b: EmbeddingBatch, k: number): Promise<Lookup[][]> {
    const t0 = performance.now();
    const neighbors = await this.search.lookup(b, k);
    const unique = new Set<number>();
    for (const n of neighbors) for (const id of n.ids) unique.add(id);
    const ids = [...unique];
    const records = ids.length > 0 ? await this.store.get(ids) : [];
    const byId = new Map(records.map((r) => [r.id, r]));
    const out = neighbors.map((n) =>
      Array.from(n.ids, (id, j): Lookup => {
        const r = byId.get(id);
        if (r === undefined) {
          throw new SimkitError(
            'CORRUPT_INDEX',
            `The search returned id ${id}, which the store does not hold; rebuild the index.`,
          );
        }
        return {
          id,
          rank: j + 1,
          distance: n.distances[j] as number,
          label: r.label,
          embedding: r.embedding,
          data: r.data,
        };
      }),
    );
    this.timings.record(performance.now() - t0, b.rows);
    return out;
  }

  /** Removes records by id from store and search (when both backends support it). */
  async remove(ids: ArrayLike<number>): Promise<void> {
    const list = Array.from(toIds(ids));
    if (!this.search.supports.delete || !this.store.supports.delete) {
      throw new SimkitError(
        'UNSUPPORTED',
        'This index cannot remove records: its search or store backend does not support delete. Rebuild the index without them instead.',
      );
    }
    await this.lock.runExclusive(async () => {
      await this.store.get(list); // NOT_FOUND before anything is removed
      await this.search.remove(list);
      await this.store.delete(list);
    });
  }

  /**
   * Waits for running operations, then closes the search and the store (those that have a
   * `close`): an HnswSearch frees its wasm graph; a LevelStore releases its lock, and deletes
   * its location when it is a temporary one (as after `load`). Do not use the index afterwards.
   */
  async close(): Promise<void> {
    await this.lock.runExclusive(async () => {
      try {
        await this.search.close?.();
      } finally {
        await this.store.close?.();
      }
    });
  }

  /** Clears records, search structure, stats and calibration. */
  async reset(): Promise<void> {
    await this.lock.runExclusive(async () => {
      await this.store.reset();
      await this.search.reset();
      this.timings.clear();
      this.calibration = undefined;
    });
  }

  /** Index size, lookup count and lookup-time statistics over the sliding window. */
  stats(): IndexStats {
    return { size: this.size(), numLookups: this.timings.numLookups, lookupTimeMs: this.timings.summary() };
  }

  /** True after `calibrate`, or when a calibrated index was loaded; `reset` clears it. */
  get isCalibrated(): boolean {
    return this.calibration !== undefined;
  }

  /** The calibrated cutpoints by name, or undefined before `calibrate`. */
  get cutpoints(): Record<string, Cutpoint> | undefined {
    return this.calibration?.result.cutpoints;
  }

  /** The full calibration result (cutpoints and thresholds table), or undefined. */
  get calibrationResult(): CalibrationResult | undefined {
    return this.calibration?.result;
  }

  /**
   * The name of the metric the calibration optimised (e.g. `f1_score`, or `f1` for a
   * SimilarityModel), or undefined before `calibrate`. With `calibrationResult` it is what
   * `restoreCalibration` takes to carry a calibration to another index.
   */
  get calibrationMetric(): string | undefined {
    return this.calibration?.metric.name;
  }

  /**
   * Sets the calibration from a result computed elsewhere (for example one imported from a
   * TensorFlow Similarity save), as if `calibrate` had produced it: `match` and
   * `evaluateClassification` use it and `save` keeps it. `metric` names the calibration metric
   * (default `f1_score`). Cutpoints need a string `name` and numeric `distance` and values; the
   * thresholds table needs numeric columns of one length. Anything else is INVALID_ARGUMENT and
   * leaves the current calibration as it was.
   */
  async restoreCalibration(
    result: CalibrationResult,
    metric: string | ClassificationMetric = 'f1_score',
  ): Promise<void> {
    if (!isPlainRecord(result)) {
      throw invalidArgument(`restoreCalibration needs { cutpoints, thresholds }; got ${describe(result)}.`);
    }
    if (!isCutpoints(result.cutpoints)) {
      throw invalidArgument(
        'restoreCalibration: cutpoints must be a non-empty object of { name: string, distance: number, ...numbers }.',
      );
    }
    if (!isThresholds(result.thresholds)) {
      throw invalidArgument('restoreCalibration: thresholds must be an object of number arrays of one length.');
    }
    const m = makeClassificationMetric(metric);
    const copy: CalibrationResult = {
      cutpoints: Object.fromEntries(Object.entries(result.cutpoints).map(([k, cp]) => [k, { ...cp }])),
      thresholds: Object.fromEntries(Object.entries(result.thresholds).map(([k, c]) => [k, [...c]])),
    };
    await this.lock.runExclusive(async () => {
      this.calibration = { metric: m, result: copy };
    });
  }

  /**
   * Finds the distance threshold that best separates matches from non-matches on
   * labelled examples, and keeps it for `match` (the steps are described in
   * docs/calibration-and-matching.md of the simkit repository). It runs alone, like
   * `batchAdd`: the calibration always belongs to the records it was computed on.
   */
  async calibrate(
    embeddings: EmbeddingsInput,
    labels: ArrayLike<number>,
    options: CalibrateOptions = {},
  ): Promise<CalibrationResult> {
    const o = checkOptions(options, 'calibrate options');
    const metric = makeClassificationMetric(o.calibrationMetric ?? 'f1_score');
    const k = o.k ?? 1;
    assertPositiveInteger(k, 'k');
    const { batch, queryLabels } = this.labelledQueries(embeddings, labels);
    return this.lock.runExclusive(async () => {
      const matrix = await this.lookupMatrix(batch, k);
      const result = this.evaluator.calibrate(queryLabels, matrix, {
        thresholdsTargets: o.thresholdsTargets ?? {},
        calibrationMetric: metric,
        matcher: o.matcher ?? 'match_nearest',
        extraMetrics: o.extraMetrics ?? ['precision', 'recall'],
        onProgress: this.onProgress,
      });
      this.calibration = { metric, result };
      return result;
    });
  }

  /**
   * Labels for new embeddings: the matched label when the derived distance is within
   * the cutpoint's distance, `noMatchLabel` otherwise. `cutpoint: 'all'` returns one array per cutpoint.
   */
  async match(
    embeddings: EmbeddingsInput,
    options: MatchOptions & { cutpoint: 'all' },
  ): Promise<Record<string, Int32Array>>;
  async match(embeddings: EmbeddingsInput, options?: MatchOptions): Promise<Int32Array>;
  async match(
    embeddings: EmbeddingsInput,
    options: MatchOptions = {},
  ): Promise<Int32Array | Record<string, Int32Array>> {
    const o = checkOptions(options, 'match options');
    const name = o.cutpoint ?? 'optimal';
    const noMatchLabel = o.noMatchLabel ?? -1;
    if (!Number.isInteger(noMatchLabel))
      throw invalidArgument(`noMatchLabel must be an integer; got ${describe(noMatchLabel)}.`);
    const k = o.k ?? 1;
    assertPositiveInteger(k, 'k');
    const matcher = makeMatcher(o.matcher ?? 'match_nearest');
    const b = toBatch(embeddings, this.embeddingSize, 'queries');
    return this.lock.runShared(async () => {
      const cutpoints = this.requireCalibration('match').result.cutpoints;
      if (name !== 'all' && !Object.hasOwn(cutpoints, name)) {
        throw invalidArgument(
          `Unknown cutpoint '${name}'. Known cutpoints: ${Object.keys(cutpoints).join(', ')}, or 'all'.`,
        );
      }
      const matrix = await this.lookupMatrix(b, k);
      const run = (cp: Cutpoint) => this.evaluator.match(matrix, cp, { noMatchLabel, matcher });
      if (name !== 'all') return run(cutpoints[name] as Cutpoint);
      return Object.fromEntries(Object.entries(cutpoints).map(([n, cp]) => [n, run(cp)]));
    });
  }

  /** For every cutpoint: the calibration metric and the extra metrics at its distance. */
  async evaluateClassification(
    embeddings: EmbeddingsInput,
    labels: ArrayLike<number>,
    options: EvaluateClassificationOptions = {},
  ): Promise<Record<string, Record<string, number>>> {
    const o = checkOptions(options, 'evaluateClassification options');
    const k = o.k ?? 1;
    assertPositiveInteger(k, 'k');
    const extras = (o.extraMetrics ?? ['precision', 'recall']).map((m) => makeClassificationMetric(m));
    const matcher = makeMatcher(o.matcher ?? 'match_nearest');
    const { batch, queryLabels } = this.labelledQueries(embeddings, labels);
    return this.lock.runShared(async () => {
      const calibration = this.requireCalibration('evaluateClassification');
      const matrix = await this.lookupMatrix(batch, k);
      const metrics = [calibration.metric, ...extras];
      const out: Record<string, Record<string, number>> = {};
      for (const [name, cp] of Object.entries(calibration.result.cutpoints)) {
        const res = this.evaluator.evaluateClassification(queryLabels, matrix, [cp.distance], metrics, matcher);
        out[name] = Object.fromEntries(Object.entries(res).map(([m, v]) => [m, (v as number[])[0] as number]));
      }
      return out;
    });
  }

  /** Retrieval metrics (recall@k, precision@k, map@k, ndcg@k) of labelled queries against the index. */
  async evaluateRetrieval(
    embeddings: EmbeddingsInput,
    labels: ArrayLike<number>,
    metrics: readonly RetrievalMetric[],
  ): Promise<Record<string, number>> {
    if (!Array.isArray(metrics) || metrics.length === 0) {
      throw invalidArgument(
        'evaluateRetrieval needs a non-empty array of retrieval metrics, e.g. [new RecallAtK({ k: 5 })].',
      );
    }
    const k = Math.max(...metrics.map((m) => m.k)) + 1;
    const { batch, queryLabels } = this.labelledQueries(embeddings, labels);
    return this.lock.runShared(async () => {
      const matrix = await this.lookupMatrix(batch, k);
      return this.evaluator.evaluateRetrieval(queryLabels, matrix, [...metrics]);
    });
  }

  /**
   * Saves the index into the directory `dir`, atomically (the protocol of `writeSave` in
   * @simkit/core): a crash at any instant leaves there either the complete previous save or
   * the complete new one, and the manifest binds the metadata, store and search of this one
   * save with SHA-256 checksums. The save sees one moment of the index: it waits for running
   * adds, removes and resets, and those wait for it. `dir` must be new, empty, or saved to
   * before; a directory holding anything else is refused with INVALID_ARGUMENT and left as it is.
   * OS failures (full disk, read-only mount) are IO_ERROR and leave the previous save in place.
   */
  async save(dir: string): Promise<void> {
    if (typeof dir !== 'string' || dir.length === 0) throw invalidArgument('save(dir) needs a directory path.');
    // The lock is taken before anything is awaited, so the save sees the calls made before it.
    await this.lock.runShared(async () => {
      const { fs, path } = await nodeFiles();
      const metadata = stringifyJson(this.metadata());
      await writeSave(dir, INDEX_SAVE_KIND, async (gen) => {
        await this.store.save(path.join(gen, 'store'));
        await this.search.save(path.join(gen, 'search'));
        try {
          await fs.writeFile(path.join(gen, METADATA_FILE), metadata);
        } catch (cause) {
          throw fileError(`Writing ${METADATA_FILE}`, cause, (c) =>
            invalidArgument(`Could not write ${METADATA_FILE} into '${dir}' (${String(c)}).`),
          );
        }
      });
    });
  }

  /**
   * Loads an index written by `save`. Everything is checked before it is used: the manifest
   * and its checksum, the metadata, and that store and search are the ones saved with it
   * (then each backend checks its own files). A damaged or mixed-up save is CORRUPT_INDEX.
   * Components are rebuilt from their saved configs with `registry` (merged over the built-in
   * linear search, memory store and memory evaluator); a saved index that needs a package you
   * did not pass fails with MISSING_COMPONENT. `options.logger` is the loaded index's logger.
   */
  static async load(dir: string, registry: Registry = {}, options?: IndexerLoadOptions): Promise<Indexer> {
    if (typeof dir !== 'string' || dir.length === 0) throw invalidArgument('Indexer.load(dir) needs a directory path.');
    if (typeof registry !== 'object' || registry === null) {
      throw invalidArgument(
        `Indexer.load(dir, registry): registry must be an object of factories; got ${describe(registry)}.`,
      );
    }
    const { logger, onProgress } = checkOptions(options, 'Indexer.load options');
    if (onProgress !== undefined && typeof onProgress !== 'function') {
      throw invalidArgument(`onProgress must be a function (event) => void; got ${describe(onProgress)}.`);
    }
    if (logger !== undefined && (typeof logger !== 'object' || logger === null || typeof logger.log !== 'function')) {
      throw invalidArgument(
        `logger must be an object with a log(level, message, fields) method; got ${describe(logger)}.`,
      );
    }
    const saved = await openSave(dir, INDEX_SAVE_KIND);
    // Everything the manifest lists (the metadata, the manifests of store and search) is checked
    // before anything is built; each backend then checks its own files.
    const text = await saved.readText(METADATA_FILE, { maxBytes: MAX_METADATA_BYTES });
    for (const name of saved.files.keys()) if (name !== METADATA_FILE) await saved.read(name);
    const meta = parseJson(text, `${METADATA_FILE} in '${dir}'`) as Record<string, unknown>;
    if (meta === null || typeof meta !== 'object' || Array.isArray(meta) || meta.format !== FORMAT) {
      throw new SimkitError('CORRUPT_INDEX', `The ${METADATA_FILE} in '${dir}' is not simkit index metadata.`);
    }
    if (!Number.isInteger(meta.format_version) || (meta.format_version as number) < 1) {
      throw new SimkitError('CORRUPT_INDEX', `The ${METADATA_FILE} in '${dir}' has no valid format_version.`);
    }
    if ((meta.format_version as number) > FORMAT_VERSION) {
      throw new SimkitError(
        'UNSUPPORTED',
        `The index in '${dir}' has format version ${String(meta.format_version)}; this @simkit/indexer reads up to ${FORMAT_VERSION}. Upgrade @simkit/indexer.`,
      );
    }
    const reg: Registry = { ...defaultRegistry, ...registry };
    const field = <T>(name: string, check: (v: unknown) => boolean): T => {
      if (!check(meta[name]))
        throw new SimkitError('CORRUPT_INDEX', `Index metadata field '${name}' is missing or invalid.`);
      return meta[name] as T;
    };
    const count = (name: string, min: number, max: number) =>
      checkedCount(meta[name], { min, max, what: `${name} in ${METADATA_FILE}` });
    const embeddingSize = count('embedding_size', 1, 1 << 20);
    const size = count('size', 0, 0x7fffffff);
    const statBufferSize = count('stat_buffer_size', 1, MAX_STAT_BUFFER_SIZE);
    const embeddingOutput = meta.embedding_output === null ? null : count('embedding_output', 0, 1 << 16);
    const distanceName = field<string>('distance', (v) => typeof v === 'string');
    const searchConfig = field<ComponentConfig>('search_config', isComponentConfig);
    const storeConfig = field<ComponentConfig>('kv_store_config', isComponentConfig);
    const evaluatorConfig = field<ComponentConfig>('evaluator', isComponentConfig);
    const calibration = meta.is_calibrated === true ? savedCalibration(field) : undefined;
    const search = await fromConfig<Search>(searchConfig, reg, 'search');
    const store = await fromConfig<Store>(storeConfig, reg, 'store');
    try {
      const evaluator = await fromConfig<MemoryEvaluator>(evaluatorConfig, reg, 'evaluator');
      await store.load(saved.path('store'));
      await search.load(saved.path('search'));
      // A shared index may have changed since the save (other processes write to it): its save
      // records where it lives, not how big it was.
      if (!bothShared(store, search) && (store.size() !== size || search.size() !== size)) {
        throw new SimkitError(
          'CORRUPT_INDEX',
          `The index in '${dir}' should hold ${size} records but its store has ${store.size()} and its search ${search.size()}.`,
        );
      }
      const indexer = new Indexer({
        embeddingSize,
        distance: distanceName,
        search,
        store,
        evaluator,
        statBufferSize,
        embeddingOutput,
        ...(logger !== undefined && { logger }),
        ...(onProgress !== undefined && { onProgress }),
      });
      indexer.calibration = calibration;
      return indexer;
    } catch (error) {
      // Release what the store opened (files, locks) before reporting the failure.
      await store.close?.().catch(() => {});
      if (SimkitError.isInstance(error) && (error.code === 'INVALID_ARGUMENT' || error.code === 'DIMENSION_MISMATCH')) {
        // The arguments came from the saved files, so a complaint about them means the save is wrong.
        throw new SimkitError('CORRUPT_INDEX', `The index saved in '${dir}' is inconsistent: ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  /**
   * The first `numItems` records (all when 0) as typed columns that a data-frame library
   * (e.g. Apache Arrow) can wrap without copying.
   */
  async toDataFrame(numItems = 0): Promise<IndexDataFrame> {
    if (!Number.isInteger(numItems) || numItems < 0) {
      throw invalidArgument(`numItems must be an integer ≥ 0 (0 = all records); got ${describe(numItems)}.`);
    }
    return this.lock.runShared(() => this.dataFrame(numItems));
  }

  private async dataFrame(numItems: number): Promise<IndexDataFrame> {
    const n = numItems === 0 ? this.size() : Math.min(numItems, this.size());
    const d = this.embeddingSize;
    const id = new Int32Array(n);
    const label = new Int32Array(n);
    const labelValid = new Uint8Array(n);
    const embedding = new Float32Array(n * d);
    const data: unknown[] = [];
    let i = 0;
    for await (const r of this.store.entries()) {
      if (i >= n) break;
      id[i] = r.id;
      if (r.label !== null) {
        label[i] = r.label;
        labelValid[i] = 1;
      }
      embedding.set(r.embedding, i * d);
      data.push(r.data);
      i++;
    }
    return { numRows: n, embeddingSize: d, columns: { id, label, labelValid, embedding, data } };
  }

  private metadata(): Record<string, unknown> {
    const packages: Record<string, string | undefined> = {};
    for (const c of [this.search.toConfig(), this.store.toConfig(), this.evaluator.toConfig()]) {
      if (c.package) packages[c.type] = c.package;
    }
    return {
      format: FORMAT,
      format_version: FORMAT_VERSION,
      size: this.size(),
      compression: (this.store.toConfig().config.compression as string | undefined) ?? null,
      distance: this.distance.name,
      embedding_output: this.embeddingOutput,
      embedding_size: this.embeddingSize,
      kv_store_config: this.store.toConfig(),
      search_config: this.search.toConfig(),
      evaluator: this.evaluator.toConfig(),
      stat_buffer_size: this.statBufferSize,
      is_calibrated: this.isCalibrated,
      calibration_metric_config: this.calibration ? metricConfig(this.calibration.metric) : null,
      cutpoints: this.calibration?.result.cutpoints ?? {},
      calibration_thresholds: this.calibration?.result.thresholds ?? {},
      packages,
    };
  }

  /** One embedding: a flat array is one vector, whose length must be `embeddingSize`. */
  private one(embedding: EmbeddingsInput, what: string): EmbeddingBatch {
    const b = toBatch(embedding, undefined, 'embedding');
    if (b.rows !== 1)
      throw invalidArgument(`${what}() takes one embedding; got ${b.rows}. Use the batch method for several.`);
    if (b.dim !== this.embeddingSize) {
      throw new SimkitError(
        'DIMENSION_MISMATCH',
        `${what}(): the embedding has ${b.dim} values but the index holds embeddings of size ${this.embeddingSize}.`,
      );
    }
    return b;
  }

  private requireCalibration(what: string): Calibration {
    if (this.calibration === undefined) {
      throw new SimkitError('NOT_CALIBRATED', `The index is not calibrated: call calibrate() before ${what}().`);
    }
    return this.calibration;
  }

  /** Lookups of a checked batch as a matrix; the caller holds the lock. */
  private async lookupMatrix(b: EmbeddingBatch, k: number): Promise<LookupMatrix> {
    await this.refreshShared();
    if (this.size() === 0) {
      throw new SimkitError('EMPTY_INDEX', 'The index is empty: add labelled embeddings with batchAdd() first.');
    }
    return toLookupMatrix(await this.lookupChecked(b, k), k, { logger: this.logger });
  }

  private labelledQueries(
    embeddings: EmbeddingsInput,
    labels: ArrayLike<number>,
  ): { batch: EmbeddingBatch; queryLabels: Int32Array } {
    const batch = toBatch(embeddings, this.embeddingSize, 'queries');
    const checked = checkLabels(labels, batch.rows);
    if (checked === null || checked.present.includes(0)) {
      throw invalidArgument(
        'Every query needs an integer label to calibrate or evaluate; got a missing or null label.',
      );
    }
    return { batch, queryLabels: checked.values };
  }
}

/** True when store and search both live on servers other processes share: their counts may move. */
function bothShared(store: Store, search: Search): boolean {
  return store.supports.shared === true && search.supports.shared === true;
}

const isNumber = (v: unknown) => typeof v === 'number' && !Number.isNaN(v);
const isPlainRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Cutpoints by name: each with a string `name`, a numeric `distance` and numeric metric values. */
function isCutpoints(v: unknown): v is Record<string, Cutpoint> {
  return (
    isPlainRecord(v) &&
    Object.keys(v).length > 0 &&
    Object.values(v).every(
      (cp) =>
        isPlainRecord(cp) &&
        typeof cp.name === 'string' &&
        isNumber(cp.distance) &&
        Object.entries(cp).every(([k, x]) => k === 'name' || isNumber(x)),
    )
  );
}

/** A thresholds table: numeric columns of one length. */
function isThresholds(v: unknown): v is Record<string, number[]> {
  if (!isPlainRecord(v)) return false;
  const columns = Object.values(v);
  const n = Array.isArray(columns[0]) ? columns[0].length : -1;
  return columns.every((c) => Array.isArray(c) && c.length === n && c.every(isNumber));
}

/** The calibration stored in index metadata, checked field by field. */
function savedCalibration(field: <T>(name: string, check: (v: unknown) => boolean) => T): Calibration {
  const metricConfig = field<ComponentConfig>('calibration_metric_config', isComponentConfig);
  const cutpoints = field<Record<string, Cutpoint>>('cutpoints', isCutpoints);
  const thresholds = field<Record<string, number[]>>('calibration_thresholds', isThresholds);
  let metric: ClassificationMetric;
  try {
    metric = classificationMetricFromConfig(metricConfig);
  } catch (cause) {
    throw new SimkitError('CORRUPT_INDEX', "Index metadata field 'calibration_metric_config' is invalid.", { cause });
  }
  return { metric, result: { cutpoints, thresholds } };
}
